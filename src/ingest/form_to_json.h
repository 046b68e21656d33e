// src/ingest/form_to_json.h
//
// FormToJson: a Datadog webhook sent with "Encode as form" (the webhook integration's
// `encode_as: form`) as the JSON object the webhook parser reads. Datadog then posts its payload's
// top-level keys as application/x-www-form-urlencoded fields instead of a JSON body:
//   title=%5BTriggered%5D+CPU+high&alert_transition=Triggered&date=1767225600000
// becomes
//   {"title":"[Triggered] CPU high","alert_transition":"Triggered","date":"1767225600000"}
// Fields are split and decoded by core::ParseQuery (core/url_encoding.h: '+' is a space, %XY a
// byte, a malformed escape kept as text, empty fields skipped, a name without '=' has an empty
// value). Names and values become JSON strings, in order (a repeated name stays repeated: the
// parser's rule for repeated keys applies). A value that is a whole JSON object ("{...}", as a
// nested part of a custom payload arrives) is kept as that object, so `org={"id":1,"name":"acme"}`
// reads as the JSON payload's `org` would. Nothing else is interpreted: "[P1]" and "5" stay strings.
// Bytes are not checked for UTF-8 here: the JSON parser rejects invalid UTF-8 with its offset in the
// transcoded body.
//
// Thread-safety: a stateless function.
#ifndef QUELL_INGEST_FORM_TO_JSON_H_
#define QUELL_INGEST_FORM_TO_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace quell::ingest {

// Appends the JSON object for `form` to `*json`. Returns false, appending nothing, when the JSON
// would exceed `max_json` bytes.
bool FormToJson(std::string_view form, size_t max_json, std::string* json);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_FORM_TO_JSON_H_
