// src/ingest/datadog_status.h
//
// State and severity of a Datadog alert, shared by the monitor webhook and Events API parsers
// (docs/signal-model.md, "Severity mapping" and the webhook section):
//   - a transition ($ALERT_TRANSITION, or a "[Triggered]" / "[Recovered]" title prefix):
//     Recovered -> resolved; Triggered, Re-Triggered, Renotify, Warn, Re-Warn, No Data, Alert ->
//     firing; anything else -> unknown;
//   - severity: the alert type ($ALERT_TYPE, the event's alert_type), else the priority ($ALERT_PRIORITY,
//     the event's priority, a "[P2]" title prefix), else the transition: Warn / Re-Warn / No Data
//     -> warning, Triggered / Re-Triggered / Renotify / Alert -> error, Recovered -> info.
// Matching is ASCII case-insensitive on the start of the transition ("Triggered on {host:a}").
// Thread-safety: stateless functions.
#ifndef QUELL_INGEST_DATADOG_STATUS_H_
#define QUELL_INGEST_DATADOG_STATUS_H_

#include <cstdint>
#include <string_view>

#include "core/severity.h"
#include "core/signal.h"

namespace quell::ingest {

enum class DatadogTransition : uint8_t { kNone, kRecovered, kTriggered, kWarn, kNoData };

DatadogTransition ParseDatadogTransition(std::string_view text);

// The state a transition names; kUnknown for kNone.
core::SignalState DatadogTransitionState(DatadogTransition transition);

// Severity from the alert type, else the priority, else the transition (see above).
core::Severity DatadogAlertSeverity(std::string_view alert_type, std::string_view priority,
                                    DatadogTransition transition);

// What the leading "[...]" groups of a title say ("[P1] [Triggered on {host:a}] CPU high"): the
// first group naming a transition (its text and kind) and the first "[Pn]" group; each output
// is left unchanged when absent. `rest` (optional) gets the title after every leading group,
// trimmed ("CPU high" above): the alert name the webhook parser takes from a title. With
// `transition_text` and `transition` both null the groups are not read for a transition (a
// caller that has it from elsewhere).
void ReadDatadogTitlePrefixes(std::string_view title, std::string_view* transition_text,
                              DatadogTransition* transition, std::string_view* priority,
                              std::string_view* rest = nullptr);

// The scope a multi-alert monitor writes into its transition group ("Triggered on {host:a,env:b}"
// -> "host:a,env:b", a tag list), or "" when there is none. With the default webhook template it
// is the only place a webhook names its group (host, availability zone, ...).
std::string_view DatadogTitleScope(std::string_view transition_text);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_STATUS_H_
