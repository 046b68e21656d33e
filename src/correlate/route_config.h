// src/correlate/route_config.h
//
// The `route:` tree, Alertmanager's routing tree plus Quell's `class` and `runbook`:
//
//   route:
//     receiver: default            # required on the root; inherited below
//     group_by: [alertname, service]   # or ['...'] for all labels
//     group_wait: 30s
//     group_interval: 5m
//     repeat_interval: 4h
//     routes:
//       - matchers: ['severity="critical"', 'service=~"api|web"']
//         receiver: pagerduty-payments
//         class: actionable          # actionable | investigate | noise (Quell)
//         low_urgency_receiver: slack-payments   # where `investigate` goes (Quell)
//         runbook: checkout-errors.md            # required when the route pages (Quell)
//         continue: false
//         mute_time_intervals: [weekend-nights]
//         active_time_intervals: [business-hours]
//
// Children inherit receiver, group_by, the three intervals, class, low_urgency_receiver and
// runbook from their parent when they do not set them (Alertmanager inherits the first five).
#ifndef QUELL_CORRELATE_ROUTE_CONFIG_H_
#define QUELL_CORRELATE_ROUTE_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"
#include "correlate/matcher.h"

namespace quell::correlate {

enum class RouteClass : uint8_t { kActionable = 0, kInvestigate, kNoise };
std::string_view RouteClassName(RouteClass c);  // "actionable", "investigate", "noise"

struct RouteConfig {
  std::string receiver;                      // Required on the root; inherited below.
  Matchers matchers;                         // `matchers` plus legacy `match`/`match_re`.
  bool continue_matching = false;            // `continue`.
  std::vector<std::string> group_by;         // Label names, sorted; empty = one group per route.
  bool group_by_all = false;                 // group_by: ['...'].
  absl::Duration group_wait = absl::Seconds(30);
  absl::Duration group_interval = absl::Minutes(5);
  absl::Duration repeat_interval = absl::Hours(4);
  std::vector<std::string> mute_time_intervals;
  std::vector<std::string> active_time_intervals;
  RouteClass route_class = RouteClass::kActionable;  // Quell: `class`.
  std::string low_urgency_receiver;          // Quell: receiver for class investigate.
  std::string runbook;                       // Quell: file under runbooks/.
  std::vector<RouteConfig> routes;           // Children, in order.

  core::SourceLocation where;                // This mapping.
  core::SourceLocation receiver_where;       // The `receiver` value (or `where` if inherited).
  core::SourceLocation runbook_where;
};

// Parses the root route (receiver required), applying inheritance to the whole tree.
[[nodiscard]] absl::StatusOr<RouteConfig> ParseRoute(const core::YamlNode& node);
// Parses `node` as a child of `parent` (inheriting its receiver, grouping, timers, class and
// runbook), as config fragments (`include`) attach their routes under the root route.
[[nodiscard]] absl::StatusOr<RouteConfig> ParseChildRoute(const core::YamlNode& node, const RouteConfig& parent);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_ROUTE_CONFIG_H_
