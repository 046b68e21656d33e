#include <functional>
#include <string>

#include "absl/time/time.h"
#include "app/commands.h"
#include "app/quell_config.h"
#include "correlate/compiled_rules.h"
#include "correlate/gates/gate_config.h"
#include "correlate/route_config.h"

namespace quell::app {
namespace {

void PrintRoute(const correlate::RouteConfig& r, int depth, std::FILE* out) {
  std::string matchers;
  for (const auto& m : r.matchers) {
    if (!matchers.empty()) matchers += ", ";
    matchers += m.ToString();
  }
  std::fprintf(out, "%*s- receiver=%s class=%s%s%s%s  [%s]\n", depth * 2, "", r.receiver.c_str(),
               std::string(correlate::RouteClassName(r.route_class)).c_str(),
               matchers.empty() ? "" : (" matchers={" + matchers + "}").c_str(),
               r.runbook.empty() ? "" : (" runbook=" + r.runbook).c_str(), r.continue_matching ? " continue" : "",
               r.where.ToString().c_str());
  for (const auto& child : r.routes) PrintRoute(child, depth + 1, out);
}

bool IsLoopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address == "localhost" || address.rfind("127.", 0) == 0;
}

}  // namespace

int RunCheckConfig(const std::string& path, std::FILE* out, std::FILE* err) {
  absl::StatusOr<QuellConfig> cfg = LoadConfig(path);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
    std::fprintf(err, "check-config: %s is invalid\n", path.c_str());
    return 1;
  }
  std::fprintf(out, "check-config: %s is valid (sha256 %s)\n", path.c_str(), cfg->content_sha256.c_str());
  for (const std::string& w : gates::GatesConfigWarnings(cfg->gates)) std::fprintf(err, "warning: %s\n", w.c_str());
  std::fprintf(out, "files:\n");
  for (const std::string& f : cfg->files) std::fprintf(out, "  %s\n", f.c_str());
  std::fprintf(out, "listeners: http %s:%u%s", cfg->server.address.c_str(), cfg->server.port, cfg->server.tls ? " (tls)" : "");
  if (cfg->server.otlp_grpc) {
    std::fprintf(out, ", otlp grpc %s:%u", cfg->server.otlp_grpc->address.c_str(), cfg->server.otlp_grpc->port);
  }
  std::fprintf(out, "\n");
  std::fprintf(out, "receivers:\n");
  for (const auto& r : cfg->sinks.receivers) std::fprintf(out, "  %s  [%s]\n", r.name.c_str(), r.where.ToString().c_str());
  std::fprintf(out, "routes:\n");
  PrintRoute(cfg->rules.route, 1, out);
  std::fprintf(out, "inhibit rules: %zu, time intervals: %zu, maintenance windows: %zu, topology services: %zu, gates: %zu\n",
               cfg->rules.inhibit_rules.size(), cfg->rules.time_intervals.size(), cfg->rules.maintenance_windows.size(),
               cfg->rules.topology.services.size(), cfg->gates.gates.size());
  const auto& settings = cfg->rules.settings;
  // How the engine's shards split the alerts (docs/rules.md, "Sharding").
  std::string shards = settings.shards > 0 ? std::to_string(settings.shards) : "one per core";
  std::fprintf(out, "shards: %s; alerts placed %s\n", shards.c_str(),
               correlate::CompiledRules::Build(cfg->rules)->DescribeShardPlacement().c_str());
  // What survives a restart or a crash (ADR 0044, ADR 0045).
  if (settings.state_file.empty()) {
    std::fprintf(out, "state: none (a restart forgets alerts, open incidents and deploy-gate evidence; set correlate.state_file)\n");
  } else {
    std::fprintf(out, "state: %s (alerts, incidents, deploy gates), checkpointed every %s\n", settings.state_file.c_str(),
                 absl::FormatDuration(settings.state_checkpoint_interval).c_str());
  }
  if (cfg->journal.dir.empty()) {
    std::fprintf(out, "intake journal: none (what HTTP clients sent since the last checkpoint is lost in a crash)\n");
  } else {
    std::string fsync(ingest::JournalFsyncName(cfg->journal.fsync));
    if (cfg->journal.fsync == ingest::JournalFsync::kInterval) {
      fsync += " " + absl::FormatDuration(cfg->journal.fsync_interval);
    }
    std::fprintf(out, "intake journal: %s, fsync %s\n", cfg->journal.dir.c_str(), fsync.c_str());
  }
  std::fprintf(out, "dead letters: %s, %s\n", cfg->dead_letter_path.c_str(),
               cfg->dead_letter_redact ? "redacted (redaction: detectors)" : "exact bytes (ingest.dead_letter.redact: false)");
  if (cfg->tokens_file.empty() && !IsLoopback(cfg->server.address)) {
    std::fprintf(out, "warning: server listens on %s without API tokens (auth.tokens_file): anyone who reaches it can "
                      "create silences and reload the config\n", cfg->server.address.c_str());
  }
  return 0;
}

}  // namespace quell::app
