#include "ingest/datadog_status.h"

#include "core/strings.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

namespace {

// True iff `s` starts with `lower` (lowercase ASCII letters, '-' and ' '), ignoring ASCII case.
// Unrolled for the literal's length: no call, no loop over a lowercased copy.
template <size_t N>
bool StartsWithLower(std::string_view s, const char (&lower)[N]) {
  if (s.size() < N - 1) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < N - 1; ++i) {
    unsigned c = static_cast<unsigned char>(s[i]);
    c += (c - 'A' < 26u) ? 32u : 0u;
    diff |= c ^ static_cast<unsigned char>(lower[i]);
  }
  return diff == 0;
}

}  // namespace

DatadogTransition ParseDatadogTransition(std::string_view t) {
  using Transition = DatadogTransition;
  if (t.empty()) return Transition::kNone;
  switch (t[0] | 0x20) {  // ASCII lowercase of the first letter: one or two compares per call.
    case 'r':
      if (StartsWithLower(t, "recovered")) return Transition::kRecovered;
      if (StartsWithLower(t, "re-triggered") || StartsWithLower(t, "renotify")) return Transition::kTriggered;
      if (StartsWithLower(t, "re-warn")) return Transition::kWarn;
      break;
    case 't':
      if (StartsWithLower(t, "triggered")) return Transition::kTriggered;
      break;
    case 'a':
      if (StartsWithLower(t, "alert")) return Transition::kTriggered;
      break;
    case 'w':
      if (StartsWithLower(t, "warn")) return Transition::kWarn;
      break;
    case 'n':
      if (StartsWithLower(t, "no data")) return Transition::kNoData;
      break;
    default: break;
  }
  return Transition::kNone;
}

core::SignalState DatadogTransitionState(DatadogTransition transition) {
  switch (transition) {
    case DatadogTransition::kRecovered: return core::SignalState::kResolved;
    case DatadogTransition::kNone: return core::SignalState::kUnknown;
    default: return core::SignalState::kFiring;
  }
}

core::Severity DatadogAlertSeverity(std::string_view alert_type, std::string_view priority,
                                    DatadogTransition transition) {
  using Transition = DatadogTransition;
  core::Severity s = alert_type.empty() ? core::Severity::kUnknown : core::SeverityFromDatadogStatus(alert_type);
  if (s == core::Severity::kUnknown && !priority.empty()) s = core::SeverityFromDatadogPriority(priority);
  if (s != core::Severity::kUnknown) return s;
  switch (transition) {
    case Transition::kRecovered: return core::Severity::kInfo;
    case Transition::kTriggered: return core::Severity::kError;
    case Transition::kWarn:
    case Transition::kNoData: return core::Severity::kWarning;
    case Transition::kNone: break;
  }
  return core::Severity::kUnknown;
}

void ReadDatadogTitlePrefixes(std::string_view title, std::string_view* transition_text,
                              DatadogTransition* transition, std::string_view* priority, std::string_view* rest_out) {
  std::string_view rest = TrimSpaces(title);
  bool found_transition = false, found_priority = false;
  while (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) break;
    std::string_view group = rest.substr(1, close - 1);
    if (!found_transition) {
      DatadogTransition t = ParseDatadogTransition(group);
      if (t != DatadogTransition::kNone) {
        *transition_text = group;
        *transition = t;
        found_transition = true;
      }
    }
    if (!found_priority && close == 3 && (rest[1] == 'P' || rest[1] == 'p')) {
      *priority = group;
      found_priority = true;
    }
    rest = TrimSpaces(rest.substr(close + 1));
  }
  if (rest_out != nullptr) *rest_out = rest;
}

}  // namespace quell::ingest
