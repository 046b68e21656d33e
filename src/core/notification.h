// src/core/notification.h
//
// Notification: what the engine asks a receiver to deliver, the meeting point of correlate/ and
// sinks/. It is self-contained (owns its strings) and serializable, so it can be written to the
// outbox, retried after a restart and replayed. One notification concerns one incident (or one
// storm roll-up, or one gate verdict) at one moment; `dedup_key` is stable for the incident across
// restarts and replays, so receivers that see it twice treat it as one. A notification the engine
// derives again after a crash, from the same input, differs from the first one only in `time`;
// the outbox then sends it once (ADR 0057).
#ifndef QUELL_CORE_NOTIFICATION_H_
#define QUELL_CORE_NOTIFICATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event_time.h"
#include "core/label_set.h"
#include "core/severity.h"

namespace quell::core {

enum class NotificationKind : uint8_t { kIncident = 0, kStorm, kGateVerdict };
enum class NotificationStatus : uint8_t { kFiring = 0, kResolved };

// One alert inside an incident notification (Alertmanager's webhook `alerts[]`).
struct NotifiedAlert {
  LabelSet labels;
  LabelSet annotations;
  EventTime starts_at;
  EventTime ends_at;              // Zero while firing.
  bool resolved = false;
  std::string generator_url;
  std::string fingerprint;        // Alertmanager-compatible fingerprint, 16 hex digits.
};

// The deploy the engine attributes an incident to.
struct AttributedDeploy {
  std::string service;
  std::string version;
  std::string env;
  EventTime time;
  std::string link;               // A URL to the change (CI run, diff), if known.
};

struct Notification {
  NotificationKind kind = NotificationKind::kIncident;
  NotificationStatus status = NotificationStatus::kFiring;
  std::string receiver;           // Receiver name from config.
  std::string dedup_key;          // Stable per incident (PagerDuty dedup_key, Kafka key).
  std::string incident_id;        // Quell's incident id (API: /api/v1/incidents/{id}); a replay
                                  // of the same input gives the same one (ADR 0057).
  uint64_t sequence = 0;          // Per dedup_key, increasing: orders deliveries of one incident.
  EventTime time;                 // Event time at which the engine decided to notify.

  std::string summary;            // One line for humans (PagerDuty summary, Slack header).
  Severity severity = Severity::kUnknown;
  std::string group_key;          // Alertmanager groupKey: "{}/{...}:{alertname=\"X\"}".
  LabelSet group_labels;
  LabelSet common_labels;
  LabelSet common_annotations;
  std::vector<NotifiedAlert> alerts;  // Members (may be truncated; see truncated_alerts).
  uint32_t truncated_alerts = 0;
  uint32_t firing_count = 0;
  uint32_t resolved_count = 0;

  std::string root_cause_service;
  std::vector<std::string> impacted_services;
  std::optional<AttributedDeploy> deploy;
  std::string runbook;            // Runbook path relative to runbooks/ (e.g. "checkout-errors.md").
  std::string runbook_url;        // Built from the configured base URL.
  std::string external_url;       // Link back to Quell's incident page/API.

  // Gate verdict notifications only (kind == kGateVerdict): the verdict JSON document.
  std::string gate_verdict_json;
};

}  // namespace quell::core

#endif  // QUELL_CORE_NOTIFICATION_H_
