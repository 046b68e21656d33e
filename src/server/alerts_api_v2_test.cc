// Tests for the engine-facing HTTP handlers (silences, alerts v2, incidents, deployments), called
// directly, plus the real amtool against them over loopback (skipped when amtool is absent).
#include "server/alerts_api_v2.h"

#include <cstdio>
#include <memory>

#include "core/build_info.h"
#include "core/event_time.h"
#include "correlate/json_value.h"
#include "gtest/gtest.h"
#include "server/deployments_api.h"
#include "server/http_server.h"
#include "server/incidents_api.h"
#include "server/silences_api.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using correlate::JsonValue;

class Recorder : public core::NotificationSink {
 public:
  void Send(core::Notification n) override {
    std::lock_guard<std::mutex> l(mu);
    out.push_back(std::move(n));
  }
  std::mutex mu;
  std::vector<core::Notification> out;
};

struct Fixture {
  explicit Fixture(const core::Clock* clock) : clock(clock) {
    auto cfg = correlate::LoadRulesString(R"(
route:
  receiver: pager
  group_by: [alertname]
  group_wait: 30s
  runbook: generic.md
  routes:
    - matchers: ['team="db"']
      receiver: db-pager
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
correlate: {allowed_lateness: 0s}
)", "rules.yaml");
    engine = std::make_unique<correlate::ShardedEngine>(correlate::CompiledRules::Build(std::move(*cfg)), &rec,
                                                         &silencer, clock, 2);
  }
  void Alert(std::string_view name, std::string_view service, std::string_view severity, core::EventTime t) {
    core::SignalBatch b;
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.state = core::SignalState::kFiring;
    s.event_time = t;
    b.AddLabelCopy("alertname", name);
    b.AddLabelCopy("service", service);
    b.AddLabelCopy("severity", severity);
    b.FinishLabels();
    ASSERT_OK(engine->Submit(&b, nullptr));
  }
  const core::Clock* clock;
  Recorder rec;
  correlate::Silencer silencer;
  std::unique_ptr<correlate::ShardedEngine> engine;
};

core::HttpRequest Req(std::string method, std::string path, std::string body = "") {
  core::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

core::EventTime T(std::string_view s) { return core::EventTime::FromAbsl(*core::ParseRfc3339(s)); }

TEST(EngineApisTest, SilencesLifecycleAndAlertStates) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  SilencesApi silences(&f.silencer, &clock);
  AlertsApiV2 alerts(f.engine.get(), &clock);
  f.Alert("DiskFull", "db", "critical", T("2026-01-05T10:00:00Z"));
  f.Alert("SlowQueries", "db", "warning", T("2026-01-05T10:00:01Z"));
  f.Alert("Latency", "api", "warning", T("2026-01-05T10:00:02Z"));
  f.engine->Drain();

  core::HttpResponse post = silences.Post(Req("POST", "/api/v2/silences", R"({
    "matchers":[{"name":"service","value":"api","isRegex":false}],
    "startsAt":"2026-01-05T10:00:00Z","endsAt":"2026-01-05T11:00:00Z","createdBy":"alice","comment":"deploying"})"));
  ASSERT_EQ(post.status, 200) << post.body;
  auto id = JsonValue::Parse(post.body)->GetString("silenceID");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(silences.Post(Req("POST", "/api/v2/silences", R"({"matchers":[]})")).status, 400);

  core::HttpResponse list = alerts.Alerts(Req("GET", "/api/v2/alerts"));
  ASSERT_EQ(list.status, 200);
  auto doc = JsonValue::Parse(list.body);
  ASSERT_TRUE(doc.ok()) << list.body;
  ASSERT_EQ(doc->items().size(), 3u) << list.body;
  std::map<std::string, std::string> state_by_name;
  for (const JsonValue& a : doc->items()) {
    state_by_name[a.Find("labels")->GetString("alertname")] = a.Find("status")->GetString("state");
    EXPECT_NE(a.Find("startsAt"), nullptr);
    EXPECT_NE(a.Find("endsAt"), nullptr);
    EXPECT_EQ(a.GetString("fingerprint").size(), 16u);
  }
  EXPECT_EQ(state_by_name["DiskFull"], "active");
  EXPECT_EQ(state_by_name["SlowQueries"], "suppressed");  // Inhibited by DiskFull (same service).
  EXPECT_EQ(state_by_name["Latency"], "suppressed");      // Silenced.

  core::HttpRequest only_active = Req("GET", "/api/v2/alerts");
  only_active.query = {{"silenced", "false"}, {"inhibited", "false"}};
  EXPECT_EQ(JsonValue::Parse(alerts.Alerts(only_active).body)->items().size(), 1u);
  core::HttpRequest by_filter = Req("GET", "/api/v2/alerts");
  by_filter.query = {{"filter", "service=\"db\""}, {"receiver", "db-.*"}};
  EXPECT_EQ(JsonValue::Parse(alerts.Alerts(by_filter).body)->items().size(), 0u);  // No team label.

  core::HttpRequest get = Req("GET", "/api/v2/silence/" + id);
  get.path_params = {{"id", id}};
  auto got = JsonValue::Parse(silences.Get(get).body);
  EXPECT_EQ(got->Find("status")->GetString("state"), "active");
  EXPECT_EQ(got->GetString("createdBy"), "alice");
  core::HttpRequest del = Req("DELETE", "/api/v2/silence/" + id);
  del.path_params = {{"id", id}};
  EXPECT_EQ(silences.Delete(del).status, 200);
  EXPECT_EQ(JsonValue::Parse(silences.Get(get).body)->Find("status")->GetString("state"), "expired");
  core::HttpRequest missing = Req("GET", "/api/v2/silence/x");
  missing.path_params = {{"id", "x"}};
  EXPECT_EQ(silences.Get(missing).status, 404);

  auto status = JsonValue::Parse(alerts.Status(Req("GET", "/api/v2/status")).body);
  ASSERT_TRUE(status.ok());
  // amtool warns when this differs from its own version; Quell's version is in revision.
  EXPECT_EQ(status->Find("versionInfo")->GetString("version"), "0.25.0");
  EXPECT_EQ(status->Find("versionInfo")->GetString("revision"), std::string("quell ") + core::kQuellVersion);
  EXPECT_NE(status->Find("config")->GetString("original").find("receiver: \"pager\""), std::string::npos);
  EXPECT_EQ(status->Find("cluster")->GetString("status"), "disabled");
  EXPECT_EQ(JsonValue::Parse(alerts.Receivers(Req("GET", "/api/v2/receivers")).body)->items().size(), 2u);
  auto groups = JsonValue::Parse(alerts.Groups(Req("GET", "/api/v2/alerts/groups")).body);
  EXPECT_EQ(groups->items().size(), 3u);
}

TEST(EngineApisTest, IncidentsAckExplainNoiseAndDeployments) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  IncidentsApi incidents(f.engine.get());
  DeploymentsApi deployments(f.engine.get(), &clock);
  std::string dep = deployments.Post(Req("POST", "/api/v1/deployments",
                                         R"({"service":"api","version":"v9","env":"prod","started_at":"2026-01-05T09:55:00Z"})")).body;
  EXPECT_NE(dep.find("api/prod/v9@"), std::string::npos) << dep;
  EXPECT_EQ(deployments.Post(Req("POST", "/api/v1/deployments", R"({"version":"v1"})")).status, 400);
  f.Alert("Latency", "api", "critical", T("2026-01-05T10:00:00Z"));
  f.engine->AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  f.engine->Drain();
  auto list = JsonValue::Parse(incidents.List(Req("GET", "/api/v1/incidents")).body);
  ASSERT_EQ(list->Find("incidents")->items().size(), 1u);
  std::string id = list->Find("incidents")->items()[0].GetString("id");
  core::HttpRequest get = Req("GET", "/api/v1/incidents/" + id);
  get.path_params = {{"id", id}};
  auto detail = JsonValue::Parse(incidents.Get(get).body);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->Find("deploy")->GetString("version"), "v9");
  EXPECT_EQ(detail->Find("members")->items().size(), 1u);
  EXPECT_EQ(detail->Find("notifications")->items().size(), 1u);
  core::HttpRequest ack = Req("POST", "/api/v1/incidents/" + id + "/ack", R"({"by":"bob","comment":"mine"})");
  ack.path_params = {{"id", id}};
  EXPECT_EQ(incidents.Ack(ack).status, 200);
  ack.body = "{}";
  EXPECT_EQ(incidents.Ack(ack).status, 400);
  core::HttpRequest ack_missing = Req("POST", "/api/v1/incidents/zz/ack", R"({"by":"bob"})");
  ack_missing.path_params = {{"id", "zz"}};
  EXPECT_EQ(incidents.Ack(ack_missing).status, 404);
  std::string fp = detail->Find("members")->items()[0].GetString("fingerprint");
  core::HttpRequest explain = Req("GET", "/api/v1/alerts/" + fp + "/explain");
  explain.path_params = {{"fingerprint", fp}};
  auto ex = JsonValue::Parse(incidents.Explain(explain).body);
  ASSERT_TRUE(ex.ok());
  ASSERT_FALSE(ex->Find("decisions")->items().empty());
  EXPECT_EQ(ex->Find("decisions")->items()[0].GetString("decision"), "acked");
  auto noise = JsonValue::Parse(incidents.Noise(Req("GET", "/api/v1/noise")).body);
  ASSERT_EQ(noise->Find("rows")->items().size(), 1u);
  EXPECT_EQ(noise->Find("rows")->items()[0].Find("pages")->AsInt64(), 1);
}

std::string RunCommand(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *rc = pclose(p);
  return out;
}

TEST(EngineApisTest, RealAmtoolWorksAgainstTheHandlers) {
  if (std::system("command -v amtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "amtool not installed";
  const core::Clock* clock = core::SystemClock::Get();
  Fixture f(clock);
  SilencesApi silences(&f.silencer, clock);
  AlertsApiV2 alerts(f.engine.get(), clock);
  Router router;
  ASSERT_OK(silences.Register(&router));
  ASSERT_OK(alerts.Register(&router));
  ServerConfig cfg;
  cfg.port = 0;
  HttpServer server(cfg, &router);
  ASSERT_OK(server.Start());
  f.Alert("AmtoolProbe", "api", "critical", core::EventTime::FromUnixNanos(clock->Now().unix_nanos()));
  f.engine->Drain();
  std::string url = fmt::format("--alertmanager.url=http://127.0.0.1:{}", server.port());
  int rc = 0;
  std::string aq = RunCommand("amtool " + url + " alert query", &rc);
  EXPECT_EQ(rc, 0) << aq;
  EXPECT_NE(aq.find("AmtoolProbe"), std::string::npos) << aq;
  std::string id = RunCommand("amtool " + url + " silence add service=api -c 'from the test' -a tester -d 1h", &rc);
  ASSERT_EQ(rc, 0) << id;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  id = id.substr(id.rfind('\n') == std::string::npos ? 0 : id.rfind('\n') + 1);  // After amtool's version warning.
  ASSERT_TRUE(f.silencer.Get(id).ok()) << id;
  std::string q = RunCommand("amtool " + url + " silence query -q", &rc);
  EXPECT_EQ(rc, 0) << q;
  EXPECT_NE(q.find(id), std::string::npos) << q;
  std::string sq = RunCommand("amtool " + url + " alert query -s", &rc);
  EXPECT_EQ(rc, 0) << sq;
  EXPECT_NE(sq.find("AmtoolProbe"), std::string::npos) << sq;  // Silenced now.
  std::string ex = RunCommand("amtool " + url + " silence expire " + id, &rc);
  EXPECT_EQ(rc, 0) << ex;
  EXPECT_EQ(f.silencer.Get(id)->State(clock->Now().ToAbsl()), correlate::SilenceState::kExpired);
  std::string routes = RunCommand("amtool " + url + " config routes", &rc);
  EXPECT_EQ(rc, 0) << routes;
  EXPECT_NE(routes.find("db-pager"), std::string::npos) << routes;
  server.Stop();
}

}  // namespace
}  // namespace quell::server
