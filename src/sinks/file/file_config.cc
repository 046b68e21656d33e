// src/sinks/file/file_config.cc
#include "sinks/file/file_config.h"

#include "core/status_macros.h"

namespace quell::sinks {

absl::StatusOr<FileConfig> ParseFileConfig(const core::YamlNode& node) {
  FileConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("file_configs entry", {"path", "fsync", "send_resolved"}));
  QUELL_RETURN_IF_ERROR(node.RequireString("path", &c.path));
  QUELL_RETURN_IF_ERROR(node.ReadBool("fsync", &c.fsync));
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_resolved", &c.send_resolved));
  if (c.path.empty()) return node.Child("path")->Error("file_configs: path must not be empty");
  return c;
}

}  // namespace quell::sinks
