// src/sinks/stdout/stdout_config.h
//
// One entry of a receiver's `stdout_configs:`: print each notification as one JSON line
// (notification_json.h) on standard output. The embedded default config uses it. Example:
//
//   receivers:
//     - name: console
//       stdout_configs:
//         - {}
//
// Field comments are the docs (docs/receivers.md repeats them).
#ifndef QUELL_SINKS_STDOUT_STDOUT_CONFIG_H_
#define QUELL_SINKS_STDOUT_STDOUT_CONFIG_H_

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::sinks {

struct StdoutConfig {
  bool send_resolved = true;      // Default: true.
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<StdoutConfig> ParseStdoutConfig(const core::YamlNode& node);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_STDOUT_STDOUT_CONFIG_H_
