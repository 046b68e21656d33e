// src/core/event_time.h
//
// Time points as distinct types (Redpanda's named_type idea): EventTime is when a signal happened
// according to its producer; WallTime is this process's clock. They never mix implicitly: the
// engine runs on EventTime and watermarks, and only the live-mode idle timer converts WallTime to
// EventTime, explicitly. Both are nanoseconds since the Unix epoch in an int64 (years 1678-2262),
// plain values, cheap to copy, safe to share.
#ifndef QUELL_CORE_EVENT_TIME_H_
#define QUELL_CORE_EVENT_TIME_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace quell::core {

template <typename Tag>
class TimePoint {
 public:
  constexpr TimePoint() = default;
  static constexpr TimePoint FromUnixNanos(int64_t ns) { return TimePoint(ns); }
  static TimePoint FromAbsl(absl::Time t) { return TimePoint(absl::ToUnixNanos(t)); }
  static constexpr TimePoint Min() { return TimePoint(std::numeric_limits<int64_t>::min()); }
  static constexpr TimePoint Max() { return TimePoint(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t unix_nanos() const { return ns_; }
  absl::Time ToAbsl() const { return absl::FromUnixNanos(ns_); }
  // True for the default (epoch 0) value, which Quell uses as "unset".
  constexpr bool is_zero() const { return ns_ == 0; }

  TimePoint operator+(absl::Duration d) const { return TimePoint(ns_ + absl::ToInt64Nanoseconds(d)); }
  TimePoint operator-(absl::Duration d) const { return TimePoint(ns_ - absl::ToInt64Nanoseconds(d)); }
  absl::Duration operator-(TimePoint o) const { return absl::Nanoseconds(ns_ - o.ns_); }
  constexpr auto operator<=>(const TimePoint&) const = default;

 private:
  constexpr explicit TimePoint(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

struct EventTimeTag {};
struct WallTimeTag {};
using EventTime = TimePoint<EventTimeTag>;
using WallTime = TimePoint<WallTimeTag>;

// RFC 3339 with nanosecond precision trimmed of trailing zeros, UTC: "2026-01-01T00:00:00.5Z".
std::string FormatRfc3339(absl::Time t);
// Parses RFC 3339 / ISO 8601 with a zone ("Z" or "+hh:mm"), fractional seconds optional.
[[nodiscard]] absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text);

}  // namespace quell::core

#endif  // QUELL_CORE_EVENT_TIME_H_
