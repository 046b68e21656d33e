// src/core/url_encoding.h
//
// Percent-decoding (RFC 3986) and application/x-www-form-urlencoded pairs, shared by the HTTP
// server (request targets and query strings) and the intake (form-encoded Datadog webhooks,
// ingest/form_to_json.h). A malformed escape ("%zz", a trailing "%") is kept as text, as the
// WHATWG URL standard's form parser and most servers do. Pure functions: thread-safe.
#ifndef QUELL_CORE_URL_ENCODING_H_
#define QUELL_CORE_URL_ENCODING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quell::core {

// Percent-decodes `in`; with `plus_is_space`, '+' becomes ' ' (query strings and forms).
std::string UrlDecode(std::string_view in, bool plus_is_space);

// Splits "a=1&b=x%20y&flag" into {{"a","1"},{"b","x y"},{"flag",""}} in order (names and values
// decoded, '+' as space; a name without '=' has an empty value); empty pieces are skipped.
// Appends to `*out`.
void ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out);

}  // namespace quell::core

#endif  // QUELL_CORE_URL_ENCODING_H_
