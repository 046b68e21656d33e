// src/core/duration.h
//
// Durations as written in Quell config: Prometheus/Alertmanager syntax, a sequence of
// <integer><unit> with units y (365d), w, d, h, m, s, ms, us, ns, largest first, e.g. "1h30m",
// "5m", "250ms", "0s". A bare "0" is accepted. No sign, no fractions (as in Prometheus).
#ifndef QUELL_CORE_DURATION_H_
#define QUELL_CORE_DURATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace quell::core {

// Returns InvalidArgument naming the text when `text` is not a valid duration.
[[nodiscard]] absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);

// The shortest Prometheus-style spelling of `d` ("1h30m", "250ms", "0s"); ParseDuration round-trips it.
std::string DurationToString(absl::Duration d);

}  // namespace quell::core

#endif  // QUELL_CORE_DURATION_H_
