// src/sinks/receiver_defaults.h
//
// ReceiverDefaults: the receiver settings Alertmanager keeps in its `global:` section, taken so
// that an alertmanager.yml loads as it is:
//
//   global:
//     slack_api_url: {env: SLACK_WEBHOOK_URL}     # or slack_api_url_file: /run/secrets/slack_url
//     pagerduty_url: https://events.eu.pagerduty.com/v2/enqueue
//
// A slack_configs entry without api_url (or api_url_file) posts to global.slack_api_url; a
// pagerduty_configs entry without url sends to global.pagerduty_url. An entry's own setting wins.
// The Slack URL is a secret, so global.slack_api_url is a reference as every secret in Quell's
// config is ({env: NAME} or {file: PATH}); Alertmanager's literal URL is refused at file:line:col,
// and slack_api_url_file (a path, as in Alertmanager) is the same as {file: PATH}.
//
// The other keys of Alertmanager's global section are not read here: resolve_timeout belongs to
// the intake (app/quell_config.cc), and the settings of integrations Quell does not have (SMTP,
// Opsgenie, ...) are errors there.
#ifndef QUELL_SINKS_RECEIVER_DEFAULTS_H_
#define QUELL_SINKS_RECEIVER_DEFAULTS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/secret_ref.h"
#include "core/yaml_node.h"

namespace quell::sinks {

struct ReceiverDefaults {
  std::optional<core::SecretRef> slack_api_url;  // global.slack_api_url or slack_api_url_file.
  std::optional<std::string> pagerduty_url;      // global.pagerduty_url.
};

// The keys of `global` that ParseReceiverDefaults reads.
inline constexpr std::string_view kReceiverDefaultKeys[] = {"slack_api_url", "slack_api_url_file", "pagerduty_url"};

// Reads the receiver defaults from Alertmanager's `global` mapping (other keys are left to the
// caller). Errors, at file:line:col: a literal slack_api_url, both slack_api_url and
// slack_api_url_file, an empty path or URL.
[[nodiscard]] absl::StatusOr<ReceiverDefaults> ParseReceiverDefaults(const core::YamlNode& global);

// The secret named by `key` or by `key`_file in `node` (at most one of them), or nullopt when
// neither is there. `key` is a reference ({env: NAME} or {file: PATH}), `key`_file a path.
[[nodiscard]] absl::StatusOr<std::optional<core::SecretRef>> ParseSecretOrFile(const core::YamlNode& node,
                                                                              std::string_view key,
                                                                              std::string_view context);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_RECEIVER_DEFAULTS_H_
