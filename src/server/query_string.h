// src/server/query_string.h
//
// URL query strings and percent-decoding (RFC 3986, with HTML forms' '+' as space in queries).
// The server splits the request target into path and query with these before routing, so every
// handler sees decoded `HttpRequest::query` pairs. Pure functions: thread-safe.
#ifndef QUELL_SERVER_QUERY_STRING_H_
#define QUELL_SERVER_QUERY_STRING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quell::server {

// Percent-decodes `in`; with `plus_is_space`, '+' becomes ' '. A malformed escape ("%zz", a
// trailing "%") is kept literally rather than rejected, as most servers do.
std::string UrlDecode(std::string_view in, bool plus_is_space);

// Splits "a=1&b=x%20y&flag" into {{"a","1"},{"b","x y"},{"flag",""}} in order; empty pieces are
// skipped. Appends to `*out`.
void ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out);

// Splits a request target "/p/a?x=1" into path "/p/a" (percent-decoded) and raw query "x=1".
void SplitTarget(std::string_view target, std::string* path, std::string_view* raw_query);

}  // namespace quell::server

#endif  // QUELL_SERVER_QUERY_STRING_H_
