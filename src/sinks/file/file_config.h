// src/sinks/file/file_config.h
//
// One entry of a receiver's `file_configs:`: append each notification as one JSON line
// (notification_json.h) to a file. Example:
//
//   receivers:
//     - name: archive
//       file_configs:
//         - path: /var/lib/quell/notifications.jsonl
//
// Field comments are the docs (docs/receivers.md repeats them).
#ifndef QUELL_SINKS_FILE_FILE_CONFIG_H_
#define QUELL_SINKS_FILE_FILE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::sinks {

struct FileConfig {
  std::string path;               // Required. Created (0600) if missing; always appended to.
  bool fsync = false;             // Default: false. fdatasync after every line.
  bool send_resolved = true;      // Default: true.
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<FileConfig> ParseFileConfig(const core::YamlNode& node);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_FILE_FILE_CONFIG_H_
