// src/sinks/slack/slack_config.cc
#include "sinks/slack/slack_config.h"

#include <optional>
#include <utility>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::sinks {

absl::StatusOr<SlackConfig> ParseSlackConfig(const core::YamlNode& node, const ReceiverDefaults& defaults) {
  SlackConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("slack_configs entry", {"api_url", "api_url_file", "channel", "username",
                                                               "send_resolved", "per_second", "max_members"}));
  QUELL_ASSIGN_OR_RETURN(std::optional<core::SecretRef> url, ParseSecretOrFile(node, "api_url", "slack_configs"));
  if (!url) url = defaults.slack_api_url;
  if (!url) return node.Error("slack_configs: api_url is required (here, or global.slack_api_url for every entry)");
  c.api_url = *std::move(url);
  QUELL_RETURN_IF_ERROR(node.ReadString("channel", &c.channel));
  QUELL_RETURN_IF_ERROR(node.ReadString("username", &c.username));
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_resolved", &c.send_resolved));
  QUELL_RETURN_IF_ERROR(node.ReadDouble("per_second", &c.per_second));
  int64_t m = c.max_members;
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_members", &m));
  if (m < 0 || m > 100) return node.Child("max_members")->Error("slack_configs: max_members must be in [0, 100]");
  c.max_members = static_cast<int>(m);
  QUELL_RETURN_IF_ERROR(ValidateSlackConfig(c));
  return c;
}

absl::Status ValidateSlackConfig(const SlackConfig& c) {
  if (!(c.per_second > 0) || c.per_second > 1000) {
    return absl::InvalidArgumentError(
        fmt::format("{}: slack_configs: per_second must be in (0, 1000]", c.where.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace quell::sinks
