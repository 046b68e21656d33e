// src/sinks/circuit_breaker.h
//
// CircuitBreaker: stops hammering an endpoint that is down. One per integration (endpoint).
//   closed     deliveries flow; `failure_threshold` consecutive failures open the circuit.
//   open       nothing is attempted until `cooldown` has passed since it opened; then half-open.
//   half_open  exactly one probe is allowed; its success closes the circuit, its failure re-opens
//              it for another cooldown.
// Only transient failures (Unavailable and alike) count; throttling (429) and permanent errors do
// not. Notifications held back by an open circuit stay queued (and in the outbox): nothing is
// dropped. Time is passed in (wall time from the Dispatcher's injected Clock). Not thread-safe.
#ifndef QUELL_SINKS_CIRCUIT_BREAKER_H_
#define QUELL_SINKS_CIRCUIT_BREAKER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/event_time.h"
#include "core/yaml_node.h"

namespace quell::sinks {

// The `outbox.circuit_breaker:` section.
struct CircuitConfig {
  int failure_threshold = 5;                 // Default: 5 consecutive failures open the circuit.
  absl::Duration cooldown = absl::Seconds(30);  // Default: 30s before a half-open probe.
};
[[nodiscard]] absl::StatusOr<CircuitConfig> ParseCircuitConfig(const core::YamlNode& node);

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  explicit CircuitBreaker(CircuitConfig config) : config_(config) {}

  // Returns true iff an attempt may start now. In half-open state, returns true once (the probe)
  // and false until that probe's outcome is reported.
  bool Allow(core::WallTime now);
  void OnSuccess();
  void OnFailure(core::WallTime now);
  // Reports the end of an attempt that neither succeeded nor failed transiently (429, permanent
  // error): releases a half-open probe slot without changing the state.
  void OnNeutral();

  State state() const { return state_; }
  // When an open circuit becomes half-open.
  core::WallTime reopen_at() const { return opened_at_ + config_.cooldown; }
  int consecutive_failures() const { return failures_; }
  static std::string_view StateName(State s);

 private:
  CircuitConfig config_;
  State state_ = State::kClosed;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  core::WallTime opened_at_;
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_CIRCUIT_BREAKER_H_
