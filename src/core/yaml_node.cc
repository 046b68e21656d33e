#include "core/yaml_node.h"

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "core/duration.h"
#include "core/read_file.h"
#include "core/status_macros.h"
#include "core/strings.h"

namespace quell::core {
namespace {

SourceLocation FromMark(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

std::string_view TypeName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Undefined: return "undefined";
  }
  return "unknown";
}

}  // namespace

absl::StatusOr<YamlNode> YamlNode::LoadFile(const std::string& path) {
  QUELL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadString(text, path);
}

absl::StatusOr<YamlNode> YamlNode::LoadString(std::string_view text, std::string name) {
  auto file = std::make_shared<const std::string>(std::move(name));
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return YamlNode(root, file);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        fmt::format("{}: YAML syntax error: {}", FromMark(*file, e.mark).ToString(), e.msg));
  }
}

SourceLocation YamlNode::location() const { return FromMark(*file_, node_.Mark()); }

absl::Status YamlNode::Error(std::string_view message) const {
  return absl::InvalidArgumentError(fmt::format("{}: {}", location().ToString(), message));
}

std::optional<YamlNode> YamlNode::Child(std::string_view key) const {
  if (!node_.IsMap()) return std::nullopt;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return YamlNode(it->second, file_);
  }
  return std::nullopt;
}

std::vector<YamlEntry> YamlNode::Entries() const {
  std::vector<YamlEntry> out;
  if (!node_.IsMap()) return out;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    out.push_back(YamlEntry{it->first.IsScalar() ? it->first.Scalar() : std::string(),
                        FromMark(*file_, it->first.Mark()), YamlNode(it->second, file_)});
  }
  return out;
}

std::vector<YamlNode> YamlNode::Items() const {
  std::vector<YamlNode> out;
  if (!node_.IsSequence()) return out;
  for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(YamlNode(*it, file_));
  return out;
}

absl::Status YamlNode::ExpectMap(std::string_view what) const {
  if (node_.IsMap()) return absl::OkStatus();
  return Error(fmt::format("{}: expected a map, got {}", what, TypeName(node_)));
}

absl::Status YamlNode::ExpectSequence(std::string_view what) const {
  if (node_.IsSequence()) return absl::OkStatus();
  return Error(fmt::format("{}: expected a list, got {}", what, TypeName(node_)));
}

absl::Status YamlNode::CheckKeys(std::string_view what,
                                 std::initializer_list<std::string_view> allowed) const {
  QUELL_RETURN_IF_ERROR(ExpectMap(what));
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    SourceLocation loc = FromMark(*file_, it->first.Mark());
    if (!it->first.IsScalar()) {
      return absl::InvalidArgumentError(fmt::format("{}: {}: keys must be strings", loc.ToString(), what));
    }
    const std::string& key = it->first.Scalar();
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == key;
    if (!ok) {
      return absl::InvalidArgumentError(fmt::format("{}: {}: unknown key \"{}\" (allowed: {})",
                                                       loc.ToString(), what, key, fmt::join(allowed, ", ")));
    }
    for (auto jt = node_.begin(); jt != it; ++jt) {
      if (jt->first.IsScalar() && jt->first.Scalar() == key) {
        return absl::InvalidArgumentError(
            fmt::format("{}: {}: key \"{}\" is given twice", loc.ToString(), what, key));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> YamlNode::AsString() const {
  if (!node_.IsScalar()) return Error(fmt::format("expected a string, got {}", TypeName(node_)));
  return node_.Scalar();
}

absl::StatusOr<bool> YamlNode::AsBool() const {
  if (node_.IsScalar()) {
    const std::string& s = node_.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  return Error("expected true or false");
}

absl::StatusOr<int64_t> YamlNode::AsInt() const {
  if (node_.IsScalar()) {
    const std::string& s = node_.Scalar();
    try {
      size_t pos = 0;
      long long v = std::stoll(s, &pos, 10);
      if (pos == s.size()) return static_cast<int64_t>(v);
    } catch (const std::exception&) {
    }
  }
  return Error("expected an integer");
}

absl::StatusOr<double> YamlNode::AsDouble() const {
  if (node_.IsScalar()) {
    const std::string& s = node_.Scalar();
    try {
      size_t pos = 0;
      double v = std::stod(s, &pos);
      if (pos == s.size()) return v;
    } catch (const std::exception&) {
    }
  }
  return Error("expected a number");
}

absl::StatusOr<absl::Duration> YamlNode::AsDuration() const {
  if (!node_.IsScalar()) return Error("expected a duration such as 5m or 1h30m");
  absl::StatusOr<absl::Duration> d = ParseDuration(node_.Scalar());
  if (!d.ok()) return Error(FromAbsl(d.status().message()));
  return d;
}

absl::StatusOr<std::vector<std::string>> YamlNode::AsStringList() const {
  if (!node_.IsSequence()) return Error(fmt::format("expected a list of strings, got {}", TypeName(node_)));
  std::vector<std::string> out;
  for (const YamlNode& item : Items()) {
    QUELL_ASSIGN_OR_RETURN(std::string s, item.AsString());
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> YamlNode::AsStringMap() const {
  if (!node_.IsMap()) return Error(fmt::format("expected a map of strings, got {}", TypeName(node_)));
  std::vector<std::pair<std::string, std::string>> out;
  for (const YamlEntry& e : Entries()) {
    QUELL_ASSIGN_OR_RETURN(std::string v, e.value.AsString());
    out.emplace_back(e.key, std::move(v));
  }
  return out;
}

namespace {
template <typename T, typename F>
absl::Status ReadField(const YamlNode& n, std::string_view key, T* out, F convert) {
  std::optional<YamlNode> child = n.Child(key);
  if (!child) return absl::OkStatus();
  auto v = convert(*child);
  if (!v.ok()) {
    // Prefix the key so "expected a duration" reads "group_wait: expected a duration".
    std::string_view msg = FromAbsl(v.status().message());
    std::string loc = child->location().ToString();
    if (msg.substr(0, loc.size()) == loc) msg.remove_prefix(std::min(msg.size(), loc.size() + 2));
    return child->Error(fmt::format("{}: {}", key, msg));
  }
  *out = std::move(v).value();
  return absl::OkStatus();
}
}  // namespace

absl::Status YamlNode::ReadString(std::string_view key, std::string* out) const {
  return ReadField(*this, key, out, [](const YamlNode& c) { return c.AsString(); });
}
absl::Status YamlNode::ReadBool(std::string_view key, bool* out) const {
  return ReadField(*this, key, out, [](const YamlNode& c) { return c.AsBool(); });
}
absl::Status YamlNode::ReadInt(std::string_view key, int64_t* out) const {
  return ReadField(*this, key, out, [](const YamlNode& c) { return c.AsInt(); });
}
absl::Status YamlNode::ReadDouble(std::string_view key, double* out) const {
  return ReadField(*this, key, out, [](const YamlNode& c) { return c.AsDouble(); });
}
absl::Status YamlNode::ReadDuration(std::string_view key, absl::Duration* out) const {
  return ReadField(*this, key, out, [](const YamlNode& c) { return c.AsDuration(); });
}
absl::Status YamlNode::ReadStringList(std::string_view key, std::vector<std::string>* out) const {
  return ReadField(*this, key, out, [](const YamlNode& c) { return c.AsStringList(); });
}
absl::Status YamlNode::RequireString(std::string_view key, std::string* out) const {
  if (!Child(key)) return Error(fmt::format("missing required key \"{}\"", key));
  return ReadString(key, out);
}

}  // namespace quell::core
