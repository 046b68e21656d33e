#include "correlate/transient_config.h"

#include "core/status_macros.h"

namespace quell::correlate {

absl::StatusOr<TransientConfig> ParseTransient(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("transient", {"grace"}));
  TransientConfig cfg;
  cfg.where = node.location();
  QUELL_RETURN_IF_ERROR(node.ReadDuration("grace", &cfg.grace));
  return cfg;
}

}  // namespace quell::correlate
