// src/correlate/maintenance_window_config.h
//
// `maintenance_windows:` mute matching alerts while a window is open. A window is either one-off
// (`start` and `end`, RFC 3339) or recurring (`time_interval`, the name of a `time_intervals`
// entry). Muted alerts are still deduplicated, grouped and recorded ("muted by maintenance window
// W"); they do not notify. An incident that already paged still gets its resolve.
//
//   maintenance_windows:
//     - name: db-migration
//       matchers: ['service="db"']
//       start: 2026-03-01T02:00:00Z
//       end: 2026-03-01T04:00:00Z
#ifndef QUELL_CORRELATE_MAINTENANCE_WINDOW_CONFIG_H_
#define QUELL_CORRELATE_MAINTENANCE_WINDOW_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/event_time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"
#include "correlate/matcher.h"

namespace quell::correlate {

struct MaintenanceWindowConfig {
  std::string name;              // Required, unique.
  Matchers matchers;             // Empty = every alert.
  core::EventTime start;         // One-off window [start, end).
  core::EventTime end;
  std::string time_interval;     // Or a recurring window by name.
  core::SourceLocation where;
  core::SourceLocation time_interval_where;
};

[[nodiscard]] absl::StatusOr<std::vector<MaintenanceWindowConfig>> ParseMaintenanceWindows(
    const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_MAINTENANCE_WINDOW_CONFIG_H_
