// src/server/router.h
//
// Router: maps (method, path) to a core::HttpHandler. Patterns are absolute paths whose segments
// are literals or "{name}" captures, e.g. "/api/v2/silence/{id}"; a capture matches one non-empty
// segment and lands in HttpRequest::path_params. Literal segments win over captures when both
// match ("/api/v2/alerts/groups" beats "/api/v2/alerts/{id}"). A trailing slash is insignificant.
//
// Unmatched requests get JSON errors: 404 {"error":"not found: /x"} when no pattern matches the
// path, 405 {"error":"method not allowed: DELETE /x"} with an Allow header when the path matches
// under other methods. A HEAD request without a HEAD route is handled by the GET route (the
// server then sends the response header only).
//
// Usage (in src/app/, before HttpServer::Start):
//   server::Router router;
//   QUELL_RETURN_IF_ERROR(router.Route("GET", "/api/v2/silence/{id}", [&](const core::HttpRequest& r) {
//     return silences.Get(r.PathParam("id"));
//   }));
//
// Threading: register every route before the server starts; after that Handle() may be called
// concurrently from every I/O thread (it only reads). Handlers run on I/O threads and must not
// block for long; they must be thread-safe themselves.
#ifndef QUELL_SERVER_ROUTER_H_
#define QUELL_SERVER_ROUTER_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/http_message.h"

namespace quell::server {

// What a route is, beyond its handler, for the middleware.
struct RouteOptions {
  // A write that changes the correlation or deploy-gate state (a deployment, a gate override, an
  // incident ack): the app makes the state durable before the answer leaves (Runtime::Middleware).
  bool changes_state = false;
};

// The route a request matched, as the middleware sees it.
struct MatchedRoute {
  std::string_view pattern;  // "/api/v2/silence/{id}"
  RouteOptions options;
};

class Router {
 public:
  // Adds a route. Errors (InvalidArgument): empty method, a pattern not starting with '/', an
  // empty or malformed capture ("{", "{}"), the same capture name twice, or the same method and
  // pattern shape registered twice ("/a/{x}" and "/a/{y}" are the same shape).
  // `on_refusal`, when set, answers the requests to this route that the server refuses before the
  // handler could run (a body over the limit, a corrupt or unknown Content-Encoding, a broken chunk,
  // a body timeout: core::HttpRefusal), so the endpoint counts them and shapes the error as its own;
  // without it the server answers those itself.
  [[nodiscard]] absl::Status Route(std::string_view method, std::string_view pattern, core::HttpHandler handler,
                                   RouteOptions options = {}, core::HttpRefusalHandler on_refusal = nullptr);

  // Routes `*req` (its method and decoded path): sets req->path_params and calls the handler, or
  // answers 404/405 as above. Never throws on its own; a handler that throws is a bug.
  core::HttpResponse Handle(core::HttpRequest* req) const;

  // The answer to a request the server refused (`req`: method, path, headers; no body) from the
  // refusal handler of the route `req` would be routed to, or nullopt when that route has none (or
  // no route matches) and the server answers for itself. The middleware is not called: no handler
  // runs and no body was read. Safe to call concurrently, as Handle().
  std::optional<core::HttpResponse> Refuse(const core::HttpRequest& req, const core::HttpRefusal& refusal) const;

  // "GET /api/v2/alerts" lines in registration order (docs, debugging).
  std::vector<std::string> ListRoutes() const;

  // Middleware wraps every matched route (404/405 answers bypass it): it receives the request
  // (path_params filled), the matched route (its pattern and options) and the route's handler,
  // and decides whether and how to call it. The app uses it for API token scopes, the audit log
  // and durable state writes. Set before the server starts; at most one.
  using Middleware = std::function<core::HttpResponse(const core::HttpRequest& req, const MatchedRoute& route,
                                                      const core::HttpHandler& next)>;
  void SetMiddleware(Middleware middleware);
  size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // Literal text, or the capture name.
    bool capture = false;
  };
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    core::HttpHandler handler;
    RouteOptions options;
    core::HttpRefusalHandler on_refusal;  // May be empty.
  };
  // The route for `method` and `path` (HEAD falls back to GET), or nullptr; *allow collects the
  // other methods the path has (for 405).
  const Entry* Find(std::string_view method, std::string_view path, std::string* allow) const;
  // Number of literal segments matched (higher is more specific), or -1 when `path` does not match.
  static int MatchScore(const Entry& e, std::string_view path);
  std::vector<Entry> routes_;
  Middleware middleware_;
};

// JSON error body {"error":"<message>"} with `message` escaped; the shape of every error the
// server itself produces (404, 405, 408, 413, 415, 400).
core::HttpResponse JsonError(int status, std::string_view message);

}  // namespace quell::server

#endif  // QUELL_SERVER_ROUTER_H_
