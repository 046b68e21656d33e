#include "correlate/engine_settings.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {
namespace {

absl::Status ReadBounded(const core::YamlNode& node, std::string_view key, int64_t lo, int64_t hi,
                         int64_t* out) {
  QUELL_RETURN_IF_ERROR(node.ReadInt(key, out));
  if (*out < lo || *out > hi) {
    return node.Child(key)->Error(fmt::format("correlate: {} must be in {}..{}", key, lo, hi));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EngineSettings> ParseEngineSettings(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "correlate", {"shards", "queue_capacity", "max_fingerprints_per_shard", "max_groups_per_shard",
                    "allowed_lateness", "idle_timeout", "incident_retention", "decision_log_size",
                    "max_alerts_per_notification", "external_url", "runbook_base_url", "silences_file",
                    "catch_up_horizon", "silence_retention", "max_future_skew", "state_file",
                    "state_checkpoint_interval"}));
  EngineSettings s;
  s.where = node.location();
  int64_t v = s.shards;
  QUELL_RETURN_IF_ERROR(ReadBounded(node, "shards", 0, 256, &v));
  s.shards = static_cast<int>(v);
  v = s.queue_capacity;
  QUELL_RETURN_IF_ERROR(ReadBounded(node, "queue_capacity", 1, 65536, &v));
  s.queue_capacity = static_cast<int>(v);
  QUELL_RETURN_IF_ERROR(ReadBounded(node, "max_fingerprints_per_shard", 1, int64_t{1} << 32, &s.max_fingerprints_per_shard));
  QUELL_RETURN_IF_ERROR(ReadBounded(node, "max_groups_per_shard", 1, int64_t{1} << 32, &s.max_groups_per_shard));
  v = s.decision_log_size;
  QUELL_RETURN_IF_ERROR(ReadBounded(node, "decision_log_size", 1, 1024, &v));
  s.decision_log_size = static_cast<int>(v);
  v = s.max_alerts_per_notification;
  QUELL_RETURN_IF_ERROR(ReadBounded(node, "max_alerts_per_notification", 1, 100000, &v));
  s.max_alerts_per_notification = static_cast<int>(v);
  QUELL_RETURN_IF_ERROR(node.ReadDuration("allowed_lateness", &s.allowed_lateness));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("idle_timeout", &s.idle_timeout));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("incident_retention", &s.incident_retention));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("catch_up_horizon", &s.catch_up_horizon));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("silence_retention", &s.silence_retention));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("max_future_skew", &s.max_future_skew));
  if (s.catch_up_horizon <= absl::ZeroDuration())
    return node.Child("catch_up_horizon")->Error("catch_up_horizon: must be > 0");
  QUELL_RETURN_IF_ERROR(node.ReadString("external_url", &s.external_url));
  QUELL_RETURN_IF_ERROR(node.ReadString("runbook_base_url", &s.runbook_base_url));
  QUELL_RETURN_IF_ERROR(node.ReadString("silences_file", &s.silences_file));
  QUELL_RETURN_IF_ERROR(node.ReadString("state_file", &s.state_file));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("state_checkpoint_interval", &s.state_checkpoint_interval));
  if (s.state_checkpoint_interval < absl::Seconds(1))
    return node.Child("state_checkpoint_interval")->Error("state_checkpoint_interval: must be >= 1s");
  return s;
}

}  // namespace quell::correlate
