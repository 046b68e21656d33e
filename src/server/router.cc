// src/server/router.cc
#include "server/router.h"

#include <utility>

#include "core/json_writer.h"
#include "fmt/format.h"

namespace quell::server {
namespace {

// Splits "/a/b/" into {"a","b"}: leading, trailing and doubled slashes are insignificant.
template <typename F>
void ForEachSegment(std::string_view path, F&& f) {
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (!f(path.substr(i, j - i))) return;
    i = j;
  }
}

}  // namespace

core::HttpResponse JsonError(int status, std::string_view message) {
  std::string body = "{\"error\":";
  core::JsonWriter::AppendEscapedTo(&body, message);
  body += "}";
  return core::HttpResponse::Json(status, std::move(body));
}

absl::Status Router::Route(std::string_view method, std::string_view pattern, core::HttpHandler handler,
                           RouteOptions options, core::HttpRefusalHandler on_refusal) {
  if (method.empty()) return absl::InvalidArgumentError(fmt::format("router: empty method for {}", pattern));
  if (pattern.empty() || pattern.front() != '/') {
    return absl::InvalidArgumentError(fmt::format("router: pattern \"{}\" must start with '/'", pattern));
  }
  if (!handler) return absl::InvalidArgumentError(fmt::format("router: null handler for {} {}", method, pattern));
  Entry e;
  e.method = std::string(method);
  e.pattern = std::string(pattern);
  e.handler = std::move(handler);
  e.options = options;
  e.on_refusal = std::move(on_refusal);
  absl::Status status;
  ForEachSegment(pattern, [&](std::string_view seg) {
    Segment s;
    bool open = seg.find('{') != std::string_view::npos, close = seg.find('}') != std::string_view::npos;
    if (open || close) {
      if (seg.size() < 3 || seg.front() != '{' || seg.back() != '}' ||
          seg.substr(1, seg.size() - 2).find_first_of("{}") != std::string_view::npos) {
        status = absl::InvalidArgumentError(
            fmt::format("router: pattern \"{}\": bad capture segment \"{}\" (use {{name}})", pattern, seg));
        return false;
      }
      s.capture = true;
      s.text = std::string(seg.substr(1, seg.size() - 2));
      for (const Segment& prev : e.segments) {
        if (prev.capture && prev.text == s.text) {
          status = absl::InvalidArgumentError(
              fmt::format("router: pattern \"{}\": capture {{{}}} appears twice", pattern, s.text));
          return false;
        }
      }
    } else {
      s.text = std::string(seg);
    }
    e.segments.push_back(std::move(s));
    return true;
  });
  if (!status.ok()) return status;
  for (const Entry& other : routes_) {
    if (other.method != e.method || other.segments.size() != e.segments.size()) continue;
    bool same = true;
    for (size_t i = 0; i < e.segments.size() && same; ++i) {
      const Segment& a = e.segments[i];
      const Segment& b = other.segments[i];
      same = a.capture == b.capture && (a.capture || a.text == b.text);
    }
    if (same) {
      return absl::InvalidArgumentError(
          fmt::format("router: {} {} conflicts with {} {}", method, pattern, other.method, other.pattern));
    }
  }
  routes_.push_back(std::move(e));
  return absl::OkStatus();
}

int Router::MatchScore(const Entry& e, std::string_view path) {
  size_t i = 0;
  int score = 0;
  bool ok = true;
  ForEachSegment(path, [&](std::string_view seg) {
    if (i >= e.segments.size()) {
      ok = false;
      return false;
    }
    const Segment& s = e.segments[i++];
    if (s.capture) return true;
    if (s.text != seg) {
      ok = false;
      return false;
    }
    ++score;
    return true;
  });
  if (!ok || i != e.segments.size()) return -1;
  return score;
}

const Router::Entry* Router::Find(std::string_view method, std::string_view path, std::string* allow) const {
  auto find = [&](std::string_view m) {
    const Entry* best = nullptr;
    int best_score = -1;
    allow->clear();
    for (const Entry& e : routes_) {
      int score = MatchScore(e, path);
      if (score < 0) continue;
      if (e.method != m) {
        if (allow->find(e.method) == std::string::npos) {
          if (!allow->empty()) *allow += ", ";
          *allow += e.method;
        }
        continue;
      }
      if (score > best_score) {
        best = &e;
        best_score = score;
      }
    }
    return best;
  };
  const Entry* best = find(method);
  // HEAD is served by the GET route (the server sends the header without the body: RFC 9110 9.3.2).
  if (best == nullptr && method == "HEAD") best = find("GET");
  return best;
}

std::optional<core::HttpResponse> Router::Refuse(const core::HttpRequest& req, const core::HttpRefusal& refusal) const {
  std::string allow;
  const Entry* route = Find(req.method, req.path, &allow);
  if (route == nullptr || !route->on_refusal) return std::nullopt;
  return route->on_refusal(req, refusal);
}

core::HttpResponse Router::Handle(core::HttpRequest* req) const {
  std::string allow;
  const Entry* best = Find(req->method, req->path, &allow);
  if (best == nullptr) {
    if (allow.empty()) return JsonError(404, fmt::format("not found: {}", req->path));
    core::HttpResponse r = JsonError(405, fmt::format("method not allowed: {} {}", req->method, req->path));
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
  }
  req->path_params.clear();
  size_t i = 0;
  ForEachSegment(req->path, [&](std::string_view seg) {
    const Segment& s = best->segments[i++];
    if (s.capture) req->path_params.emplace_back(s.text, std::string(seg));
    return true;
  });
  if (middleware_) return middleware_(*req, MatchedRoute{best->pattern, best->options}, best->handler);
  return best->handler(*req);
}

void Router::SetMiddleware(Middleware middleware) { middleware_ = std::move(middleware); }

std::vector<std::string> Router::ListRoutes() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const Entry& e : routes_) out.push_back(fmt::format("{} {}", e.method, e.pattern));
  return out;
}

}  // namespace quell::server
