// src/sinks/retry_policy.cc
#include "sinks/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/status_macros.h"
#include "core/strings.h"

namespace quell::sinks {

absl::StatusOr<RetryConfig> ParseRetryConfig(const core::YamlNode& node) {
  RetryConfig c;
  QUELL_RETURN_IF_ERROR(node.CheckKeys("retry", {"initial_backoff", "max_backoff", "multiplier"}));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("initial_backoff", &c.initial_backoff));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("max_backoff", &c.max_backoff));
  QUELL_RETURN_IF_ERROR(node.ReadDouble("multiplier", &c.multiplier));
  if (c.initial_backoff <= absl::ZeroDuration()) return node.Error("retry: initial_backoff must be > 0");
  if (c.max_backoff < c.initial_backoff) return node.Error("retry: max_backoff must be >= initial_backoff");
  if (c.multiplier < 1.0) return node.Error("retry: multiplier must be >= 1");
  return c;
}

absl::Duration RetryPolicy::Cap(int attempt) const {
  double cap = absl::ToDoubleSeconds(config_.initial_backoff) * std::pow(config_.multiplier, std::max(0, attempt - 1));
  return std::min(config_.max_backoff, absl::Seconds(std::min(cap, 1e9)));
}

absl::Duration RetryPolicy::Backoff(int attempt, absl::Duration retry_after) {
  int64_t cap_ns = absl::ToInt64Nanoseconds(Cap(attempt));
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(0, cap_ns));
  absl::Duration d = absl::Nanoseconds(dist(rng_));
  return std::max(d, retry_after);
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value, core::WallTime now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  constexpr absl::Duration kCap = absl::Hours(24);
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return kCap;
    return std::min(kCap, absl::Seconds(std::stoll(std::string(value))));
  }
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", core::ToAbsl(value), &t, &err)) return std::nullopt;
  absl::Duration d = t - now.ToAbsl();
  if (d < absl::ZeroDuration()) return absl::ZeroDuration();
  return std::min(kCap, d);
}

}  // namespace quell::sinks
