// src/ingest/form_to_json.h
//
// FormToJson: a Datadog webhook sent with "Encode as form" (the webhook integration's
// `encode_as: form`) as the JSON object the webhook parser reads. Datadog then posts its payload's
// top-level keys as application/x-www-form-urlencoded fields instead of a JSON body:
//   title=%5BTriggered%5D+CPU+high&alert_transition=Triggered&date=1767225600000
// becomes
//   {"title":"[Triggered] CPU high","alert_transition":"Triggered","date":"1767225600000"}
// Rules (application/x-www-form-urlencoded): fields split on '&', name and value on the first
// '=' (none: the value is empty), '+' is a space, %XY a byte; empty fields are skipped; names
// and values become JSON strings, in order (a repeated name stays repeated: the parser's rule for
// repeated keys applies). A value that is a whole JSON object ("{...}", as a nested part of a
// custom payload arrives) is kept as that object, so `org={"id":1,"name":"acme"}` reads as the
// JSON payload's `org` would. Nothing else is interpreted: "[P1]" and "5" stay strings.
//
// A '%' not followed by two hex digits fails with its byte offset, as Go's url.ParseQuery does
// (WHATWG's parser would keep it as text; a sender that encodes never produces one).
// Bytes are not checked for UTF-8 here: the JSON parser rejects invalid UTF-8 with its offset in the
// transcoded body, which is what the dead letter keeps (readable, replayable as JSON).
//
// Thread-safety: a stateless function.
#ifndef QUELL_INGEST_FORM_TO_JSON_H_
#define QUELL_INGEST_FORM_TO_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace quell::ingest {

// True iff `content_type` names application/x-www-form-urlencoded (parameters and case ignored).
bool IsFormContentType(std::string_view content_type);

struct FormError {
  size_t offset = 0;     // Byte offset in the form body.
  std::string reason;    // "bad percent-escape \"%G1\"", "JSON exceeds N bytes".
};

// Appends the JSON object for `form` to `*json`. Fails (false, `*err` set) on a bad percent-escape
// or when the JSON would exceed `max_json` bytes.
bool FormToJson(std::string_view form, size_t max_json, std::string* json, FormError* err);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_FORM_TO_JSON_H_
