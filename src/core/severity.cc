#include "core/severity.h"

#include <initializer_list>

#include "core/strings.h"

namespace quell::core {
namespace {

// `v` is already lowercased: exact compares (a length test first; most candidates differ in it).
bool AnyOf(std::string_view v, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (v == n) return true;
  }
  return false;
}

// Longer than any keyword below: such a value matches none.
constexpr size_t kKeywordMax = 16;

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kUnknown: return "unknown";
    case Severity::kDebug: return "debug";
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

bool ParseSeverityName(std::string_view name, Severity* out) {
  for (Severity s : {Severity::kUnknown, Severity::kDebug, Severity::kInfo, Severity::kWarning,
                     Severity::kError, Severity::kCritical}) {
    if (name == SeverityName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

Severity SeverityFromOtelNumber(int64_t n) {
  if (n <= 0 || n > 24) return Severity::kUnknown;
  if (n <= 8) return Severity::kDebug;
  if (n <= 12) return Severity::kInfo;
  if (n <= 16) return Severity::kWarning;
  if (n <= 20) return Severity::kError;
  return Severity::kCritical;
}

Severity SeverityFromDatadogStatus(std::string_view status) {
  LowerAsciiPrefix<kKeywordMax> lower(status);
  if (!lower.complete()) return Severity::kUnknown;
  std::string_view s = lower.view();
  if (AnyOf(s, {"critical", "crit", "alert", "emergency", "emerg", "fatal"})) return Severity::kCritical;
  if (AnyOf(s, {"error", "err"})) return Severity::kError;
  if (AnyOf(s, {"warning", "warn"})) return Severity::kWarning;
  if (AnyOf(s, {"info", "success", "user_update", "ok", "recommendation", "snapshot", "notice"}))
    return Severity::kInfo;
  if (AnyOf(s, {"debug", "trace"})) return Severity::kDebug;
  return Severity::kUnknown;
}

Severity SeverityFromDatadogPriority(std::string_view priority) {
  LowerAsciiPrefix<kKeywordMax> lower(priority);
  if (!lower.complete()) return Severity::kUnknown;
  std::string_view p = lower.view();
  if (AnyOf(p, {"p1"})) return Severity::kCritical;
  if (AnyOf(p, {"p2", "normal"})) return Severity::kError;
  if (AnyOf(p, {"p3"})) return Severity::kWarning;
  if (AnyOf(p, {"p4", "p5", "low"})) return Severity::kInfo;
  return Severity::kUnknown;
}

Severity SeverityFromLabel(std::string_view label) {
  LowerAsciiPrefix<kKeywordMax> lower(label);
  if (!lower.complete()) return Severity::kUnknown;
  std::string_view v = lower.view();
  if (AnyOf(v, {"critical", "page", "fatal", "emergency", "disaster"})) return Severity::kCritical;
  if (AnyOf(v, {"error", "high", "major"})) return Severity::kError;
  if (AnyOf(v, {"warning", "warn", "medium"})) return Severity::kWarning;
  if (AnyOf(v, {"info", "informational", "none", "low"})) return Severity::kInfo;
  if (AnyOf(v, {"debug"})) return Severity::kDebug;
  return Severity::kUnknown;
}

}  // namespace quell::core
