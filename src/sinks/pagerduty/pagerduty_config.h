// src/sinks/pagerduty/pagerduty_config.h
//
// One entry of a receiver's `pagerduty_configs:` (PagerDuty Events API v2). Example:
//
//   receivers:
//     - name: oncall
//       pagerduty_configs:
//         - routing_key: {env: PD_ROUTING_KEY}   # never literal
//           source: quell-prod
//
// As in Alertmanager, `routing_key_file: PATH` is the same as `routing_key: {file: PATH}`, and an
// entry without `url` sends to the config's global.pagerduty_url when it has one
// (receiver_defaults.h).
//
// Field comments are the docs (docs/receivers.md repeats them).
#ifndef QUELL_SINKS_PAGERDUTY_PAGERDUTY_CONFIG_H_
#define QUELL_SINKS_PAGERDUTY_PAGERDUTY_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/secret_ref.h"
#include "core/source_location.h"
#include "core/yaml_node.h"
#include "sinks/receiver_defaults.h"

namespace quell::sinks {

struct PagerDutyConfig {
  core::SecretRef routing_key;     // Required. The integration key: {env: NAME} or {file: PATH} (or routing_key_file: PATH).
  // Default: global.pagerduty_url, else PagerDuty. Either the API base URL (events go to {url}/v2/enqueue) or, as in
  // alertmanager.yml, the full events URL ending in /v2/enqueue (used as is). Change events go to
  // {base}/v2/change/enqueue. The Events API v1 URL (/generic/2010-04-15/create_event.json) is
  // refused.
  std::string url = "https://events.pagerduty.com";
  std::string source;              // Default: the root-cause service, else "quell".
  std::string component;           // Default: the root-cause service.
  std::string group;               // Default: the common label "env", if any.
  std::string class_;              // YAML `class`. Default: the common label "alertname", if any.
  std::string client = "Quell";    // Default: "Quell". Shown in PagerDuty next to client_url.
  bool send_resolved = true;       // Default: true. Resolve the PagerDuty alert when the incident resolves.
  int max_members = 20;            // Default: 20. Members listed in custom_details (rest counted).
  bool send_change_events = false; // Default: false. Deploy-attributed incidents also send a change event.
  core::SourceLocation where;
};

// Where a PagerDutySink posts, derived from PagerDutyConfig::url (trailing slashes ignored).
struct PagerDutyEndpoints {
  std::string events;  // {base}/v2/enqueue
  std::string change;  // {base}/v2/change/enqueue
};
PagerDutyEndpoints PagerDutyEndpointsFor(std::string_view url);
// Why `url` cannot be a PagerDuty URL (not http(s), the Events API v1 or the change events
// endpoint), or empty.
std::string_view PagerDutyUrlProblem(std::string_view url);

// Parses one `pagerduty_configs` entry; unknown keys and literal secrets are errors (file:line:col).
[[nodiscard]] absl::StatusOr<PagerDutyConfig> ParsePagerDutyConfig(const core::YamlNode& node,
                                                                 const ReceiverDefaults& defaults = {});
// Semantic checks (URL scheme, bounds); errors point at `config.where`.
[[nodiscard]] absl::Status ValidatePagerDutyConfig(const PagerDutyConfig& config);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_PAGERDUTY_PAGERDUTY_CONFIG_H_
