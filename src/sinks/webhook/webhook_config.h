// src/sinks/webhook/webhook_config.h
//
// One entry of a receiver's `webhook_configs:` (generic HTTP webhook). Example:
//
//   receivers:
//     - name: automation
//       webhook_configs:
//         - url: {env: AUTOMATION_HOOK_URL}     # URLs may embed tokens: always a reference
//           payload: alertmanager               # or quell
//           max_alerts: 50
//           bearer_token: {file: /run/secrets/hook_token}
//
// Field comments are the docs (docs/receivers.md repeats them).
#ifndef QUELL_SINKS_WEBHOOK_WEBHOOK_CONFIG_H_
#define QUELL_SINKS_WEBHOOK_WEBHOOK_CONFIG_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/secret_ref.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::sinks {

enum class WebhookPayload { kAlertmanager, kQuell };

struct WebhookConfig {
  core::SecretRef url;                 // Required. {env: NAME} or {file: PATH} holding the URL.
  WebhookPayload payload = WebhookPayload::kAlertmanager;  // Default: alertmanager (version "4"). Or quell.
  int max_alerts = 0;                  // Default: 0 (all). Alerts beyond it count in truncatedAlerts.
  bool send_resolved = true;           // Default: true.
  std::string basic_auth_username;     // basic_auth.username (not secret).
  std::optional<core::SecretRef> basic_auth_password;  // basic_auth.password: a reference.
  std::optional<core::SecretRef> bearer_token;         // Authorization: Bearer <token>; a reference.
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<WebhookConfig> ParseWebhookConfig(const core::YamlNode& node);
[[nodiscard]] absl::Status ValidateWebhookConfig(const WebhookConfig& config);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_WEBHOOK_WEBHOOK_CONFIG_H_
