#include "app/commands.h"
#include "app/quell_config.h"
#include "core/label_set.h"
#include "correlate/compiled_rules.h"
#include "correlate/matcher.h"

namespace quell::app {

int RunRoutesTest(const std::string& config_path, const std::vector<std::string>& labels, std::FILE* out,
                  std::FILE* err) {
  absl::StatusOr<QuellConfig> cfg = config_path.empty() ? LoadEmbeddedDefault() : LoadConfig(config_path);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& kv : labels) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(err, "routes test: \"%s\": want label=value\n", kv.c_str());
      return 2;
    }
    std::string value = kv.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    pairs.emplace_back(kv.substr(0, eq), value);
  }
  core::LabelSet set = core::LabelSet::FromPairs(pairs);
  std::shared_ptr<const correlate::CompiledRules> rules = correlate::CompiledRules::Build(cfg->rules);
  std::vector<int> hits;
  rules->routes().Match(set.view(), &hits);
  std::fprintf(out, "alert %s\n", set.ToString().c_str());
  std::string receivers;
  for (int i : hits) {
    const correlate::Route& r = rules->routes().route(i);
    const correlate::RouteConfig& rc = *r.config;
    std::fprintf(out, "route %s\n  receiver: %s\n  class: %s\n", r.key.c_str(), rc.receiver.c_str(),
                 std::string(correlate::RouteClassName(rc.route_class)).c_str());
    if (!rc.runbook.empty()) std::fprintf(out, "  runbook: %s\n", rc.runbook.c_str());
    std::fprintf(out, "  defined at: %s\n", rc.where.ToString().c_str());
    if (!receivers.empty()) receivers += ",";
    receivers += rc.receiver;
  }
  for (const correlate::InhibitRuleConfig& ir : cfg->rules.inhibit_rules) {
    if (correlate::MatchesAll(ir.target_matchers, set.view())) {
      std::fprintf(out, "may be inhibited by %s  [%s]\n", ir.name.c_str(), ir.where.ToString().c_str());
    }
    if (correlate::MatchesAll(ir.source_matchers, set.view())) {
      std::fprintf(out, "would inhibit targets of %s  [%s]\n", ir.name.c_str(), ir.where.ToString().c_str());
    }
  }
  // The last line is amtool's: the receivers, comma-separated.
  std::fprintf(out, "%s\n", receivers.c_str());
  return 0;
}

}  // namespace quell::app
