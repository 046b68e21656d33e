// src/sinks/http_outcome.h
//
// The shared mapping from an HTTP exchange to a DeliveryOutcome (receiver.h), used by every HTTP
// receiver so their retry behaviour agrees:
//   no response (connect error, reset, timeout)  Unavailable
//   2xx                                          OK
//   408, 5xx                                     Unavailable (Retry-After honoured when present)
//   429                                          ResourceExhausted (Retry-After honoured)
//   401, 403                                     PermissionDenied (permanent)
//   404, 410                                     NotFound (permanent)
//   other 4xx                                    InvalidArgument (permanent)
//   3xx                                          InvalidArgument (permanent): HttpClient already
//                                                followed 307/308; 301/302/303 are not followed
//                                                (they would drop the body), nor are more than
//                                                kMaxRedirects redirects
// Messages read "<type> receiver \"<name>\": HTTP 503" or "...: transport: Couldn't connect to
// server"; never a URL, header or body.
#ifndef QUELL_SINKS_HTTP_OUTCOME_H_
#define QUELL_SINKS_HTTP_OUTCOME_H_

#include <string_view>

#include "core/event_time.h"
#include "sinks/http_client.h"
#include "sinks/receiver.h"

namespace quell::sinks {

DeliveryOutcome OutcomeFromHttp(const HttpResult& r, std::string_view type, std::string_view name,
                                core::WallTime now);

// Truncates `s` to at most `max_chars` Unicode code points, ending in "…" when cut. Never splits a
// UTF-8 sequence.
std::string TruncateUtf8(std::string_view s, size_t max_chars);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_HTTP_OUTCOME_H_
