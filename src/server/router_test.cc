#include "server/router.h"

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/query_string.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

core::HttpHandler Reply(std::string text) {
  return [text](const core::HttpRequest&) { return core::HttpResponse::Text(200, text); };
}

core::HttpRequest Req(std::string method, std::string path) {
  core::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(RouterTest, RoutesLiteralsAndCaptures) {
  Router router;
  ASSERT_THAT(router.Route("GET", "/api/v2/silences", Reply("list")), IsOk());
  ASSERT_THAT(router.Route("GET", "/api/v2/silence/{id}", [](const core::HttpRequest& r) {
    return core::HttpResponse::Text(200, std::string(r.PathParam("id")));
  }), IsOk());
  ASSERT_THAT(router.Route("DELETE", "/api/v2/silence/{id}", Reply("deleted")), IsOk());

  auto r1 = Req("GET", "/api/v2/silences");
  EXPECT_EQ(router.Handle(&r1).body, "list");
  auto r2 = Req("GET", "/api/v2/silence/abc-123");
  EXPECT_EQ(router.Handle(&r2).body, "abc-123");
  EXPECT_THAT(r2.path_params, ElementsAre(Pair("id", "abc-123")));
  auto r3 = Req("DELETE", "/api/v2/silence/abc-123/");  // Trailing slash is insignificant.
  EXPECT_EQ(router.Handle(&r3).body, "deleted");
}

TEST(RouterTest, LiteralBeatsCapture) {
  Router router;
  ASSERT_THAT(router.Route("GET", "/api/v2/alerts/{id}", Reply("one")), IsOk());
  ASSERT_THAT(router.Route("GET", "/api/v2/alerts/groups", Reply("groups")), IsOk());
  auto r = Req("GET", "/api/v2/alerts/groups");
  EXPECT_EQ(router.Handle(&r).body, "groups");
  auto r2 = Req("GET", "/api/v2/alerts/x");
  EXPECT_EQ(router.Handle(&r2).body, "one");
}

TEST(RouterTest, NotFoundAndMethodNotAllowedAreJson) {
  Router router;
  ASSERT_THAT(router.Route("POST", "/api/v2/alerts", Reply("ok")), IsOk());
  ASSERT_THAT(router.Route("GET", "/api/v2/alerts", Reply("ok")), IsOk());
  auto r = Req("GET", "/nope");
  core::HttpResponse res = router.Handle(&r);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"error":"not found: /nope"})");

  auto r2 = Req("DELETE", "/api/v2/alerts");
  res = router.Handle(&r2);
  EXPECT_EQ(res.status, 405);
  EXPECT_THAT(res.body, HasSubstr("method not allowed: DELETE /api/v2/alerts"));
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Allow");
  EXPECT_EQ(res.headers[0].second, "POST, GET");

  auto r3 = Req("GET", "/api/v2/alerts/extra");
  EXPECT_EQ(router.Handle(&r3).status, 404);
}

TEST(RouterTest, HeadIsServedByTheGetRouteUnlessItHasItsOwn) {
  Router router;
  ASSERT_THAT(router.Route("GET", "/healthz", Reply("get")), IsOk());
  ASSERT_THAT(router.Route("GET", "/metrics", Reply("get")), IsOk());
  ASSERT_THAT(router.Route("HEAD", "/metrics", Reply("head")), IsOk());
  ASSERT_THAT(router.Route("POST", "/api/v2/alerts", Reply("post")), IsOk());
  auto a = Req("HEAD", "/healthz");
  EXPECT_EQ(router.Handle(&a).body, "get");
  auto b = Req("HEAD", "/metrics");
  EXPECT_EQ(router.Handle(&b).body, "head");
  auto c = Req("HEAD", "/api/v2/alerts");
  core::HttpResponse res = router.Handle(&c);
  EXPECT_EQ(res.status, 405);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "POST");
}

TEST(RouterTest, RejectsBadPatternsAndConflicts) {
  Router router;
  EXPECT_THAT(router.Route("GET", "no-slash", Reply("")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(router.Route("GET", "/a/{}", Reply("")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(router.Route("GET", "/a/x{id}", Reply("")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(router.Route("GET", "/a/{id}/{id}", Reply("")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
  EXPECT_THAT(router.Route("", "/a", Reply("")), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(router.Route("GET", "/a/{x}", Reply("")), IsOk());
  EXPECT_THAT(router.Route("GET", "/a/{y}", Reply("")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conflicts with GET /a/{x}")));
  EXPECT_THAT(router.Route("POST", "/a/{y}", Reply("")), IsOk());
  EXPECT_THAT(router.ListRoutes(), ElementsAre("GET /a/{x}", "POST /a/{y}"));
}

// The middleware sees the matched route's pattern and options (the app makes state-changing
// writes durable by them).
TEST(RouterTest, MiddlewareSeesTheMatchedRouteAndItsOptions) {
  Router r;
  auto ok = [](const core::HttpRequest&) { return core::HttpResponse::Json(200, "{}"); };
  ASSERT_TRUE(r.Route("POST", "/api/v1/incidents/{id}/ack", ok, {.changes_state = true}).ok());
  ASSERT_TRUE(r.Route("GET", "/api/v1/incidents/{id}", ok).ok());
  std::vector<std::string> seen;
  r.SetMiddleware([&](const core::HttpRequest& req, const MatchedRoute& route, const core::HttpHandler& next) {
    seen.push_back(fmt::format("{} {} {}", req.method, route.pattern, route.options.changes_state));
    return next(req);
  });
  for (const char* method : {"POST", "GET"}) {
    core::HttpRequest req;
    req.method = method;
    req.path = std::string(method) == "POST" ? "/api/v1/incidents/7/ack" : "/api/v1/incidents/7";
    EXPECT_EQ(r.Handle(&req).status, 200);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"POST /api/v1/incidents/{id}/ack true", "GET /api/v1/incidents/{id} false"}));
}

// A request the server refused before its handler is answered by the refusal handler of the route
// it would have reached (an intake endpoint counts it and answers in its own error shape); without
// one, or without a route, the server answers itself (nullopt). The middleware is not involved.
TEST(RouterTest, RefusalsGoToTheRefusalHandlerOfTheMatchedRoute) {
  Router r;
  std::vector<std::string> seen;
  auto refused = [&](const core::HttpRequest& req, const core::HttpRefusal& f) {
    seen.push_back(fmt::format("{} {} {} {}", req.method, req.path, f.status, f.message));
    return core::HttpResponse::Json(f.status, "{\"errors\":[]}");
  };
  ASSERT_THAT(r.Route("POST", "/api/v2/logs", Reply("logs"), {}, refused), IsOk());
  ASSERT_THAT(r.Route("GET", "/feed/{id}", Reply("feed"), {}, refused), IsOk());
  ASSERT_THAT(r.Route("POST", "/echo", Reply("echo")), IsOk());
  int middleware_calls = 0;
  r.SetMiddleware([&](const core::HttpRequest& req, const MatchedRoute&, const core::HttpHandler& next) {
    ++middleware_calls;
    return next(req);
  });
  const core::HttpRefusal corrupt{400, core::HttpRefusalKind::kBadEncoding, "content-encoding: gzip: corrupt"};
  std::optional<core::HttpResponse> logs = r.Refuse(Req("POST", "/api/v2/logs/"), corrupt);
  ASSERT_TRUE(logs.has_value());
  EXPECT_EQ(logs->status, 400);
  EXPECT_EQ(logs->body, "{\"errors\":[]}");
  EXPECT_TRUE(r.Refuse(Req("HEAD", "/feed/7"), {408, core::HttpRefusalKind::kTimeout, "request timeout"}).has_value());
  EXPECT_FALSE(r.Refuse(Req("POST", "/echo"), corrupt).has_value());      // No refusal handler.
  EXPECT_FALSE(r.Refuse(Req("GET", "/api/v2/logs"), corrupt).has_value());  // Not this method.
  EXPECT_FALSE(r.Refuse(Req("POST", "/nowhere"), corrupt).has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"POST /api/v2/logs/ 400 content-encoding: gzip: corrupt",
                                            "HEAD /feed/7 408 request timeout"}));
  EXPECT_EQ(middleware_calls, 0);
}

TEST(QueryStringTest, DecodesPairsInOrder) {
  std::vector<std::pair<std::string, std::string>> q;
  core::ParseQuery("ddtags=env%3Aprod%2Cteam%3Ax&flag&&a=b+c&a=2&bad=%zz%", &q);
  EXPECT_THAT(q, ElementsAre(Pair("ddtags", "env:prod,team:x"), Pair("flag", ""), Pair("a", "b c"), Pair("a", "2"),
                             Pair("bad", "%zz%")));
}

TEST(QueryStringTest, SplitsTarget) {
  std::string path;
  std::string_view raw;
  SplitTarget("/api/v2/silence/a%20b?x=1#frag", &path, &raw);
  EXPECT_EQ(path, "/api/v2/silence/a b");
  EXPECT_EQ(raw, "x=1");
  SplitTarget("/plain", &path, &raw);
  EXPECT_EQ(path, "/plain");
  EXPECT_EQ(raw, "");
  EXPECT_EQ(core::UrlDecode("a+b", false), "a+b");
}

}  // namespace
}  // namespace quell::server
