// src/correlate/rules_config.h
//
// RulesConfig: every rule section the correlation engine reads from the root config document.
// ParseRulesConfig reads only its own top-level keys (route, inhibit_rules, time_intervals,
// maintenance_windows, dedup, flapping, transient, topology, deploys, rate_limits, correlate) and
// ignores the keys other components own (server, ingest, receivers, gates, redaction, outbox,
// runbooks, auth, audit, include); the application's loader rejects unknown top-level keys.
// Any other key is an error here too when `strict` is set (rules-only files, tests).
//
// Validate then checks references between sections and to the outside world: receivers named by
// routes and rate limits exist, time interval names exist, every paging route (class actionable
// with a receiver) has a runbook file under `runbooks_dir`. Every error names file:line:col.
#ifndef QUELL_CORRELATE_RULES_CONFIG_H_
#define QUELL_CORRELATE_RULES_CONFIG_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/yaml_node.h"
#include "correlate/dedup_config.h"
#include "correlate/deploys_config.h"
#include "correlate/engine_settings.h"
#include "correlate/flapping_config.h"
#include "correlate/inhibit_rule_config.h"
#include "correlate/maintenance_window_config.h"
#include "correlate/rate_limit_config.h"
#include "correlate/route_config.h"
#include "correlate/time_interval.h"
#include "correlate/topology_config.h"
#include "correlate/transient_config.h"

namespace quell::correlate {

struct RulesConfig {
  RouteConfig route;
  std::vector<InhibitRuleConfig> inhibit_rules;
  std::vector<NamedTimeInterval> time_intervals;
  std::vector<MaintenanceWindowConfig> maintenance_windows;
  DedupConfig dedup;
  FlappingConfig flapping;
  TransientConfig transient;
  TopologyConfig topology;
  DeploysConfig deploys;
  std::vector<RateLimitConfig> rate_limits;
  EngineSettings settings;
  std::string original_yaml;  // The source text, when known (GET /api/v2/status config.original).

  const NamedTimeInterval* FindTimeInterval(std::string_view name) const {
    for (const NamedTimeInterval& t : time_intervals) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }
};

// REQUIRES: `root` is the root mapping of the config document. `route` is required.
[[nodiscard]] absl::StatusOr<RulesConfig> ParseRulesConfig(const core::YamlNode& root,
                                                           bool strict = false);

// Cross-reference checks (see file comment). `runbooks_dir` empty skips the file-existence check
// but still requires paging routes to name a runbook.
[[nodiscard]] absl::Status Validate(const RulesConfig& config,
                                    const std::set<std::string>& receiver_names,
                                    const std::string& runbooks_dir);

// Convenience for tools and tests: loads `path`, parses it (not strict) and keeps the text.
[[nodiscard]] absl::StatusOr<RulesConfig> LoadRulesFile(const std::string& path);
// The same from a string named `name` in errors.
[[nodiscard]] absl::StatusOr<RulesConfig> LoadRulesString(std::string_view text, std::string name);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_RULES_CONFIG_H_
