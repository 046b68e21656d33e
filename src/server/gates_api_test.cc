#include "server/gates_api.h"

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/yaml_node.h"
#include "correlate/gates/traffic_simulator.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::testing::HasSubstr;

const core::EventTime kT0 = core::EventTime::FromUnixNanos(1767225600LL * 1000000000LL);

gates::GatesConfig Config() {
  auto root = core::YamlNode::LoadString(R"(
gates:
  - name: checkout
    service: checkout
    env: prod
    min_samples: 100
    min_duration: 1m
)",
                                         "test.yaml");
  return *gates::ParseGatesConfig(*root);
}

// Every answer must be a JSON document with a string `verdict` (Argo counts non-JSON as success).
std::string VerdictOf(const core::HttpResponse& r) {
  EXPECT_EQ(r.content_type, "application/json");
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(padded).get(root), simdjson::SUCCESS) << r.body;
  std::string_view v;
  EXPECT_EQ(root["verdict"].get_string().get(v), simdjson::SUCCESS) << r.body;
  return std::string(v);
}

core::HttpRequest Get(std::string service, std::vector<std::pair<std::string, std::string>> query = {}) {
  core::HttpRequest r;
  r.method = "GET";
  r.path = "/api/v1/gates/" + service;
  r.path_params = {{"service", service}};
  r.query = std::move(query);
  return r;
}

core::HttpRequest Post(std::string path, std::string body) {
  core::HttpRequest r;
  r.method = "POST";
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

class GatesApiTest : public ::testing::Test {
 protected:
  GatesApiTest() : clock_(core::WallTime::FromUnixNanos(kT0.unix_nanos())), evaluator_(Config(), {}, nullptr) {}

  // Registers blue v1 and green v2 via the API and feeds `error_rate` traffic for 2 minutes.
  void Deploy(double green_error_rate) {
    ASSERT_EQ(api_.PostDeployment(Post("/api/v1/deployments",
                                       R"({"service":"checkout","env":"prod","version":"v1","color":"blue",
                                           "started_at":"2025-12-31T23:00:00Z"})"))
                  .status,
              200);
    auto r = api_.PostDeployment(Post("/api/v1/deployments",
                                      R"({"service":"checkout","env":"prod","version":"v2","color":"green"})"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.body, HasSubstr("\"id\":\"checkout/prod/v2@2026-01-01T00:00:00Z\""));
    gates::TrafficSimulator sim(21);
    gates::TrafficSpec blue, green;
    blue.version = "v1";
    blue.color = core::DeployColor::kBlue;
    green.version = "v2";
    green.color = core::DeployColor::kGreen;
    green.error_rate = green_error_rate;
    core::SignalBatch batch;
    for (absl::Duration t; t < absl::Minutes(2); t += absl::Seconds(10)) {
      batch.Clear();
      sim.Generate(blue, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
      sim.Generate(green, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
      evaluator_.Observe(batch);
    }
    evaluator_.AdvanceTo(kT0 + absl::Minutes(2));
  }

  core::ManualClock clock_;
  gates::GateEvaluator evaluator_;
  std::vector<core::Deployment> fanned_out_;
  std::vector<std::string> overrides_;  // "<set|cleared> <principal> <verdict>" per callback.
  GatesApi api_{&evaluator_, &clock_,
                GatesApi::Options{[this](const core::Deployment& d) { fanned_out_.push_back(d); },
                                  [this](const core::HttpRequest& r, const gates::GateVerdict& v, bool cleared) {
                                    overrides_.push_back(fmt::format("{} {} {}", cleared ? "cleared" : "set",
                                                                     r.Header("X-Quell-Principal"),
                                                                     gates::VerdictName(v.verdict)));
                                  }}};
};

TEST_F(GatesApiTest, RoutesCoverTheDocumentedEndpoints) {
  std::vector<std::string> routes;
  for (const GatesRoute& r : api_.Routes()) routes.push_back(r.method + " " + r.path);
  EXPECT_THAT(routes, ::testing::UnorderedElementsAre(
                          "GET /api/v1/gates", "GET /api/v1/gates/{service}", "POST /api/v1/gates/flagger/confirm",
                          "POST /api/v1/gates/flagger/rollback", "POST /api/v1/gates/{service}/override",
                          "DELETE /api/v1/gates/{service}/override", "POST /api/v1/deployments",
                          "GET /api/v1/deployments"));
  // A route handler reaches the evaluator.
  auto r = api_.Routes()[1].handler(Get("checkout", {{"version", "v2"}}));
  EXPECT_EQ(VerdictOf(r), "pending");
}

TEST_F(GatesApiTest, HealthyGreenPassesAndFlaggerConfirms) {
  Deploy(0.01);
  auto r = api_.GetGate(Get("checkout", {{"env", "prod"}, {"version", "v2"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(VerdictOf(r), "pass") << r.body;
  const std::string flagger =
      R"({"name":"checkout","namespace":"prod","phase":"Promoting","checksum":"abc","metadata":{"version":"v2"}})";
  auto confirm = api_.FlaggerConfirm(Post("/api/v1/gates/flagger/confirm", flagger));
  EXPECT_EQ(confirm.status, 200);
  EXPECT_EQ(VerdictOf(confirm), "pass");
  auto rollback = api_.FlaggerRollback(Post("/api/v1/gates/flagger/rollback", flagger));
  EXPECT_EQ(rollback.status, 403);
  EXPECT_EQ(VerdictOf(rollback), "pass");
  ASSERT_EQ(fanned_out_.size(), 2u);
  EXPECT_EQ(fanned_out_[1].version, "v2");
  EXPECT_EQ(fanned_out_[1].started_at, kT0);  // From the clock.
}

TEST_F(GatesApiTest, FailingGreenTriggersFlaggerRollback) {
  Deploy(0.10);
  // Without metadata: service from name, env from namespace, version = latest green.
  const std::string flagger = R"({"name":"checkout","namespace":"prod","phase":"Progressing"})";
  auto rollback = api_.FlaggerRollback(Post("/api/v1/gates/flagger/rollback", flagger));
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  EXPECT_EQ(VerdictOf(rollback), "fail");
  auto confirm = api_.FlaggerConfirm(Post("/api/v1/gates/flagger/confirm", flagger));
  EXPECT_EQ(confirm.status, 403);
}

TEST_F(GatesApiTest, ErrorsAreJsonAndNeverPassOrFail) {
  auto unknown = api_.GetGate(Get("payments"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(VerdictOf(unknown), "inconclusive");
  EXPECT_THAT(unknown.body, HasSubstr("no gate covers service"));
  auto bad = api_.FlaggerConfirm(Post("/x", "not json"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(VerdictOf(bad), "inconclusive");
  auto bad_env = api_.GetGate(Get("checkout", {{"env", std::string("pr\x01od")}}));
  EXPECT_EQ(bad_env.status, 400);
  EXPECT_EQ(VerdictOf(bad_env), "inconclusive");
}

// QA: ?verison=v3 (misspelled) answered 200 for the latest canary, another version, while v3 was
// failing; a repeated version= took the first. Both are 400 now.
TEST_F(GatesApiTest, UnknownOrRepeatedQueryParametersAreRefused) {
  auto typo = api_.GetGate(Get("checkout", {{"env", "prod"}, {"verison", "v3"}}));
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(VerdictOf(typo), "inconclusive");
  EXPECT_THAT(typo.body, HasSubstr("unknown query parameter \\\"verison\\\""));
  auto twice = api_.GetGate(Get("checkout", {{"version", "v2"}, {"version", "v3"}}));
  EXPECT_EQ(twice.status, 400);
  EXPECT_THAT(twice.body, HasSubstr("given twice"));
  EXPECT_EQ(api_.GetGate(Get("checkout", {{"env", "prod"}, {"version", "v2"}, {"gate", "checkout"}})).status, 200);
}

TEST_F(GatesApiTest, DeploymentsValidateAndList) {
  auto missing = api_.PostDeployment(Post("/api/v1/deployments", R"({"service":"checkout"})"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_THAT(missing.body, HasSubstr("deployment: \\\"version\\\" is required"));
  auto color = api_.PostDeployment(Post("/api/v1/deployments", R"({"service":"a","version":"1","color":"red"})"));
  EXPECT_EQ(color.status, 400);
  auto time = api_.PostDeployment(Post("/api/v1/deployments", R"({"service":"a","version":"1","started_at":"x"})"));
  EXPECT_EQ(time.status, 400);
  EXPECT_EQ(api_.PostDeployment(Post("/api/v1/deployments", R"({"service":"a","version":"1","link":"https://ci/1"})"))
                .status,
            200);
  EXPECT_EQ(api_.PostDeployment(Post("/api/v1/deployments", R"({"service":"b","version":"7"})")).status, 200);
  core::HttpRequest list;
  list.method = "GET";
  auto all = api_.ListDeployments(list);
  EXPECT_EQ(all.status, 200);
  EXPECT_THAT(all.body, HasSubstr("\"service\":\"a\""));
  EXPECT_THAT(all.body, HasSubstr("\"link\":\"https://ci/1\""));
  list.query = {{"service", "b"}};
  auto only_b = api_.ListDeployments(list);
  EXPECT_THAT(only_b.body, HasSubstr("\"service\":\"b\""));
  EXPECT_THAT(only_b.body, ::testing::Not(HasSubstr("\"service\":\"a\"")));
}

// A deployment "starting" hours ahead of the server's clock would be the newest one, the one every
// alert is attributed to, until then: refused beyond correlate.max_future_skew (15m by default).
TEST_F(GatesApiTest, DeploymentFarInTheFutureIsRefused) {
  // kT0 is 2026-01-01T00:00:00Z.
  auto ahead = api_.PostDeployment(
      Post("/api/v1/deployments", R"({"service":"a","version":"1","started_at":"2026-01-01T03:00:00Z"})"));
  EXPECT_EQ(ahead.status, 400);
  EXPECT_THAT(ahead.body, HasSubstr("deployment: started_at 2026-01-01T03:00:00Z is 3h ahead of this server's "
                                    "clock (2026-01-01T00:00:00Z), more than correlate.max_future_skew (15m)"));
  EXPECT_EQ(api_.PostDeployment(Post("/api/v1/deployments",
                                     R"({"service":"a","version":"1","started_at":"2026-01-01T00:10:00Z"})"))
                .status,
            200);  // Within the skew: clocks differ a little.
  // Without the guard (0), any time is taken; the audit log re-reads answers that way.
  EXPECT_TRUE(ParseDeploymentJson(R"({"service":"a","version":"1","started_at":"2030-01-01T00:00:00Z"})", kT0).ok());
}

core::HttpRequest OverrideRequest(std::string method, std::string body,
                                  std::vector<std::pair<std::string, std::string>> query = {}) {
  core::HttpRequest r;
  r.method = std::move(method);
  r.path = "/api/v1/gates/checkout/override";
  r.path_params = {{"service", "checkout"}};
  r.body = std::move(body);
  r.query = std::move(query);
  r.headers = {{"X-Quell-Principal", "alice"}};
  return r;
}

std::string Field(const std::string& json, std::string_view path) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return "<not json>";
  std::string_view v;
  if (root.at_pointer(path).get_string().get(v) != simdjson::SUCCESS) return "<absent>";
  return std::string(v);
}

// QA: {"expires_at": ..., "ttl": "1s"} was accepted and the override stayed forever: an override
// lasts until DELETE, so a field it would ignore is refused.
TEST_F(GatesApiTest, AnOverrideWithAnUnknownFieldIsRefused) {
  auto r = api_.PostOverride(OverrideRequest(
      "POST", R"({"verdict":"pass","reason":"known bug","version":"v2","expires_at":"2020-01-01T00:00:00Z"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(VerdictOf(r), "inconclusive");
  EXPECT_THAT(r.body, HasSubstr("unknown field \\\"expires_at\\\""));
}

TEST_F(GatesApiTest, OverrideReplacesTheComputedVerdictUntilCleared) {
  Deploy(0.10);  // Green fails on its own.
  const std::string flagger = R"({"name":"checkout","namespace":"prod","metadata":{"version":"v2"}})";
  ASSERT_EQ(VerdictOf(api_.GetGate(Get("checkout", {{"version", "v2"}}))), "fail");

  auto set = api_.PostOverride(OverrideRequest(
      "POST", R"({"verdict":"pass","reason":"error budget burn is a known client bug","version":"v2"})"));
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(VerdictOf(set), "pass");
  EXPECT_EQ(Field(set.body, "/computed_verdict"), "fail");
  EXPECT_EQ(Field(set.body, "/override/by"), "alice");
  EXPECT_EQ(Field(set.body, "/override/reason"), "error budget burn is a known client bug");
  EXPECT_THAT(Field(set.body, "/reasons/0"), HasSubstr("overridden to pass by alice"));
  // Every reader sees the override: the gate API, Flagger's hooks, the tracked list.
  EXPECT_EQ(VerdictOf(api_.GetGate(Get("checkout", {{"version", "v2"}}))), "pass");
  EXPECT_EQ(api_.FlaggerConfirm(Post("/api/v1/gates/flagger/confirm", flagger)).status, 200);
  EXPECT_EQ(api_.FlaggerRollback(Post("/api/v1/gates/flagger/rollback", flagger)).status, 403);

  auto cleared = api_.DeleteOverride(OverrideRequest("DELETE", "", {{"version", "v2"}}));
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(VerdictOf(cleared), "fail");
  EXPECT_EQ(Field(cleared.body, "/override/by"), "<absent>");
  EXPECT_EQ(api_.FlaggerRollback(Post("/api/v1/gates/flagger/rollback", flagger)).status, 200);
  auto again = api_.DeleteOverride(OverrideRequest("DELETE", "", {{"version", "v2"}}));
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(VerdictOf(again), "inconclusive");
  EXPECT_THAT(overrides_, ::testing::ElementsAre("set alice pass", "cleared alice fail"));
}

TEST_F(GatesApiTest, OverrideToFailStopsAHealthyCanary) {
  Deploy(0.01);
  auto set = api_.PostOverride(OverrideRequest("POST", R"({"verdict":"fail","reason":"wrong build promoted"})"));
  ASSERT_EQ(set.status, 200) << set.body;  // Version: the latest green deployment.
  EXPECT_EQ(VerdictOf(set), "fail");
  EXPECT_EQ(Field(set.body, "/computed_verdict"), "pass");
  EXPECT_EQ(Field(set.body, "/version"), "v2");
}

TEST_F(GatesApiTest, OverrideValidatesItsInput) {
  Deploy(0.01);
  auto pending = api_.PostOverride(OverrideRequest("POST", R"({"verdict":"pending","reason":"x"})"));
  EXPECT_EQ(pending.status, 400);
  EXPECT_THAT(pending.body, HasSubstr("must be \\\"pass\\\" or \\\"fail\\\""));
  auto no_reason = api_.PostOverride(OverrideRequest("POST", R"({"verdict":"pass"})"));
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_THAT(no_reason.body, HasSubstr("reason"));
  EXPECT_EQ(api_.PostOverride(OverrideRequest("POST", "not json")).status, 400);
  auto unknown_version =
      api_.PostOverride(OverrideRequest("POST", R"({"verdict":"pass","reason":"x","version":"v9"})"));
  EXPECT_EQ(unknown_version.status, 404) << unknown_version.body;
  EXPECT_EQ(VerdictOf(unknown_version), "inconclusive");
  core::HttpRequest other = OverrideRequest("POST", R"({"verdict":"pass","reason":"x"})");
  other.path_params = {{"service", "payments"}};
  EXPECT_EQ(api_.PostOverride(other).status, 404);
  EXPECT_TRUE(overrides_.empty());
}

TEST_F(GatesApiTest, ListGatesShowsTrackedCanaries) {
  Deploy(0.01);
  core::HttpRequest req;
  req.method = "GET";
  auto r = api_.ListGates(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("\"version\":\"v2\""));
  EXPECT_EQ(r.body.front(), '[');
}

}  // namespace
}  // namespace quell::server
