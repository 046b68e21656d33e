// src/core/severity.h
//
// One severity scale for every format, ordered so that a larger value is more urgent. The
// mappings below are the documented contract (docs/signal-model.md repeats them as a table);
// tests pin each row.
//
//   Quell       OTel severityNumber   Datadog alert_type / status        Datadog priority   AM severity label
//   kUnknown    0 / absent            unknown strings                     -                  absent / unknown
//   kDebug      1-8 (TRACE, DEBUG)    debug, trace                        -                  debug
//   kInfo       9-12 (INFO)           info, success, user_update, ok,     P4, P5, low        info, informational,
//                                     recommendation, snapshot, notice                       none, low
//   kWarning    13-16 (WARN)          warning, warn                       P3                 warning, warn, medium
//   kError      17-20 (ERROR)         error, err                          P2, normal         error, high, major
//   kCritical   21-24 (FATAL)         critical, crit, alert, emergency,   P1                 critical, page, fatal,
//                                     emerg, fatal                                           emergency, disaster
//
// OTel severityText (used when severityNumber is 0 or absent): the Datadog column, plus the short
// names with a level digit (INFO2, ERROR3: as their first row), information and informational
// (info), verbose, fine, finer, finest and config (debug), severe, panic and dpanic (error).
//
// Datadog priority "normal" (events API) carries no urgency beyond alert_type: parsers apply
// priority only when alert_type is absent. Matching is ASCII case-insensitive.
#ifndef QUELL_CORE_SEVERITY_H_
#define QUELL_CORE_SEVERITY_H_

#include <cstdint>
#include <string_view>

namespace quell::core {

enum class Severity : uint8_t { kUnknown = 0, kDebug, kInfo, kWarning, kError, kCritical };

// "unknown", "debug", "info", "warning", "error", "critical".
std::string_view SeverityName(Severity s);
// Inverse of SeverityName; false when `name` is none of them.
bool ParseSeverityName(std::string_view name, Severity* out);

Severity SeverityFromOtelNumber(int64_t severity_number);
// Datadog alert_type (events), status (logs) and webhook $ALERT_TYPE all use this table.
Severity SeverityFromDatadogStatus(std::string_view status);
// An OTLP log record's severityText (see the table above).
Severity SeverityFromOtelText(std::string_view text);
// "P1".."P5" (monitor priority) and "normal"/"low" (event priority).
Severity SeverityFromDatadogPriority(std::string_view priority);
// The value of an Alertmanager `severity` label.
Severity SeverityFromLabel(std::string_view value);

}  // namespace quell::core

#endif  // QUELL_CORE_SEVERITY_H_
