// src/sinks/slack/slack_config.h
//
// One entry of a receiver's `slack_configs:` (Slack incoming webhook). Example:
//
//   receivers:
//     - name: team-chat
//       slack_configs:
//         - api_url: {env: SLACK_WEBHOOK_URL}   # the webhook URL is a secret: never literal
//
// As in Alertmanager, `api_url_file: PATH` is the same as `api_url: {file: PATH}`, and an entry with
// neither posts to the config's global.slack_api_url (receiver_defaults.h).
//
// Field comments are the docs (docs/receivers.md repeats them).
#ifndef QUELL_SINKS_SLACK_SLACK_CONFIG_H_
#define QUELL_SINKS_SLACK_SLACK_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/secret_ref.h"
#include "core/source_location.h"
#include "core/yaml_node.h"
#include "sinks/receiver_defaults.h"

namespace quell::sinks {

struct SlackConfig {
  core::SecretRef api_url;        // Required here or in global.slack_api_url. The incoming-webhook URL: {env: NAME} or {file: PATH}.
  std::string channel;            // Default: the webhook's channel. Overrides it when set (legacy webhooks).
  std::string username;           // Default: the webhook's name. Legacy webhooks only.
  bool send_resolved = true;      // Default: true. Post a message when the incident resolves.
  double per_second = 1.0;        // Default: 1 (Slack's limit). Messages per second; excess waits in the queue.
  int max_members = 10;           // Default: 10. Member alerts listed in the message.
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<SlackConfig> ParseSlackConfig(const core::YamlNode& node,
                                                         const ReceiverDefaults& defaults = {});
[[nodiscard]] absl::Status ValidateSlackConfig(const SlackConfig& config);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SLACK_SLACK_CONFIG_H_
