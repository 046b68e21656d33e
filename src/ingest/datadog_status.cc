#include "ingest/datadog_status.h"

#include <cstdint>
#include <cstring>

#include "core/strings.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

using core::StartsWithLower;

[[gnu::hot]] DatadogTransition ParseDatadogTransition(std::string_view t) {
  using Transition = DatadogTransition;
  if (t.empty()) return Transition::kNone;
  switch (t[0] | 0x20) {  // ASCII lowercase of the first letter: one or two compares per call.
    case 'r':
      if (StartsWithLower<"recovered">(t)) return Transition::kRecovered;
      if (StartsWithLower<"re-triggered">(t) || StartsWithLower<"renotify">(t)) return Transition::kTriggered;
      if (StartsWithLower<"re-warn">(t)) return Transition::kWarn;
      break;
    case 't':
      if (StartsWithLower<"triggered">(t)) return Transition::kTriggered;
      break;
    case 'a':
      if (StartsWithLower<"alert">(t)) return Transition::kTriggered;
      break;
    case 'w':
      if (StartsWithLower<"warn">(t)) return Transition::kWarn;
      break;
    case 'n':
      if (StartsWithLower<"no data">(t)) return Transition::kNoData;
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

[[gnu::hot]] core::Severity DatadogAlertSeverity(std::string_view alert_type, std::string_view priority,
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

[[gnu::hot]] void ReadDatadogTitlePrefixes(std::string_view title, std::string_view* transition_text,
                              DatadogTransition* transition, std::string_view* priority, std::string_view* rest_out) {
  std::string_view rest = TrimSpaces(title);
  bool found_transition = false, found_priority = false;
  while (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) break;
    std::string_view group = rest.substr(1, close - 1);
    if (!found_transition && transition != nullptr) {
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

[[gnu::hot]] std::string_view DatadogTitleScope(std::string_view transition_text) {
  const size_t on = transition_text.find(" on {");
  if (on == std::string_view::npos) return {};
  std::string_view rest = transition_text.substr(on + 5);
  const size_t close = rest.rfind('}');
  if (close == std::string_view::npos) return {};
  return TrimSpaces(rest.substr(0, close));
}

}  // namespace quell::ingest
