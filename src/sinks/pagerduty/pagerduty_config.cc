// src/sinks/pagerduty/pagerduty_config.cc
#include "sinks/pagerduty/pagerduty_config.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::sinks {

absl::StatusOr<PagerDutyConfig> ParsePagerDutyConfig(const core::YamlNode& node) {
  PagerDutyConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("pagerduty_configs entry",
                                       {"routing_key", "url", "source", "component", "group", "class", "client",
                                        "send_resolved", "max_members", "send_change_events"}));
  auto key = node.Child("routing_key");
  if (!key) return node.Error("pagerduty_configs: routing_key is required");
  QUELL_ASSIGN_OR_RETURN(c.routing_key, core::ParseSecretRef(*key, "routing_key"));
  QUELL_RETURN_IF_ERROR(node.ReadString("url", &c.url));
  QUELL_RETURN_IF_ERROR(node.ReadString("source", &c.source));
  QUELL_RETURN_IF_ERROR(node.ReadString("component", &c.component));
  QUELL_RETURN_IF_ERROR(node.ReadString("group", &c.group));
  QUELL_RETURN_IF_ERROR(node.ReadString("class", &c.class_));
  QUELL_RETURN_IF_ERROR(node.ReadString("client", &c.client));
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_resolved", &c.send_resolved));
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_change_events", &c.send_change_events));
  int64_t max_members = c.max_members;
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_members", &max_members));
  if (max_members < 0 || max_members > 1000) {
    return node.Child("max_members")->Error("pagerduty_configs: max_members must be in [0, 1000]");
  }
  c.max_members = static_cast<int>(max_members);
  QUELL_RETURN_IF_ERROR(ValidatePagerDutyConfig(c));
  return c;
}

absl::Status ValidatePagerDutyConfig(const PagerDutyConfig& c) {
  if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: pagerduty_configs: url must start with http:// or https://", c.where.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace quell::sinks
