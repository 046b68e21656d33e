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

[[gnu::hot]] Severity SeverityFromDatadogStatus(std::string_view s) {
  if (s.empty()) return Severity::kUnknown;
  // Only the keywords with this first letter are compared, each a word at a time ignoring case
  // (EqualsLower): this runs for every Datadog webhook and log.
  switch (s[0] | 0x20) {
    case 'a': if (EqualsLower<"alert">(s)) return Severity::kCritical; break;
    case 'c': if (EqualsLower<"critical">(s) || EqualsLower<"crit">(s)) return Severity::kCritical; break;
    case 'd': if (EqualsLower<"debug">(s)) return Severity::kDebug; break;
    case 'e':
      if (EqualsLower<"error">(s) || EqualsLower<"err">(s)) return Severity::kError;
      if (EqualsLower<"emergency">(s) || EqualsLower<"emerg">(s)) return Severity::kCritical;
      break;
    case 'f': if (EqualsLower<"fatal">(s)) return Severity::kCritical; break;
    case 'i': if (EqualsLower<"info">(s)) return Severity::kInfo; break;
    case 'n': if (EqualsLower<"notice">(s)) return Severity::kInfo; break;
    case 'o': if (EqualsLower<"ok">(s)) return Severity::kInfo; break;
    case 'r': if (EqualsLower<"recommendation">(s)) return Severity::kInfo; break;
    case 's': if (EqualsLower<"success">(s) || EqualsLower<"snapshot">(s)) return Severity::kInfo; break;
    case 't': if (EqualsLower<"trace">(s)) return Severity::kDebug; break;
    case 'u': if (EqualsLower<"user_update">(s)) return Severity::kInfo; break;
    case 'w': if (EqualsLower<"warning">(s) || EqualsLower<"warn">(s)) return Severity::kWarning; break;
    default: break;
  }
  return Severity::kUnknown;
}

Severity SeverityFromOtelText(std::string_view text) {
  LowerAsciiPrefix<kKeywordMax> lower(text);
  if (!lower.complete() || text.empty()) return Severity::kUnknown;
  std::string_view s = lower.view();
  // SeverityNumber's short names with a level digit: "INFO2", "ERROR3", "FATAL4".
  if (s.size() > 1 && s.back() >= '2' && s.back() <= '4' &&
      AnyOf(s.substr(0, s.size() - 1), {"trace", "debug", "info", "warn", "error", "fatal"})) {
    s.remove_suffix(1);
  }
  if (Severity d = SeverityFromDatadogStatus(s); d != Severity::kUnknown) return d;
  // Level names of common logging libraries (.NET, syslog, java.util.logging, Serilog, zap).
  if (AnyOf(s, {"information", "informational"})) return Severity::kInfo;
  if (AnyOf(s, {"verbose", "fine", "finer", "finest", "config"})) return Severity::kDebug;
  if (AnyOf(s, {"severe", "panic", "dpanic"})) return Severity::kError;
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
  if (!lower.complete() || label.empty()) return Severity::kUnknown;
  const std::string_view v = lower.view();
  switch (v[0]) {  // Only the keywords with this first letter are compared.
    case 'c': if (v == "critical") return Severity::kCritical; break;
    case 'd':
      if (v == "disaster") return Severity::kCritical;
      if (v == "debug") return Severity::kDebug;
      break;
    case 'e':
      if (v == "error") return Severity::kError;
      if (v == "emergency") return Severity::kCritical;
      break;
    case 'f': if (v == "fatal") return Severity::kCritical; break;
    case 'h': if (v == "high") return Severity::kError; break;
    case 'i': if (v == "info" || v == "informational") return Severity::kInfo; break;
    case 'l': if (v == "low") return Severity::kInfo; break;
    case 'm':
      if (v == "major") return Severity::kError;
      if (v == "medium") return Severity::kWarning;
      break;
    case 'n': if (v == "none") return Severity::kInfo; break;
    case 'p': if (v == "page") return Severity::kCritical; break;
    case 'w': if (v == "warning" || v == "warn") return Severity::kWarning; break;
    default: break;
  }
  return Severity::kUnknown;
}

}  // namespace quell::core
