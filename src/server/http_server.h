// src/server/http_server.h
//
// HttpServer: Quell's one HTTP/1.1 listener (Boost.Beast over Asio; ADR 0020). It serves every
// route registered in a server::Router: intake endpoints, the Alertmanager-compatible API, gates,
// /metrics. Handlers see only core::HttpRequest/HttpResponse, never Beast types.
//
// What it does before a handler runs:
//   - keep-alive and pipelining: requests on one connection are handled one at a time, in order,
//     and answered in order (bytes of later pipelined requests wait in the connection's buffer);
//   - chunked request bodies are reassembled; `Expect: 100-continue` gets "100 Continue" once the
//     header passed its checks (a too-large Content-Length gets 413 instead and no body is read);
//   - `Content-Encoding: gzip | deflate | zstd` bodies are decoded (core::HttpRequest::body is the decoded
//     body, with >= 64 spare bytes of capacity for simdjson); other encodings get 415;
//   - limits: wire and decoded body over max_body_bytes -> 413 and close; header over
//     max_header_bytes -> 431 and close; malformed HTTP -> 400 and close;
//   - slow clients: a request whose header (header_timeout) or body (read_timeout) does not arrive in
//     time gets 408 and the connection is closed; an idle keep-alive connection is closed silently
//     after idle_timeout;
//   - a refusal after the header was read (413, a 400 for a corrupt encoding or a broken chunk, 415,
//     408 for a slow body) is answered by the matched route's refusal handler when it has one
//     (Router::Refuse: an intake endpoint counts it and answers in its own error shape), else by
//     the server;
//   - query strings are split and URL-decoded into HttpRequest::query; path_params come from the route;
//   - with `server.tls` set, every connection speaks TLS (1.2 or 1.3, OpenSSL through Asio): the
//     handshake must finish within header_timeout; with client_ca_file, clients without a
//     certificate signed by those CAs are refused in the handshake (mutual TLS).
//
// Threading: Start/Stop from one controlling thread. Handlers run on the `io_threads` I/O threads,
// concurrently across connections. stats() may be read from any thread at any time.
//
// Lifetimes: `*router` must outlive the server and must not change after Start().
// Stop() is graceful: it stops accepting, closes idle connections, lets in-flight requests finish
// and answer (with Connection: close) for up to shutdown_grace, then closes the rest and joins the
// I/O threads. The destructor calls Stop().
#ifndef QUELL_SERVER_HTTP_SERVER_H_
#define QUELL_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "server/router.h"
#include "server/server_config.h"

namespace quell::server {

// Counters since Start(); each is monotonic except connections_active.
struct HttpServerStats {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_active{0};
  std::atomic<uint64_t> requests_total{0};          // Requests whose header was read.
  std::atomic<uint64_t> responses_2xx{0};
  std::atomic<uint64_t> responses_4xx{0};           // Including the server's own 400/408/413/415/431.
  std::atomic<uint64_t> responses_5xx{0};
  std::atomic<uint64_t> responses_other{0};         // 1xx (other than 100 Continue) and 3xx.
  std::atomic<uint64_t> body_bytes_received{0};     // Wire (possibly compressed) body bytes.
  std::atomic<uint64_t> body_bytes_decoded{0};      // After Content-Encoding.
  std::atomic<uint64_t> rejected_too_large{0};      // 413 by the server (wire or decoded).
  std::atomic<uint64_t> rejected_bad_request{0};    // 400 malformed HTTP or corrupt encoding.
  std::atomic<uint64_t> rejected_unsupported_encoding{0};  // 415.
  std::atomic<uint64_t> timeouts{0};                // 408 sent (or the connection closed) on a slow request.
  std::atomic<uint64_t> continue_sent{0};           // "100 Continue" interim responses.
  std::atomic<uint64_t> handler_exceptions{0};      // A handler threw (a bug); answered 500.
  std::atomic<uint64_t> tls_handshake_failures{0};  // TLS only: handshake failed or timed out.
};

class HttpServerImpl;  // http_server.cc

class HttpServer {
 public:
  HttpServer(ServerConfig config, const Router* router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads. Errors: Unavailable "http server: listen 127.0.0.1:9797: ..."
  // when the address cannot be bound; InvalidArgument when the TLS certificate or key cannot be
  // loaded or do not match; FailedPrecondition when already started.
  [[nodiscard]] absl::Status Start();
  // The bound port (the ephemeral one when config.port == 0). REQUIRES: Start() succeeded.
  uint16_t port() const;
  // Graceful stop (see above). Idempotent; safe to call when never started.
  void Stop();

  const HttpServerStats& stats() const;
  const ServerConfig& config() const;

 private:
  std::unique_ptr<HttpServerImpl> impl_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_HTTP_SERVER_H_
