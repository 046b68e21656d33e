// src/correlate/topology_config.h
//
// `topology:` the service dependency graph. Alerts on services of one connected component that
// fire within `window` of each other merge into one incident (per route); the root cause is the
// most upstream firing service (one none of whose dependencies fire), ties broken by earliest
// start. `depends_on` edges point downstream -> upstream (checkout depends_on payments). A cycle
// is a config error naming the services on it.
//
//   topology:
//     window: 10m
//     services:
//       - name: checkout
//         depends_on: [payments, cart]
#ifndef QUELL_CORRELATE_TOPOLOGY_CONFIG_H_
#define QUELL_CORRELATE_TOPOLOGY_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct TopologyService {
  std::string name;
  std::vector<std::string> depends_on;
  core::SourceLocation where;
};

struct TopologyConfig {
  absl::Duration window = absl::Minutes(10);
  std::vector<TopologyService> services;
  core::SourceLocation where;
};

// Also checks: unique names, known depends_on targets, no self edge, no cycle.
[[nodiscard]] absl::StatusOr<TopologyConfig> ParseTopology(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_TOPOLOGY_CONFIG_H_
