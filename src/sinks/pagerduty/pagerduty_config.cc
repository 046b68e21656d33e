// src/sinks/pagerduty/pagerduty_config.cc
#include "sinks/pagerduty/pagerduty_config.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::sinks {
namespace {

constexpr std::string_view kEventsPath = "/v2/enqueue";
constexpr std::string_view kChangePath = "/v2/change/enqueue";
constexpr std::string_view kV1Path = "/generic/2010-04-15/create_event.json";

std::string_view TrimSlashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view PagerDutyUrlProblem(std::string_view url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return "must start with http:// or https://";
  url = TrimSlashes(url);
  if (EndsWith(url, kV1Path)) {
    return "the Events API v1 endpoint (/generic/2010-04-15/create_event.json) is not supported; use the "
           "Events API v2: https://events.pagerduty.com/v2/enqueue or the base URL https://events.pagerduty.com";
  }
  if (EndsWith(url, kChangePath)) {
    return "is the change events endpoint; give the events URL (.../v2/enqueue) or the base URL";
  }
  return {};
}

PagerDutyEndpoints PagerDutyEndpointsFor(std::string_view url) {
  url = TrimSlashes(url);
  std::string_view base = EndsWith(url, kEventsPath) ? url.substr(0, url.size() - kEventsPath.size()) : url;
  PagerDutyEndpoints e;
  e.events = EndsWith(url, kEventsPath) ? std::string(url) : fmt::format("{}{}", base, kEventsPath);
  e.change = fmt::format("{}{}", base, kChangePath);
  return e;
}

absl::StatusOr<PagerDutyConfig> ParsePagerDutyConfig(const core::YamlNode& node, const ReceiverDefaults& defaults) {
  PagerDutyConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("pagerduty_configs entry",
                                       {"routing_key", "routing_key_file", "url", "source", "component", "group",
                                        "class", "client", "send_resolved", "max_members", "send_change_events"}));
  QUELL_ASSIGN_OR_RETURN(std::optional<core::SecretRef> key, ParseSecretOrFile(node, "routing_key", "pagerduty_configs"));
  if (!key) return node.Error("pagerduty_configs: routing_key is required");
  c.routing_key = *std::move(key);
  if (defaults.pagerduty_url) c.url = *defaults.pagerduty_url;
  QUELL_RETURN_IF_ERROR(node.ReadString("url", &c.url));
  if (std::string_view problem = PagerDutyUrlProblem(c.url); !problem.empty()) {
    if (!node.Child("url")) {  // ParseReceiverDefaults checked it already.
      return absl::InvalidArgumentError(
          fmt::format("{}: pagerduty_configs: global.pagerduty_url: {}", c.where.ToString(), problem));
    }
    return node.Child("url")->Error(fmt::format("pagerduty_configs: url: {}", problem));
  }
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
  if (std::string_view problem = PagerDutyUrlProblem(c.url); !problem.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: pagerduty_configs: url: {}", c.where.ToString(), problem));
  }
  return absl::OkStatus();
}

}  // namespace quell::sinks
