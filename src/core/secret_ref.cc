#include "core/secret_ref.h"

#include <cstdlib>

#include "core/read_file.h"
#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::core {

absl::StatusOr<std::string> SecretRef::Resolve() const {
  if (kind == Kind::kEnv) {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || v[0] == '\0') {
      return absl::NotFoundError(
          fmt::format("{}: secret environment variable {} is not set", where.ToString(), name));
    }
    return std::string(v);
  }
  absl::StatusOr<std::string> text = ReadFile(name);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        fmt::format("{}: secret file {}", where.ToString(), std::string(text.status().message())));
  }
  std::string value = *std::move(text);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: secret file {} is empty", where.ToString(), name));
  }
  return value;
}

std::string SecretRef::ToString() const {
  return fmt::format("{}:{}", kind == Kind::kEnv ? "env" : "file", name);
}

absl::StatusOr<SecretRef> ParseSecretRef(const YamlNode& node, std::string_view what) {
  if (!node.IsMap()) {
    return node.Error(fmt::format(
        "{}: must be a reference {{env: NAME}} or {{file: PATH}}; secrets are never literal in config", what));
  }
  QUELL_RETURN_IF_ERROR(node.CheckKeys(what, {"env", "file"}));
  auto entries = node.Entries();
  if (entries.size() != 1) {
    return node.Error(fmt::format("{}: give exactly one of env or file", what));
  }
  SecretRef ref;
  ref.kind = entries[0].key == "env" ? SecretRef::Kind::kEnv : SecretRef::Kind::kFile;
  QUELL_ASSIGN_OR_RETURN(ref.name, entries[0].value.AsString());
  if (ref.name.empty()) return entries[0].value.Error(fmt::format("{}: empty {}", what, entries[0].key));
  ref.where = node.location();
  return ref;
}

}  // namespace quell::core
