// src/sinks/receiver_defaults.cc
#include "sinks/receiver_defaults.h"

#include <utility>

#include "core/status_macros.h"
#include "fmt/format.h"
#include "sinks/pagerduty/pagerduty_config.h"

namespace quell::sinks {
namespace {

// A secret given as Alertmanager's `*_file` key (`node` holds the path): {file: PATH}, located at
// `node`. `what` names the key in errors ("api_url_file").
absl::StatusOr<core::SecretRef> ParseSecretFilePath(const core::YamlNode& node, std::string_view what) {
  QUELL_ASSIGN_OR_RETURN(std::string path, node.AsString());
  if (path.empty()) return node.Error(fmt::format("{}: empty path", what));
  core::SecretRef ref;
  ref.kind = core::SecretRef::Kind::kFile;
  ref.name = std::move(path);
  ref.where = node.location();
  return ref;
}

}  // namespace

absl::StatusOr<std::optional<core::SecretRef>> ParseSecretOrFile(const core::YamlNode& node, std::string_view key,
                                                                 std::string_view context) {
  const std::string file_key = fmt::format("{}_file", key);
  auto ref = node.Child(key);
  auto file = node.Child(file_key);
  if (ref && file) {
    return file->Error(fmt::format("{}: give {} or {}, not both", context, key, file_key));
  }
  if (ref) {
    QUELL_ASSIGN_OR_RETURN(core::SecretRef r, core::ParseSecretRef(*ref, fmt::format("{}.{}", context, key)));
    return std::optional<core::SecretRef>(std::move(r));
  }
  if (file) {
    QUELL_ASSIGN_OR_RETURN(core::SecretRef r, ParseSecretFilePath(*file, fmt::format("{}.{}", context, file_key)));
    return std::optional<core::SecretRef>(std::move(r));
  }
  return std::optional<core::SecretRef>();
}

absl::StatusOr<ReceiverDefaults> ParseReceiverDefaults(const core::YamlNode& global) {
  ReceiverDefaults d;
  QUELL_ASSIGN_OR_RETURN(d.slack_api_url, ParseSecretOrFile(global, "slack_api_url", "global"));
  if (auto url = global.Child("pagerduty_url")) {
    QUELL_ASSIGN_OR_RETURN(std::string u, url->AsString());
    if (std::string_view problem = PagerDutyUrlProblem(u); !problem.empty()) {
      return url->Error(fmt::format("global.pagerduty_url: {}", problem));
    }
    d.pagerduty_url = std::move(u);
  }
  return d;
}

}  // namespace quell::sinks
