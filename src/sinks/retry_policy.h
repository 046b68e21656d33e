// src/sinks/retry_policy.h
//
// RetryPolicy: when to try a failed delivery again. Exponential backoff with full jitter (AWS
// "Exponential Backoff And Jitter"): attempt k (1-based) waits a uniform random duration in
// [0, min(max_backoff, initial_backoff * multiplier^(k-1))], and never less than the downstream's
// Retry-After hint. Full jitter spreads a fleet's retries after an outage instead of synchronising
// them. The RNG is seeded by the caller, so tests get the same sequence every run.
//
// There is no attempt limit: a notification is retried until it is delivered, fails permanently,
// or exceeds the outbox's max_age (then it is dead-lettered and counted). Not thread-safe: the
// Dispatcher owns one and uses it on its thread.
#ifndef QUELL_SINKS_RETRY_POLICY_H_
#define QUELL_SINKS_RETRY_POLICY_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/event_time.h"
#include "core/yaml_node.h"

namespace quell::sinks {

// The `outbox.retry:` section.
struct RetryConfig {
  absl::Duration initial_backoff = absl::Seconds(1);  // Default: 1s. Cap of the first wait.
  absl::Duration max_backoff = absl::Minutes(5);      // Default: 5m. Cap of any wait.
  double multiplier = 2.0;                            // Default: 2. Growth of the cap per attempt.
};
[[nodiscard]] absl::StatusOr<RetryConfig> ParseRetryConfig(const core::YamlNode& node);

class RetryPolicy {
 public:
  RetryPolicy(RetryConfig config, uint64_t seed) : config_(config), rng_(seed) {}

  // The cap for attempt `attempt` (1 = the first retry): min(max, initial * multiplier^(attempt-1)).
  absl::Duration Cap(int attempt) const;
  // How long to wait before retry number `attempt` (>= 1): uniform in [0, Cap(attempt)], but at
  // least `retry_after`.
  absl::Duration Backoff(int attempt, absl::Duration retry_after = absl::ZeroDuration());

 private:
  RetryConfig config_;
  std::mt19937_64 rng_;
};

// Parses an HTTP Retry-After value: delay-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`; a date in the past gives zero). nullopt
// when empty or unparseable. Values are capped at one day.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, core::WallTime now);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_RETRY_POLICY_H_
