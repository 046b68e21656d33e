// src/correlate/deploys_config.h
//
// `deploys:` attribution of incidents to deployments. An alert on service S, or on a service that
// depends on S (transitively, per `topology`), that starts within `window` after a deploy of S is
// attributed to that deploy; the incident's notification carries it (root cause's deploy first).
//
//   deploys: {window: 30m}
#ifndef QUELL_CORRELATE_DEPLOYS_CONFIG_H_
#define QUELL_CORRELATE_DEPLOYS_CONFIG_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct DeploysConfig {
  absl::Duration window = absl::Minutes(30);
  int max_per_service = 8;   // Deploys remembered per service (newest kept).
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<DeploysConfig> ParseDeploys(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_DEPLOYS_CONFIG_H_
