// src/sinks/http_outcome.cc
#include "sinks/http_outcome.h"

#include "fmt/format.h"
#include "sinks/retry_policy.h"

namespace quell::sinks {

DeliveryOutcome OutcomeFromHttp(const HttpResult& r, std::string_view type, std::string_view name,
                                core::WallTime now) {
  DeliveryOutcome o;
  if (!r.transport_ok) {
    o.status = absl::UnavailableError(
        fmt::format("{} receiver \"{}\": transport: {}", type, name, r.transport_error));
    return o;
  }
  if (r.status >= 200 && r.status < 300) return o;
  if (auto ra = ParseRetryAfter(r.retry_after, now)) o.retry_after = *ra;
  std::string msg = fmt::format("{} receiver \"{}\": HTTP {}", type, name, r.status);
  if (r.status >= 300 && r.status < 400) {
    // HttpClient follows 307/308 (at most kMaxRedirects); what reaches here was not followed.
    msg += r.status == 307 || r.status == 308
               ? fmt::format(" (redirect not followed: more than {} redirects or an unusable Location)", kMaxRedirects)
               : std::string(" (redirect not followed: only 307 and 308 keep the POST body)");
  }
  if (r.status == 429) {
    o.status = absl::ResourceExhaustedError(msg);
  } else if (r.status == 408 || r.status >= 500) {
    o.status = absl::UnavailableError(msg);
  } else if (r.status == 401 || r.status == 403) {
    o.status = absl::PermissionDeniedError(msg);
  } else if (r.status == 404 || r.status == 410) {
    o.status = absl::NotFoundError(msg);
  } else {
    o.status = absl::InvalidArgumentError(msg);
  }
  return o;
}

std::string TruncateUtf8(std::string_view s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++chars;
  }
  if (chars <= max_chars) return std::string(s);
  if (max_chars == 0) return "";
  size_t keep = max_chars - 1, seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == keep) break;
      ++seen;
    }
  }
  std::string out(s.substr(0, i));
  out.append("\xE2\x80\xA6");  // U+2026 HORIZONTAL ELLIPSIS.
  return out;
}

}  // namespace quell::sinks
