// src/correlate/time_interval.h
//
// Recurring time intervals with Alertmanager's `time_intervals` syntax and semantics, used for a
// route's mute_time_intervals / active_time_intervals and for recurring maintenance windows:
//
//   time_intervals:
//     - name: weekend-nights
//       time_intervals:
//         - weekdays: ['saturday:sunday']        # ranges inclusive
//           times: [{start_time: '00:00', end_time: '06:00'}]   # [start, end), minutes
//           days_of_month: ['1:7', '-1']         # negative counts from the month's end
//           months: ['january:march', '12']
//           years: ['2026:2027']
//           location: 'Europe/Berlin'            # absl::LoadTimeZone name; default UTC
//
// A TimeInterval contains an instant iff every field present contains it (fields absent match
// all); a NamedTimeInterval contains it iff any of its intervals does. Immutable, thread-safe.
#ifndef QUELL_CORRELATE_TIME_INTERVAL_H_
#define QUELL_CORRELATE_TIME_INTERVAL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct TimeInterval {
  std::vector<std::pair<int, int>> times;          // Minutes of day [start, end).
  std::vector<std::pair<int, int>> weekdays;       // 0 = sunday .. 6 = saturday, inclusive.
  std::vector<std::pair<int, int>> days_of_month;  // 1..31 or -31..-1, inclusive.
  std::vector<std::pair<int, int>> months;         // 1..12, inclusive.
  std::vector<std::pair<int, int>> years;          // Inclusive.
  std::string location_name = "UTC";
  absl::TimeZone location = absl::UTCTimeZone();

  bool Contains(absl::Time t) const;
};

struct NamedTimeInterval {
  std::string name;
  std::vector<TimeInterval> intervals;
  core::SourceLocation where;

  bool Contains(absl::Time t) const;
};

// Parses the top-level `time_intervals:` list. Names must be unique.
[[nodiscard]] absl::StatusOr<std::vector<NamedTimeInterval>> ParseTimeIntervals(
    const core::YamlNode& node);
// One interval entry (also used by maintenance windows that carry an inline recurrence).
[[nodiscard]] absl::StatusOr<TimeInterval> ParseTimeInterval(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_TIME_INTERVAL_H_
