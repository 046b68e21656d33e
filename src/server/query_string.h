// src/server/query_string.h
//
// Request targets: the server splits each into its percent-decoded path and its raw query (then
// decoded into `HttpRequest::query` pairs with core::ParseQuery, core/url_encoding.h) before
// routing. Pure functions: thread-safe.
#ifndef QUELL_SERVER_QUERY_STRING_H_
#define QUELL_SERVER_QUERY_STRING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/url_encoding.h"

namespace quell::server {

// Splits a request target "/p/a?x=1" into path "/p/a" (percent-decoded) and raw query "x=1".
void SplitTarget(std::string_view target, std::string* path, std::string_view* raw_query);

}  // namespace quell::server

#endif  // QUELL_SERVER_QUERY_STRING_H_
