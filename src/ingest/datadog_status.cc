#include "ingest/datadog_status.h"

#include "core/strings.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

namespace {

// `s` is already lowercased.
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

DatadogTransition ParseDatadogTransition(std::string_view text) {
  using Transition = DatadogTransition;
  if (text.empty()) return Transition::kNone;
  core::LowerAsciiPrefix<16> lower(text);  // Longer than any keyword; prefixes are matched.
  std::string_view t = lower.view();
  switch (t[0]) {  // One or two compares per call.
    case 'r':
      if (StartsWith(t, "recovered")) return Transition::kRecovered;
      if (StartsWith(t, "re-triggered") || StartsWith(t, "renotify")) return Transition::kTriggered;
      if (StartsWith(t, "re-warn")) return Transition::kWarn;
      break;
    case 't':
      if (StartsWith(t, "triggered")) return Transition::kTriggered;
      break;
    case 'a':
      if (StartsWith(t, "alert")) return Transition::kTriggered;
      break;
    case 'w':
      if (StartsWith(t, "warn")) return Transition::kWarn;
      break;
    case 'n':
      if (StartsWith(t, "no data")) return Transition::kNoData;
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
                              DatadogTransition* transition, std::string_view* priority) {
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
}

}  // namespace quell::ingest
