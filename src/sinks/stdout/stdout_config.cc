// src/sinks/stdout/stdout_config.cc
#include "sinks/stdout/stdout_config.h"

#include "core/status_macros.h"

namespace quell::sinks {

absl::StatusOr<StdoutConfig> ParseStdoutConfig(const core::YamlNode& node) {
  StdoutConfig c;
  c.where = node.location();
  if (node.IsNull()) return c;  // `- ` or `- {}`.
  QUELL_RETURN_IF_ERROR(node.CheckKeys("stdout_configs entry", {"send_resolved"}));
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_resolved", &c.send_resolved));
  return c;
}

}  // namespace quell::sinks
