// src/core/http_message.h
//
// Transport-neutral HTTP request/response. src/server/ owns the listener (Boost.Beast) and turns
// wire messages into these; handlers in ingest/ (intake), correlate/-facing APIs and sinks/ see
// only these structs, so they never include Beast and are unit-testable without sockets.
// Bodies arrive already decoded (Content-Encoding gzip/deflate/zstd undone, chunked reassembled).
#ifndef QUELL_CORE_HTTP_MESSAGE_H_
#define QUELL_CORE_HTTP_MESSAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/strings.h"

namespace quell::core {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // "/api/v2/alerts" (no query).
  std::vector<std::pair<std::string, std::string>> query;    // Decoded, in order.
  std::vector<std::pair<std::string, std::string>> headers;  // As received.
  std::vector<std::pair<std::string, std::string>> path_params;  // "{id}" captures from the route.
  // Decoded, with spare capacity for simdjson's padding. `mutable` so that the handler that
  // consumes it can take it without a copy (TakeBody): a request is handled once, by one handler,
  // and nothing reads the body after it.
  mutable std::string body;
  // Moves the body out (the request's body is empty afterwards), keeping its capacity.
  std::shared_ptr<const std::string> TakeBody() const { return std::make_shared<const std::string>(std::move(body)); }
  std::string remote;                                        // "127.0.0.1:54321".

  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return {};
  }
  // First value of a query parameter; empty when absent.
  std::string_view Query(std::string_view name) const {
    for (const auto& [k, v] : query) {
      if (k == name) return v;
    }
    return {};
  }
  bool HasQuery(std::string_view name) const {
    for (const auto& [k, v] : query) {
      if (k == name) return true;
    }
    return false;
  }
  std::string_view PathParam(std::string_view name) const {
    for (const auto& [k, v] : path_params) {
      if (k == name) return v;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers (Retry-After, ...).
  std::string body;

  static HttpResponse Json(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static HttpResponse Text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
  }
};

// A handler is called on a server I/O thread; it must not block for long.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Why the server refused a request after reading its header but before any handler could run
// (src/server/http_server.h): the body could not be read or decoded.
enum class HttpRefusalKind : uint8_t {
  kTooLarge,             // 413: the body, on the wire or decoded, is over the server's max_body_bytes.
  kBadEncoding,          // 400: a corrupt or truncated gzip/deflate/zstd body, or data after it.
  kUnsupportedEncoding,  // 415: a Content-Encoding the server does not decode (br, snappy, lists).
  kMalformed,            // 400: the body's framing is broken (a bad chunk) after a good header.
  kTimeout,              // 408: the body did not arrive within the server's read_timeout.
};

struct HttpRefusal {
  int status = 400;  // What the server answers: 400, 408, 413 or 415.
  HttpRefusalKind kind = HttpRefusalKind::kMalformed;
  std::string_view message;  // "content-encoding: gzip: ..."; never quotes body bytes.
};

// Answers a request the server refused (a route's refusal handler: server::Router::Route), so that
// the endpoint can count it and answer in the shape of its own errors. `req` has the method, path,
// query, headers and remote address; its body is empty. Keeps refusal.status. Called on a server
// I/O thread.
using HttpRefusalHandler = std::function<HttpResponse(const HttpRequest& req, const HttpRefusal& refusal)>;

}  // namespace quell::core

#endif  // QUELL_CORE_HTTP_MESSAGE_H_
