#include "correlate/inhibit_rule_config.h"

#include <algorithm>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {

absl::StatusOr<std::vector<InhibitRuleConfig>> ParseInhibitRules(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectSequence("inhibit_rules"));
  std::vector<InhibitRuleConfig> out;
  for (const core::YamlNode& item : node.Items()) {
    QUELL_RETURN_IF_ERROR(item.CheckKeys(
        "inhibit rule", {"name", "source_matchers", "target_matchers", "source_match",
                         "source_match_re", "target_match", "target_match_re", "equal",
                         "source_started_before_target"}));
    InhibitRuleConfig r;
    r.where = item.location();
    r.name = fmt::format("inhibit_rules[{}]", out.size());
    QUELL_RETURN_IF_ERROR(item.ReadString("name", &r.name));
    auto add = [&](std::string_view key, bool legacy, bool regex, Matchers* dst) -> absl::Status {
      auto n = item.Child(key);
      if (!n) return absl::OkStatus();
      absl::StatusOr<Matchers> ms = legacy ? ParseLegacyMatch(*n, regex, key) : ParseMatcherList(*n, key);
      if (!ms.ok()) return ms.status();
      for (Matcher& m : *ms) dst->push_back(std::move(m));
      return absl::OkStatus();
    };
    QUELL_RETURN_IF_ERROR(add("source_matchers", false, false, &r.source_matchers));
    QUELL_RETURN_IF_ERROR(add("source_match", true, false, &r.source_matchers));
    QUELL_RETURN_IF_ERROR(add("source_match_re", true, true, &r.source_matchers));
    QUELL_RETURN_IF_ERROR(add("target_matchers", false, false, &r.target_matchers));
    QUELL_RETURN_IF_ERROR(add("target_match", true, false, &r.target_matchers));
    QUELL_RETURN_IF_ERROR(add("target_match_re", true, true, &r.target_matchers));
    if (r.source_matchers.empty()) return item.Error("inhibit rule: source_matchers must not be empty");
    if (r.target_matchers.empty()) return item.Error("inhibit rule: target_matchers must not be empty");
    QUELL_RETURN_IF_ERROR(item.ReadStringList("equal", &r.equal));
    std::sort(r.equal.begin(), r.equal.end());
    r.equal.erase(std::unique(r.equal.begin(), r.equal.end()), r.equal.end());
    QUELL_RETURN_IF_ERROR(item.ReadBool("source_started_before_target", &r.source_started_before_target));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace quell::correlate
