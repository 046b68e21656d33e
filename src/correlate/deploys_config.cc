#include "correlate/deploys_config.h"

#include "core/status_macros.h"

namespace quell::correlate {

absl::StatusOr<DeploysConfig> ParseDeploys(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("deploys", {"window", "max_per_service"}));
  DeploysConfig cfg;
  cfg.where = node.location();
  QUELL_RETURN_IF_ERROR(node.ReadDuration("window", &cfg.window));
  int64_t n = cfg.max_per_service;
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_per_service", &n));
  if (n < 1 || n > 1024) return node.Child("max_per_service")->Error("deploys: max_per_service must be in 1..1024");
  cfg.max_per_service = static_cast<int>(n);
  return cfg;
}

}  // namespace quell::correlate
