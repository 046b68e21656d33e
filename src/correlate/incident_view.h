// src/correlate/incident_view.h
//
// Read models the engine returns to APIs: copies (snapshots) taken on the shard thread, safe to
// hand to any thread. IncidentView is one incident (list: members/timeline left empty unless
// detailed), AlertView an alert in Alertmanager's gettable shape, NoiseRow one line of the noise
// report.
#ifndef QUELL_CORRELATE_INCIDENT_VIEW_H_
#define QUELL_CORRELATE_INCIDENT_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event_time.h"
#include "core/label_set.h"
#include "core/notification.h"
#include "core/severity.h"

namespace quell::correlate {

struct AlertView {
  std::string fingerprint;           // Quell fingerprint, 16 hex digits.
  std::string am_fingerprint;        // Alertmanager's.
  core::LabelSet labels;
  core::LabelSet annotations;
  core::EventTime starts_at;
  core::EventTime ends_at;           // Zero while firing with no endsAt.
  core::EventTime updated_at;
  std::string generator_url;
  bool firing = true;
  std::string state;                 // "active" | "suppressed" | "unprocessed" (AM).
  std::vector<std::string> silenced_by;
  std::vector<std::string> inhibited_by;  // AM fingerprints of the inhibiting alerts.
  std::vector<std::string> receivers;
  bool held = false;                 // Flapping / transient hold.
  std::string held_reason;
  core::Severity severity = core::Severity::kUnknown;
  std::string service;
};

struct SentNotification {
  core::EventTime time;
  std::string receiver;
  std::string status;                // "firing" | "resolved" | "storm".
  uint64_t sequence = 0;
  uint32_t firing = 0;
  uint32_t resolved = 0;
};

struct TimelineEntry {
  core::EventTime time;
  std::string what;
};

struct IncidentView {
  std::string id;
  std::string dedup_key;
  std::string status;                // "firing" | "resolved".
  std::string route;                 // Route key.
  std::string receiver;
  std::string route_class;
  std::string group_key;
  core::LabelSet group_labels;
  core::Severity severity = core::Severity::kUnknown;
  core::EventTime started_at;
  core::EventTime resolved_at;
  uint32_t firing = 0;
  uint32_t resolved_members = 0;
  std::string root_cause_service;
  std::vector<std::string> impacted_services;
  std::optional<core::AttributedDeploy> deploy;
  std::string runbook;
  bool acked = false;
  std::string acked_by;
  std::string ack_comment;
  bool storm = false;                // Rolled into a storm (never paged on its own).
  std::vector<AlertView> members;    // Detail only.
  std::vector<SentNotification> notifications;  // Detail only.
  std::vector<TimelineEntry> timeline;          // Detail only.
};

struct AlertGroupView {
  core::LabelSet labels;             // Group labels.
  std::string receiver;
  std::string group_key;
  std::vector<AlertView> alerts;
};

// Counts per (alertname, route) over the report window, summed across shards.
struct NoiseRow {
  std::string alertname;
  std::string route;
  uint64_t signals = 0;
  uint64_t alerts = 0;               // Distinct fingerprints created.
  uint64_t incidents = 0;
  uint64_t pages = 0;                // Firing notifications sent.
  uint64_t suppressed_silenced = 0;
  uint64_t suppressed_inhibited = 0;
  uint64_t suppressed_maintenance = 0;
  uint64_t suppressed_flapping = 0;
  uint64_t suppressed_transient = 0;
  uint64_t suppressed_noise = 0;
  uint64_t suppressed_storm = 0;
  uint64_t late = 0;
  std::vector<int64_t> resolve_seconds;  // Samples (median computed by the report).
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_INCIDENT_VIEW_H_
