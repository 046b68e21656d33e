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

// YAML merge keys (`<<: *anchor`, or a list of aliases), which yaml-cpp leaves as a plain "<<" key:
// each map's own keys stay, and the merged maps' keys it lacks are added (earlier maps in the list
// win), so an alertmanager.yml that shares settings through anchors loads as it does there. A
// quoted "<<" is an ordinary key. Errors name the merge value when it is not a map or a list of maps.
absl::Status ResolveMergeKeys(YAML::Node node, const std::string& file, int depth) {
  if (depth > 64) return absl::OkStatus();  // Aliases may form cycles; configs are not that deep.
  if (node.IsSequence()) {
    for (YAML::Node item : node) QUELL_RETURN_IF_ERROR(ResolveMergeKeys(item, file, depth + 1));
    return absl::OkStatus();
  }
  if (!node.IsMap()) return absl::OkStatus();
  std::vector<YAML::Node> merged;
  bool has_merge_key = false;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const bool merge_key = it->first.IsScalar() && it->first.Scalar() == "<<" && it->first.Tag() != "!";
    if (!merge_key) {
      QUELL_RETURN_IF_ERROR(ResolveMergeKeys(it->second, file, depth + 1));
      continue;
    }
    has_merge_key = true;
    const YAML::Node v = it->second;
    std::vector<YAML::Node> sources;
    if (v.IsMap()) {
      sources.push_back(v);
    } else if (v.IsSequence()) {
      for (YAML::Node s : v) sources.push_back(s);
    }
    if (sources.empty() && !v.IsNull()) {
      return absl::InvalidArgumentError(fmt::format("{}: merge key \"<<\": expected a map or a list of maps",
                                                    FromMark(file, v.Mark()).ToString()));
    }
    for (const YAML::Node& s : sources) {
      if (!s.IsMap()) {
        return absl::InvalidArgumentError(fmt::format("{}: merge key \"<<\": expected a map or a list of maps",
                                                      FromMark(file, s.Mark()).ToString()));
      }
      QUELL_RETURN_IF_ERROR(ResolveMergeKeys(s, file, depth + 1));
      merged.push_back(s);
    }
  }
  if (!has_merge_key) return absl::OkStatus();
  node.remove("<<");
  for (const YAML::Node& s : merged) {
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      bool present = false;
      for (auto jt = node.begin(); jt != node.end() && !present; ++jt) {
        present = jt->first.IsScalar() && jt->first.Scalar() == it->first.Scalar();
      }
      if (!present) node.force_insert(it->first, it->second);
    }
  }
  return absl::OkStatus();
}

// yaml-cpp's messages for a tab in the indentation ("illegal map value", "illegal block entry",
// "end of sequence not found") do not say so: the first such line at or before the error's.
std::string TabHint(std::string_view text, int error_line) {
  int line = 1;
  bool at_start = true;
  for (char c : text) {
    if (line > error_line) break;
    if (c == '\n') {
      ++line;
      at_start = true;
    } else if (at_start && c == '\t') {
      return fmt::format(" (line {} indents with a tab: YAML indentation must be spaces)", line);
    } else if (c != ' ') {
      at_start = false;
    }
  }
  return "";
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
    QUELL_RETURN_IF_ERROR(ResolveMergeKeys(root, *file, 0));
    return YamlNode(root, file);
  } catch (const YAML::Exception& e) {
    const int error_line = e.mark.is_null() ? INT32_MAX : e.mark.line + 1;
    return absl::InvalidArgumentError(fmt::format("{}: YAML syntax error: {}{}", FromMark(*file, e.mark).ToString(),
                                                  e.msg, TabHint(text, error_line)));
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
