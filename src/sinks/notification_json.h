// src/sinks/notification_json.h
//
// The Quell-native JSON form of a core::Notification: every field, lossless, so it serves as the
// webhook `payload: quell` body, the file/stdout receivers' JSONL line and the outbox record body
// (what is replayed after a restart). Times are RFC 3339 UTC with nanoseconds; labels are objects;
// absent optional parts are omitted. Field names are snake_case Notification field names, e.g.
//   {"kind":"incident","status":"firing","receiver":"pd","dedup_key":"…","sequence":3,
//    "time":"2026-01-01T00:00:00Z","summary":"…","severity":"critical","alerts":[{…}],…}
// Stable: the outbox reads records written by earlier releases (field additions only).
#ifndef QUELL_SINKS_NOTIFICATION_JSON_H_
#define QUELL_SINKS_NOTIFICATION_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/notification.h"

namespace quell::sinks {

// Appends the JSON object for `n` to `*out` (no trailing newline).
void AppendNotificationJson(const core::Notification& n, std::string* out);
std::string NotificationToJson(const core::Notification& n);

// Inverse of NotificationToJson. Unknown fields are ignored. InvalidArgument on malformed input
// (the message names the field, never its value).
[[nodiscard]] absl::StatusOr<core::Notification> NotificationFromJson(std::string_view json);

std::string_view NotificationKindName(core::NotificationKind k);      // "incident", "storm", "gate_verdict"
std::string_view NotificationStatusName(core::NotificationStatus s);  // "firing", "resolved"

}  // namespace quell::sinks

#endif  // QUELL_SINKS_NOTIFICATION_JSON_H_
