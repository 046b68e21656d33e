// Tests for the engine-facing HTTP handlers (silences, alerts v2, incidents), called
// directly, plus the real amtool against them over loopback (skipped when amtool is absent).
#include "server/alerts_api_v2.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "core/build_info.h"
#include "core/event_time.h"
#include "correlate/json_value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/gates_api.h"
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
  // `team` "db" takes the db-pager route.
  void Alert(std::string_view name, std::string_view service, std::string_view severity, core::EventTime t,
             std::string_view team = "") {
    core::SignalBatch b;
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.state = core::SignalState::kFiring;
    s.event_time = t;
    b.AddLabelCopy("alertname", name);
    b.AddLabelCopy("service", service);
    b.AddLabelCopy("severity", severity);
    if (!team.empty()) b.AddLabelCopy("team", team);
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

// QA: /api/v2/receivers listed only the receivers routes name, where Alertmanager lists every
// configured one; /api/v2/alerts/groups came in the engine's order, where Alertmanager sorts by
// group labels, then receiver.
TEST(EngineApisTest, ReceiversListsEveryConfiguredOneAndGroupsAreSorted) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  AlertsApiV2 alerts(f.engine.get(), &clock, {"db-pager", "gates", "pager"});
  std::vector<std::string> names;
  auto receivers = JsonValue::Parse(alerts.Receivers(Req("GET", "/api/v2/receivers")).body);
  ASSERT_TRUE(receivers.ok());
  for (const JsonValue& r : receivers->items()) {
    names.push_back(r.GetString("name"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"db-pager", "gates", "pager"}));
  // Two routes: the engine keeps their groups apart (route first); Alertmanager orders by the
  // group labels, then the receiver.
  for (std::string_view name : {"Zeta", "Mid"}) f.Alert(name, "db", "info", T("2026-01-05T10:00:00Z"), "db");
  for (std::string_view name : {"Mid", "Alpha", "Beta"}) f.Alert(name, "api", "info", T("2026-01-05T10:00:00Z"));
  f.engine->Drain();
  std::vector<std::string> order;
  auto groups = JsonValue::Parse(alerts.Groups(Req("GET", "/api/v2/alerts/groups")).body);
  ASSERT_TRUE(groups.ok());
  for (const JsonValue& g : groups->items()) {
    order.push_back(g.Find("labels")->GetString("alertname") + "/" + g.Find("receiver")->GetString("name"));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"Alpha/pager", "Beta/pager", "Mid/db-pager", "Mid/pager", "Zeta/db-pager"}));
}

// QA: ?silenced=True (or yes) was a 400; Alertmanager's binding reads such values as go-openapi's
// swag.ConvertBool does (true words in any case, anything else false) and never refuses them.
TEST(EngineApisTest, BooleanQueryParametersReadAsAlertmanagerReadsThem) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  AlertsApiV2 alerts(f.engine.get(), &clock);
  f.Alert("Latency", "api", "warning", T("2026-01-05T10:00:00Z"));
  f.engine->Drain();
  auto count = [&](std::string query) {
    core::HttpRequest r = Req("GET", "/api/v2/alerts");
    r.query.emplace_back("active", query);
    core::HttpResponse res = alerts.Alerts(r);
    EXPECT_EQ(res.status, 200) << query;
    auto doc = JsonValue::Parse(res.body);
    return doc.ok() ? doc->items().size() : size_t{99};
  };
  EXPECT_EQ(count("True"), 1u);
  EXPECT_EQ(count("yes"), 1u);
  EXPECT_EQ(count("false"), 0u);
  EXPECT_EQ(count("maybe"), 0u);  // Anything else is false.
  EXPECT_EQ(count(""), 1u);       // Empty: the default (true).
}

TEST(EngineApisTest, IncidentsAckExplainNoiseAndDeployments) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  IncidentsApi incidents(f.engine.get());
  // A deployment as POST /api/v1/deployments hands it to the engine (GatesApi's on_deployment).
  auto dep = ParseDeploymentJson(R"({"service":"api","version":"v9","env":"prod","started_at":"2026-01-05T09:55:00Z"})",
                                 core::EventTime::FromUnixNanos(clock.Now().unix_nanos()));
  ASSERT_TRUE(dep.ok()) << dep.status();
  f.engine->RecordDeployment(*dep);
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
  // `silence update` GETs the silence and POSTs it back with its id: a longer active silence with
  // the same start is updated in place (amtool 0.25 -q prints a pointer, not the id: look inside).
  absl::Time starts = f.silencer.Get(id)->starts_at;
  std::string up = RunCommand("amtool " + url + " silence update -q --duration=2h " + id, &rc);
  EXPECT_EQ(rc, 0) << up;
  ASSERT_EQ(f.silencer.List().size(), 1u);
  // amtool posts times back to the millisecond; startsAt still counts as unchanged (same second).
  EXPECT_EQ(absl::ToUnixMillis(f.silencer.Get(id)->ends_at), absl::ToUnixMillis(starts + absl::Hours(2)));
  std::string fq = RunCommand("amtool " + url + " silence query -q service=api", &rc);  // A filter.
  EXPECT_EQ(rc, 0) << fq;
  EXPECT_NE(fq.find(id), std::string::npos) << fq;
  std::string ex = RunCommand("amtool " + url + " silence expire " + id, &rc);
  EXPECT_EQ(rc, 0) << ex;
  EXPECT_EQ(f.silencer.Get(id)->State(clock->Now().ToAbsl()), correlate::SilenceState::kExpired);
  ex = RunCommand("amtool " + url + " silence expire " + id, &rc);  // Again: Alertmanager answers 200.
  EXPECT_EQ(rc, 0) << ex;
  std::string routes = RunCommand("amtool " + url + " config routes", &rc);
  EXPECT_EQ(rc, 0) << routes;
  EXPECT_NE(routes.find("db-pager"), std::string::npos) << routes;
  server.Stop();
}

}  // namespace
}  // namespace quell::server

namespace quell::server {
namespace {

using correlate::JsonValue;

core::HttpRequest ForId(std::string method, const std::string& id) {
  core::HttpRequest r = Req(std::move(method), "/api/v2/silence/" + id);
  r.path_params = {{"id", id}};
  return r;
}

std::string SilenceBody(std::string_view matchers, std::string_view starts, std::string_view ends,
                        std::string_view id = "") {
  std::string out = "{";
  if (!id.empty()) out += fmt::format(R"("id":"{}",)", id);
  out += fmt::format(R"("matchers":[{}],"startsAt":"{}","endsAt":"{}","createdBy":"alice","comment":"c"}})", matchers,
                     starts, ends);
  return out;
}

// The id from a 200 answer to POST /api/v2/silences ("" otherwise).
std::string PostedId(const SilencesApi& api, const std::string& body) {
  core::HttpResponse r = api.Post(Req("POST", "/api/v2/silences", body));
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return "";
  return JsonValue::Parse(r.body)->GetString("silenceID");
}

std::vector<std::string> ListedIds(const SilencesApi& api, std::vector<std::string> filters = {}) {
  core::HttpRequest req = Req("GET", "/api/v2/silences");
  for (std::string& f : filters) req.query.emplace_back("filter", std::move(f));
  core::HttpResponse r = api.List(req);
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<std::string> ids;
  auto doc = JsonValue::Parse(r.body);
  if (!doc.ok()) return ids;
  for (const JsonValue& s : doc->items()) ids.push_back(s.GetString("id"));
  return ids;
}

constexpr std::string_view kEq = R"({"name":"service","value":"api","isRegex":false})";

// silence.go expire() returns nil for an expired silence: DELETE answers 200 again (amtool
// `silence expire` twice exits 0); an unknown id stays 404.
TEST(EngineApisTest, DeleteOfAnExpiredSilenceAnswers200) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  correlate::Silencer silencer;
  SilencesApi api(&silencer, &clock);
  std::string id = PostedId(api, SilenceBody(kEq, "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(api.Delete(ForId("DELETE", id)).status, 200);
  clock.Advance(absl::Minutes(1));
  core::HttpResponse again = api.Delete(ForId("DELETE", id));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, "");
  auto got = JsonValue::Parse(api.Get(ForId("GET", id)).body);
  EXPECT_EQ(got->GetString("endsAt"), "2026-01-05T10:00:00Z");  // The first expiry's time.
  EXPECT_EQ(api.Delete(ForId("DELETE", "no-such-id")).status, 404);
}

// Matcher fields of the wrong JSON type are refused with 400, as Go's encoding/json refuses them,
// and isRegex is required; isEqual defaults to true.
TEST(EngineApisTest, PostSilenceRefusesMatcherFieldsOfTheWrongType) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  correlate::Silencer silencer;
  SilencesApi api(&silencer, &clock);
  for (std::string_view m : {R"({"name":"service","value":"api","isRegex":false,"isEqual":"false"})",
                             R"({"name":"service","value":"api","isRegex":1})",
                             R"({"name":"service","value":"api","isRegex":"no"})",
                             R"({"name":"service","value":"api"})"}) {
    core::HttpResponse r = api.Post(Req("POST", "/api/v2/silences", SilenceBody(m, "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z")));
    EXPECT_EQ(r.status, 400) << m << " -> " << r.body;
  }
  EXPECT_TRUE(silencer.List().empty());
  std::string id = PostedId(api, SilenceBody(kEq, "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"));
  ASSERT_OK_AND_ASSIGN(correlate::Silence s, silencer.Get(id));
  EXPECT_EQ(s.matchers[0].type(), correlate::MatchType::kEqual);
}

// Posting an existing id updates in place only while that keeps history (Silences.Set,
// canUpdate); otherwise the answer carries a new id and the old silence is expired.
TEST(EngineApisTest, PostSilenceWithIdReplacesItWhenTheUpdateWouldRewriteHistory) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  correlate::Silencer silencer;
  SilencesApi api(&silencer, &clock);
  std::string id = PostedId(api, SilenceBody(kEq, "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"));
  clock.Advance(absl::Minutes(10));
  // Extending an active silence: same id.
  EXPECT_EQ(PostedId(api, SilenceBody(kEq, "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z", id)), id);
  // Changing its matchers: a new id; the old one is expired now.
  std::string replaced =
      PostedId(api, SilenceBody(R"({"name":"service","value":"web","isRegex":false})", "2026-01-05T10:00:00Z",
                                "2026-01-05T12:00:00Z", id));
  ASSERT_FALSE(replaced.empty());
  EXPECT_NE(replaced, id);
  clock.Advance(absl::Seconds(1));
  auto old_one = JsonValue::Parse(api.Get(ForId("GET", id)).body);
  EXPECT_EQ(old_one->Find("status")->GetString("state"), "expired");
  EXPECT_EQ(old_one->GetString("endsAt"), "2026-01-05T10:10:00Z");
  auto new_one = JsonValue::Parse(api.Get(ForId("GET", replaced)).body);
  EXPECT_EQ(new_one->Find("status")->GetString("state"), "active");
  EXPECT_EQ(new_one->GetString("startsAt"), "2026-01-05T10:10:00Z");  // Not before it was created.
  EXPECT_EQ(new_one->Find("matchers")->items()[0].GetString("value"), "web");
  // An unknown id is 404, as in Alertmanager.
  EXPECT_EQ(api.Post(Req("POST", "/api/v2/silences", SilenceBody(kEq, "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z", "nope"))).status, 404);
}

// Silences.Set: a new silence whose startsAt is in the past starts now (the silences API's clock).
TEST(EngineApisTest, NewSilenceStartingInThePastStartsNow) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  correlate::Silencer silencer;
  SilencesApi api(&silencer, &clock);
  std::string id = PostedId(api, SilenceBody(kEq, "2026-01-05T08:00:00Z", "2026-01-05T11:00:00Z"));
  auto got = JsonValue::Parse(api.Get(ForId("GET", id)).body);
  EXPECT_EQ(got->GetString("startsAt"), "2026-01-05T10:00:00Z");
  EXPECT_EQ(got->GetString("updatedAt"), "2026-01-05T10:00:00Z");
}

// CheckSilenceMatchesFilterLabels: a silence is listed iff, for every filter matcher, it has a
// matcher of the same name, operator and value (not by evaluating the filter on labels).
TEST(EngineApisTest, SilenceFilterComparesMatchersNotLabels) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  correlate::Silencer silencer;
  SilencesApi api(&silencer, &clock);
  auto add = [&](std::string_view matchers) {
    return PostedId(api, SilenceBody(matchers, "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"));
  };
  std::string eq = add(kEq);
  std::string re = add(R"({"name":"service","value":"api|web","isRegex":true})");
  std::string ne = add(R"({"name":"service","value":"api","isRegex":false,"isEqual":false},{"name":"team","value":"x","isRegex":false})");
  std::string two = add(R"({"name":"service","value":"api","isRegex":false},{"name":"env","value":"prod","isRegex":false})");
  using ::testing::UnorderedElementsAre;
  EXPECT_THAT(ListedIds(api, {R"(service="api")"}), UnorderedElementsAre(eq, two));
  EXPECT_THAT(ListedIds(api, {R"(service=~"api|web")"}), UnorderedElementsAre(re));
  EXPECT_THAT(ListedIds(api, {R"(service!="api")"}), UnorderedElementsAre(ne));
  EXPECT_THAT(ListedIds(api, {R"(service="api")", R"(env="prod")"}), UnorderedElementsAre(two));
  EXPECT_THAT(ListedIds(api, {R"(service=~"api")"}), ::testing::IsEmpty());
  EXPECT_THAT(ListedIds(api, {R"(env!="qa")"}), ::testing::IsEmpty());
  EXPECT_EQ(ListedIds(api).size(), 4u);
}

// SortSilences: active (endsAt ascending), then pending (startsAt ascending), then expired
// (endsAt descending).
TEST(EngineApisTest, SilencesAreListedActiveThenPendingThenExpired) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  correlate::Silencer silencer;
  SilencesApi api(&silencer, &clock);
  auto add = [&](std::string_view starts, std::string_view ends) { return PostedId(api, SilenceBody(kEq, starts, ends)); };
  std::string expired_early = add("2026-01-05T10:00:00Z", "2026-01-05T10:10:00Z");
  std::string expired_late = add("2026-01-05T10:00:00Z", "2026-01-05T10:20:00Z");
  std::string active_long = add("2026-01-05T10:00:00Z", "2026-01-05T13:00:00Z");
  std::string active_short = add("2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z");
  std::string pending_late = add("2026-01-05T11:30:00Z", "2026-01-05T12:00:00Z");
  std::string pending_early = add("2026-01-05T11:00:00Z", "2026-01-05T14:00:00Z");
  std::string expired_mid = add("2026-01-05T10:00:00Z", "2026-01-05T10:15:00Z");
  clock.Set(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:30:00Z")));
  EXPECT_THAT(ListedIds(api), ::testing::ElementsAre(active_short, active_long, pending_early, pending_late,
                                                      expired_late, expired_mid, expired_early));
}

// Alert label names outside Alertmanager's [a-zA-Z_][a-zA-Z0-9_]* (OTLP's service.name, Datadog's
// availability-zone) can be silenced and filtered on, unquoted or double-quoted.
TEST(EngineApisTest, AlertsWithAnyLabelNameCanBeSilencedAndFiltered) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  SilencesApi silences(&f.silencer, &clock);
  AlertsApiV2 alerts(f.engine.get(), &clock);
  core::SignalBatch b;
  core::Signal& s = b.Add();
  s.kind = core::SignalKind::kAlert;
  s.state = core::SignalState::kFiring;
  s.event_time = T("2026-01-05T10:00:00Z");
  b.AddLabelCopy("alertname", "Dotted");
  b.AddLabelCopy("service.name", "checkout");
  b.AddLabelCopy("availability-zone", "eu-1a");
  b.FinishLabels();
  ASSERT_OK(f.engine->Submit(&b, nullptr));
  f.Alert("Other", "api", "warning", T("2026-01-05T10:00:01Z"));
  f.engine->Drain();

  std::string id = PostedId(silences, SilenceBody(R"({"name":"service.name","value":"checkout","isRegex":false})",
                                                  "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"));
  ASSERT_FALSE(id.empty());
  for (std::string filter : {R"(service.name="checkout")", R"("service.name"="checkout")",
                             R"({"availability-zone"=~"eu-.*"})", R"(availability-zone="eu-1a")"}) {
    core::HttpRequest req = Req("GET", "/api/v2/alerts");
    req.query = {{"filter", filter}};
    core::HttpResponse r = alerts.Alerts(req);
    ASSERT_EQ(r.status, 200) << filter << " -> " << r.body;
    auto doc = JsonValue::Parse(r.body);
    ASSERT_EQ(doc->items().size(), 1u) << filter << " -> " << r.body;
    EXPECT_EQ(doc->items()[0].Find("labels")->GetString("alertname"), "Dotted");
    EXPECT_EQ(doc->items()[0].Find("status")->GetString("state"), "suppressed");
  }
  EXPECT_THAT(ListedIds(silences, {R"(service.name="checkout")"}), ::testing::ElementsAre(id));
  EXPECT_THAT(ListedIds(silences, {R"("service.name"="checkout")"}), ::testing::ElementsAre(id));
}

// api.go sorts GET /api/v2/alerts by fingerprint.
TEST(EngineApisTest, AlertsAreSortedByFingerprint) {
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  Fixture f(&clock);
  AlertsApiV2 alerts(f.engine.get(), &clock);
  for (int i = 0; i < 24; ++i) {
    f.Alert(fmt::format("A{}", i), fmt::format("svc{}", i % 5), "warning", T("2026-01-05T10:00:00Z"));
  }
  f.engine->Drain();
  auto doc = JsonValue::Parse(alerts.Alerts(Req("GET", "/api/v2/alerts")).body);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->items().size(), 24u);
  std::vector<std::string> fps;
  for (const JsonValue& a : doc->items()) fps.push_back(a.GetString("fingerprint"));
  EXPECT_TRUE(std::is_sorted(fps.begin(), fps.end())) << ::testing::PrintToString(fps);
}

}  // namespace
}  // namespace quell::server
