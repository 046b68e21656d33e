#include "ingest/datadog_status.h"

#include <cstdint>
#include <cstring>

#include "core/strings.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

namespace {

// A keyword as a template argument, so that its words below are compile-time constants.
template <size_t N>
struct Keyword {
  char text[N];
  consteval Keyword(const char (&s)[N]) {  // NOLINT: implicit, for StartsWithLower<"...">.
    for (size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  static constexpr size_t size() { return N - 1; }
  // The bytes at [from, from + 8) (zero past the end) as a little-endian word; with `mask`, 0x20
  // in each letter's byte instead (the bit that tells a letter's cases apart).
  constexpr uint64_t Word(size_t from, bool mask) const {
    uint64_t w = 0;
    for (size_t i = 0; i < 8 && from + i < N - 1; ++i) {
      const auto c = static_cast<unsigned char>(text[from + i]);
      const uint64_t b = mask ? ((c >= 'a' && c <= 'z') ? 0x20 : 0) : c;
      w |= b << (8 * i);
    }
    return w;
  }
};

// True iff `s` starts with `K` (lowercase ASCII letters, '-' and ' '), ignoring ASCII case
// (letters only: every other byte must match exactly). One or two word compares against
// constants.
template <Keyword K>
bool StartsWithLower(std::string_view s) {
  constexpr size_t n = K.size();
  static_assert(n >= 1 && n <= 16);
  if (s.size() < n) return false;
  constexpr size_t second = n <= 8 ? 0 : n - 8;  // Two overlapping words past 8 bytes.
  constexpr uint64_t mask0 = K.Word(0, true), word0 = K.Word(0, false);
  constexpr uint64_t mask1 = K.Word(second, true), word1 = K.Word(second, false);
  uint64_t x0 = 0;
  std::memcpy(&x0, s.data(), n < 8 ? n : 8);
  uint64_t diff = (x0 | mask0) ^ word0;
  if constexpr (n > 8) {
    uint64_t x1;
    std::memcpy(&x1, s.data() + second, 8);
    diff |= (x1 | mask1) ^ word1;
  }
  return diff == 0;
}

// True iff `s` is `K`, ignoring ASCII case (StartsWithLower plus the length).
template <Keyword K>
bool EqualsLower(std::string_view s) {
  return s.size() == K.size() && StartsWithLower<K>(s);
}

// Datadog's alert_type values (error, warning, info, success) word-compared; anything else goes
// to the general status table (core::SeverityFromDatadogStatus), which gives the same answers for
// these four.
core::Severity AlertTypeSeverity(std::string_view t) {
  switch (t[0] | 0x20) {
    case 'e':
      if (EqualsLower<"error">(t)) return core::Severity::kError;
      break;
    case 'w':
      if (EqualsLower<"warning">(t)) return core::Severity::kWarning;
      break;
    case 'i':
      if (EqualsLower<"info">(t)) return core::Severity::kInfo;
      break;
    case 's':
      if (EqualsLower<"success">(t)) return core::Severity::kInfo;
      break;
    default: break;
  }
  return core::SeverityFromDatadogStatus(t);
}

}  // namespace

DatadogTransition ParseDatadogTransition(std::string_view t) {
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

core::Severity DatadogAlertSeverity(std::string_view alert_type, std::string_view priority,
                                    DatadogTransition transition) {
  using Transition = DatadogTransition;
  core::Severity s = alert_type.empty() ? core::Severity::kUnknown : AlertTypeSeverity(alert_type);
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

std::string_view DatadogTitleScope(std::string_view transition_text) {
  const size_t on = transition_text.find(" on {");
  if (on == std::string_view::npos) return {};
  std::string_view rest = transition_text.substr(on + 5);
  const size_t close = rest.rfind('}');
  if (close == std::string_view::npos) return {};
  return TrimSpaces(rest.substr(0, close));
}

}  // namespace quell::ingest
