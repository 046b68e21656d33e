// src/correlate/engine_settings.h
//
// `correlate:` engine settings (not rules): sharding, memory bounds, lateness and retention.
//
//   correlate:
//     shards: 0                         # 0 = std::thread::hardware_concurrency()
//     queue_capacity: 64                # batches per shard queue
//     max_fingerprints_per_shard: 200000
//     max_groups_per_shard: 50000
//     allowed_lateness: 1m              # events older than the watermark are late (applied at it, recorded)
//     idle_timeout: 30s                 # live mode: no event-time progress this long -> wall clock
//     incident_retention: 24h           # resolved incidents stay readable this long
//     max_future_skew: 15m              # an event time further past its observed time is clamped to it
//     catch_up_horizon: 24h             # group_interval ticks further behind one watermark advance collapse into one
//     decision_log_size: 16             # decisions kept per fingerprint
//     max_alerts_per_notification: 64
//     external_url: https://quell.example.com
//     runbook_base_url: https://git.example.com/runbooks/
//     silences_file: quell-state/silences.json  # silence snapshot, read at start ("" = memory only)
//     silence_retention: 120h           # expired silences are dropped this long after they end
//     state_file: quell-state/correlation.json  # alerts and deploys across restarts ("" = memory only)
//     state_checkpoint_interval: 10s    # how often state_file is rewritten (and once at shutdown)
#ifndef QUELL_CORRELATE_ENGINE_SETTINGS_H_
#define QUELL_CORRELATE_ENGINE_SETTINGS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct EngineSettings {
  int shards = 0;
  int queue_capacity = 64;
  int64_t max_fingerprints_per_shard = 200000;
  int64_t max_groups_per_shard = 50000;
  absl::Duration allowed_lateness = absl::Minutes(1);
  absl::Duration idle_timeout = absl::Seconds(30);
  absl::Duration incident_retention = absl::Hours(24);
  absl::Duration catch_up_horizon = absl::Hours(24);
  absl::Duration max_future_skew = absl::Minutes(15);  // 0 = off.
  absl::Duration silence_retention = absl::Hours(120);  // Alertmanager's --data.retention.
  int decision_log_size = 16;
  int max_alerts_per_notification = 64;
  std::string external_url;
  // Notification::runbook_url = runbook_base_url + the route's runbook, used as written; "" = no
  // link. A quell.yaml load fills "" from `runbooks:` (app/quell_config.h), bare rules keep "".
  std::string runbook_base_url;
  std::string silences_file;  // Read at start; a reload does not move it.
  std::string state_file;     // Read at start, written every state_checkpoint_interval and at stop.
  absl::Duration state_checkpoint_interval = absl::Seconds(10);
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<EngineSettings> ParseEngineSettings(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_ENGINE_SETTINGS_H_
