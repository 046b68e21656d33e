// src/sinks/webhook/webhook_config.cc
#include "sinks/webhook/webhook_config.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::sinks {

absl::StatusOr<WebhookConfig> ParseWebhookConfig(const core::YamlNode& node) {
  WebhookConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("webhook_configs entry",
                                       {"url", "payload", "max_alerts", "send_resolved", "basic_auth", "bearer_token"}));
  auto url = node.Child("url");
  if (!url) return node.Error("webhook_configs: url is required");
  QUELL_ASSIGN_OR_RETURN(c.url, core::ParseSecretRef(*url, "url"));
  if (auto p = node.Child("payload")) {
    QUELL_ASSIGN_OR_RETURN(std::string s, p->AsString());
    if (s == "alertmanager") {
      c.payload = WebhookPayload::kAlertmanager;
    } else if (s == "quell") {
      c.payload = WebhookPayload::kQuell;
    } else {
      return p->Error(fmt::format("webhook_configs: payload must be alertmanager or quell, not \"{}\"", s));
    }
  }
  int64_t max_alerts = 0;
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_alerts", &max_alerts));
  if (max_alerts < 0 || max_alerts > 1000000) {
    return node.Child("max_alerts")->Error("webhook_configs: max_alerts must be >= 0");
  }
  c.max_alerts = static_cast<int>(max_alerts);
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_resolved", &c.send_resolved));
  if (auto ba = node.Child("basic_auth")) {
    QUELL_RETURN_IF_ERROR(ba->CheckKeys("basic_auth", {"username", "password"}));
    QUELL_RETURN_IF_ERROR(ba->RequireString("username", &c.basic_auth_username));
    auto pw = ba->Child("password");
    if (!pw) return ba->Error("basic_auth: password is required");
    QUELL_ASSIGN_OR_RETURN(c.basic_auth_password, core::ParseSecretRef(*pw, "password"));
  }
  if (auto bt = node.Child("bearer_token")) {
    QUELL_ASSIGN_OR_RETURN(c.bearer_token, core::ParseSecretRef(*bt, "bearer_token"));
  }
  QUELL_RETURN_IF_ERROR(ValidateWebhookConfig(c));
  return c;
}

absl::Status ValidateWebhookConfig(const WebhookConfig& c) {
  if (c.basic_auth_password && c.bearer_token) {
    return absl::InvalidArgumentError(
        fmt::format("{}: webhook_configs: basic_auth and bearer_token are mutually exclusive", c.where.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace quell::sinks
