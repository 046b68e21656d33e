#include "correlate/flapping_config.h"

#include "core/status_macros.h"

namespace quell::correlate {

absl::StatusOr<FlappingConfig> ParseFlapping(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("flapping", {"enabled", "changes", "window", "stable"}));
  FlappingConfig cfg;
  cfg.enabled = true;
  cfg.where = node.location();
  QUELL_RETURN_IF_ERROR(node.ReadBool("enabled", &cfg.enabled));
  int64_t changes = cfg.changes;
  QUELL_RETURN_IF_ERROR(node.ReadInt("changes", &changes));
  if (changes < 2 || changes > 16) return node.Child("changes")->Error("flapping: changes must be in 2..16");
  cfg.changes = static_cast<int>(changes);
  QUELL_RETURN_IF_ERROR(node.ReadDuration("window", &cfg.window));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("stable", &cfg.stable));
  if (cfg.window <= absl::ZeroDuration()) return node.Child("window")->Error("flapping: window must be > 0");
  if (cfg.stable <= absl::ZeroDuration()) return node.Child("stable")->Error("flapping: stable must be > 0");
  return cfg;
}

}  // namespace quell::correlate
