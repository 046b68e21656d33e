// src/correlate/transient_config.h
//
// `transient:` a new alert is admitted to its incident only after it has fired for `grace`; one
// that resolves within the grace never pages (recorded as "transient"). 0s (default) disables.
//
//   transient: {grace: 2m}
#ifndef QUELL_CORRELATE_TRANSIENT_CONFIG_H_
#define QUELL_CORRELATE_TRANSIENT_CONFIG_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct TransientConfig {
  absl::Duration grace = absl::ZeroDuration();
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<TransientConfig> ParseTransient(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_TRANSIENT_CONFIG_H_
