// src/sinks/circuit_breaker.cc
#include "sinks/circuit_breaker.h"

#include "core/status_macros.h"

namespace quell::sinks {

absl::StatusOr<CircuitConfig> ParseCircuitConfig(const core::YamlNode& node) {
  CircuitConfig c;
  QUELL_RETURN_IF_ERROR(node.CheckKeys("circuit_breaker", {"failure_threshold", "cooldown"}));
  int64_t threshold = c.failure_threshold;
  QUELL_RETURN_IF_ERROR(node.ReadInt("failure_threshold", &threshold));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("cooldown", &c.cooldown));
  if (threshold < 1 || threshold > 1000000) return node.Error("circuit_breaker: failure_threshold must be >= 1");
  if (c.cooldown <= absl::ZeroDuration()) return node.Error("circuit_breaker: cooldown must be > 0");
  c.failure_threshold = static_cast<int>(threshold);
  return c;
}

bool CircuitBreaker::Allow(core::WallTime now) {
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now < reopen_at()) return false;
      state_ = State::kHalfOpen;
      probe_in_flight_ = false;
      [[fallthrough]];
    case State::kHalfOpen:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::OnSuccess() {
  state_ = State::kClosed;
  failures_ = 0;
  probe_in_flight_ = false;
}

void CircuitBreaker::OnFailure(core::WallTime now) {
  ++failures_;
  probe_in_flight_ = false;
  if (state_ == State::kHalfOpen || (state_ == State::kClosed && failures_ >= config_.failure_threshold)) {
    state_ = State::kOpen;
    opened_at_ = now;
  }
}

void CircuitBreaker::OnNeutral() { probe_in_flight_ = false; }

std::string_view CircuitBreaker::StateName(State s) {
  switch (s) {
    case State::kClosed: return "closed";
    case State::kOpen: return "open";
    case State::kHalfOpen: return "half_open";
  }
  return "closed";
}

}  // namespace quell::sinks
