// src/core/yaml_node.h
//
// YamlNode: the one adapter between yaml-cpp (which throws) and Quell's config parsers (which
// return Status). Every node knows its file:line:col (1-based; yaml-cpp counts from 0), and every
// error it produces reads "file:line:col: what: detail" so users can jump to the spot.
//
// Typical parser:
//   QUELL_RETURN_IF_ERROR(node.CheckKeys({"receiver", "group_by", "group_wait"}));
//   QUELL_RETURN_IF_ERROR(node.ReadString("receiver", &cfg.receiver));
//   QUELL_RETURN_IF_ERROR(node.ReadDuration("group_wait", &cfg.group_wait));  // keeps default if absent
//   if (bad) return node.Child("group_by")->Error("group_by: label \"x\" is listed twice");
//
// Copies are cheap (yaml-cpp nodes share their document). Not thread-safe for concurrent reads of
// the same document (yaml-cpp's lazy map lookups mutate); parse configs on one thread.
#ifndef QUELL_CORE_YAML_NODE_H_
#define QUELL_CORE_YAML_NODE_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "yaml-cpp/yaml.h"

namespace quell::core {

class YamlNode {
 public:
  // Parses a whole file. Errors: NotFound (cannot read), InvalidArgument (syntax, with position).
  [[nodiscard]] static absl::StatusOr<YamlNode> LoadFile(const std::string& path);
  // Parses `text`, naming it `name` in locations.
  [[nodiscard]] static absl::StatusOr<YamlNode> LoadString(std::string_view text, std::string name);

  bool IsMap() const { return node_.IsMap(); }
  bool IsSequence() const { return node_.IsSequence(); }
  bool IsScalar() const { return node_.IsScalar(); }
  bool IsNull() const { return node_.IsNull(); }
  const std::string& file() const { return *file_; }
  SourceLocation location() const;

  // InvalidArgument "file:line:col: message".
  absl::Status Error(std::string_view message) const;

  // Map child by key, or nullopt when absent (or when this is not a map).
  std::optional<YamlNode> Child(std::string_view key) const;
  // Map entries in document order: (key, key location, value). Empty when not a map.
  std::vector<struct YamlEntry> Entries() const;
  // Sequence items. REQUIRES: IsSequence().
  std::vector<YamlNode> Items() const;

  // Fails on the first key of this map not in `allowed`, pointing at that key, naming `what`
  // ("route", "receiver") and listing the allowed keys. Also fails if this is not a map.
  absl::Status CheckKeys(std::string_view what, std::initializer_list<std::string_view> allowed) const;
  absl::Status ExpectMap(std::string_view what) const;
  absl::Status ExpectSequence(std::string_view what) const;

  // Scalar conversions; errors name the node's position.
  absl::StatusOr<std::string> AsString() const;
  absl::StatusOr<bool> AsBool() const;
  absl::StatusOr<int64_t> AsInt() const;
  absl::StatusOr<double> AsDouble() const;
  absl::StatusOr<absl::Duration> AsDuration() const;  // core/duration.h syntax
  absl::StatusOr<std::vector<std::string>> AsStringList() const;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> AsStringMap() const;

  // Field readers: leave `*out` unchanged when `key` is absent (defaults live in the struct).
  absl::Status ReadString(std::string_view key, std::string* out) const;
  absl::Status ReadBool(std::string_view key, bool* out) const;
  absl::Status ReadInt(std::string_view key, int64_t* out) const;
  absl::Status ReadDouble(std::string_view key, double* out) const;
  absl::Status ReadDuration(std::string_view key, absl::Duration* out) const;
  absl::Status ReadStringList(std::string_view key, std::vector<std::string>* out) const;
  // Like ReadString but the key must be present.
  absl::Status RequireString(std::string_view key, std::string* out) const;

  const YAML::Node& raw() const { return node_; }

 private:
  YamlNode(YAML::Node node, std::shared_ptr<const std::string> file)
      : node_(std::move(node)), file_(std::move(file)) {}
  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
};

struct YamlEntry {
  std::string key;
  SourceLocation key_location;
  YamlNode value;
};

}  // namespace quell::core

#endif  // QUELL_CORE_YAML_NODE_H_
