// src/correlate/flapping_config.h
//
// `flapping:` an alert that changes state (firing <-> resolved) at least `changes` times within
// `window` is held: its changes stop reaching its incident until it has been stable (no change)
// for `stable`; then its current state is released once (one page if firing).
//
//   flapping: {changes: 4, window: 10m, stable: 15m}
#ifndef QUELL_CORRELATE_FLAPPING_CONFIG_H_
#define QUELL_CORRELATE_FLAPPING_CONFIG_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct FlappingConfig {
  bool enabled = false;                        // True when the section is present.
  int changes = 4;                             // 2..16.
  absl::Duration window = absl::Minutes(10);
  absl::Duration stable = absl::Minutes(10);
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<FlappingConfig> ParseFlapping(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_FLAPPING_CONFIG_H_
