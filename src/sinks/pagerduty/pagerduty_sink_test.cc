// src/sinks/pagerduty/pagerduty_sink_test.cc
//
// PagerDutySink against a fake PagerDuty on loopback.
#include "sinks/pagerduty/pagerduty_sink.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "sinks/receiver_factory.h"
#include "sinks/send_resolved_receiver.h"
#include "tests/testing/http_sink_fixture.h"

namespace quell::sinks {
namespace {

using ::quell::testing::FakeHttpEndpoint;
using ::quell::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kKey[] = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY01";

HttpClientOptions ShortTimeout() {
  HttpClientOptions ho;
  ho.total_timeout = absl::Seconds(2);
  return ho;
}

class PagerDutySinkTest : public ::quell::testing::HttpSinkTest {
 protected:
  PagerDutySinkTest() : HttpSinkTest(ShortTimeout()) {}
  void SetUp() override {
    ASSERT_THAT(Make(0), IsOk());
  }
  absl::Status Make(int index, bool change_events = false) {
    PagerDutyConfig c;
    c.url = fake_.url();
    c.send_change_events = change_events;
    return Make(index, c);
  }
  // `c` without its routing key (filled in here); `http` defaults to the fixture's client.
  absl::Status Make(int index, PagerDutyConfig c, std::shared_ptr<HttpClient> http = nullptr) {
    c.routing_key = EnvSecret("QUELL_TEST_PD_KEY", kKey);
    auto s = PagerDutySink::Create("oncall", index, c, http ? http : http_, &clock_);
    if (!s.ok()) return s.status();
    sink_ = std::move(*s);
    return absl::OkStatus();
  }
  // The integration for `c` (routing key filled in) as BuildReceivers builds it: send_resolved is
  // applied around the sink. `http` defaults to the fixture's client.
  std::unique_ptr<Receiver> Build(PagerDutyConfig c, std::shared_ptr<HttpClient> http = nullptr) {
    c.routing_key = EnvSecret("QUELL_TEST_PD_KEY", kKey);
    return BuildOne(ReceiverConfig{.name = "oncall", .pagerduty_configs = {std::move(c)}}, std::move(http));
  }
  // Every status the sink reports passes the shared no-secret check.
  void CheckNoSecrets(const DeliveryOutcome& o) { ExpectNoSecrets(o.status, {kKey}); }
  static core::Notification Incident() {
    core::Notification n;
    n.receiver = "oncall";
    n.dedup_key = "fp-0123456789abcdef";
    n.incident_id = "inc-1";
    n.summary = "Checkout error rate 12%";
    n.severity = core::Severity::kCritical;
    n.time = core::EventTime::FromUnixNanos(1767225600000000000);
    n.root_cause_service = "checkout";
    n.impacted_services = {"cart", "web"};
    n.firing_count = 3;
    n.common_labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"env", "prod"}};
    for (int i = 0; i < 25; ++i) {
      core::NotifiedAlert a;
      a.labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"pod", "p" + std::to_string(i)}};
      n.alerts.push_back(a);
    }
    n.alerts[1].generator_url = "http://prometheus/graph?g0.expr=errors";
    n.common_annotations = core::LabelSet{{"summary", "5xx above 5%"}, {"description", "checkout returns 502s"}};
    n.runbook_url = "https://git/runbooks/checkout.md";
    n.deploy = core::AttributedDeploy{"checkout", "1.2.3", "prod", n.time, "https://ci/run/9"};
    n.external_url = "http://quell/api/v1/incidents/inc-1";
    return n;
  }

  // A client with one request in flight: requests reach the fake in the order they were sent, so
  // once a page's DeliverSync returns, the change event queued before it has been received.
  static std::shared_ptr<HttpClient> SerialClient() {
    HttpClientOptions o = ShortTimeout();
    o.max_connections_per_host = 1;
    o.max_in_flight = 1;
    return std::make_shared<HttpClient>(o);
  }
  std::vector<std::string> Targets() const {
    std::vector<std::string> t;
    for (const auto& r : fake_.requests()) t.push_back(r.target);
    return t;
  }

  std::unique_ptr<PagerDutySink> sink_;
};

TEST_F(PagerDutySinkTest, TriggerCarriesTheEventsV2Fields) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202, R"({"status":"success"})"));
  auto o = DeliverSync(*sink_, Incident());
  EXPECT_THAT(o.status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v2/enqueue");
  EXPECT_THAT(reqs[0].Header("Content-Type"), HasSubstr("application/json"));
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(reqs[0].body);
  EXPECT_EQ(std::string_view(doc["routing_key"]), kKey);
  EXPECT_EQ(std::string_view(doc["event_action"]), "trigger");
  EXPECT_EQ(std::string_view(doc["dedup_key"]), "fp-0123456789abcdef");
  EXPECT_EQ(std::string_view(doc["payload"]["summary"]), "Checkout error rate 12%");
  EXPECT_EQ(std::string_view(doc["payload"]["severity"]), "critical");
  EXPECT_EQ(std::string_view(doc["payload"]["source"]), "checkout");
  EXPECT_EQ(std::string_view(doc["payload"]["timestamp"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(std::string_view(doc["payload"]["component"]), "checkout");
  EXPECT_EQ(std::string_view(doc["payload"]["group"]), "prod");
  EXPECT_EQ(std::string_view(doc["payload"]["class"]), "HighErrorRate");
  auto details = doc["payload"]["custom_details"];
  EXPECT_EQ(std::string_view(details["root_cause_service"]), "checkout");
  EXPECT_EQ(simdjson::dom::array(details["impacted_services"]).size(), 2u);
  EXPECT_EQ(simdjson::dom::array(details["members"]).size(), 20u);  // max_members.
  EXPECT_EQ(uint64_t(details["truncated_alerts"]), 5u);
  EXPECT_EQ(std::string_view(details["annotations"]["description"]), "checkout returns 502s");
  EXPECT_EQ(std::string_view(details["annotations"]["summary"]), "5xx above 5%");
  simdjson::dom::array links = doc["links"];
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(std::string_view(links.at(0)["href"]), "https://git/runbooks/checkout.md");
  EXPECT_EQ(std::string_view(links.at(1)["href"]), "http://prometheus/graph?g0.expr=errors");
  EXPECT_EQ(std::string_view(links.at(1)["text"]), "Source");
  EXPECT_EQ(std::string_view(links.at(2)["href"]), "https://ci/run/9");
}

TEST_F(PagerDutySinkTest, ChangeEventForAttributedDeployWhenEnabled) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  ASSERT_THAT(Make(1, /*change_events=*/true), IsOk());
  EXPECT_THAT(DeliverSync(*sink_, Incident()).status, IsOk());
  ASSERT_TRUE(fake_.WaitForRequests(2, absl::Seconds(10)));
  std::set<std::string> targets;
  for (const auto& r : fake_.requests()) targets.insert(r.target);
  EXPECT_EQ(targets, (std::set<std::string>{"/v2/change/enqueue", "/v2/enqueue"}));
  for (const auto& r : fake_.requests()) {
    if (r.target != "/v2/change/enqueue") continue;
    simdjson::dom::parser p;
    simdjson::dom::element doc = p.parse(r.body);
    EXPECT_EQ(std::string_view(doc["payload"]["summary"]), "Deploy checkout 1.2.3 to prod");
    EXPECT_EQ(std::string_view(doc["links"].at(0)["href"]), "https://ci/run/9");
  }
}

// QA: a 600 KB event was sent as is; PagerDuty rejects events over 512 KB with a 400, which Quell
// dead-letters, so the page was lost. As Alertmanager does, custom_details is replaced by a note
// and the page still goes out. The size is that of the encoded JSON: quotes double in it.
TEST_F(PagerDutySinkTest, OversizedEventKeepsThePageWithoutCustomDetails) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  auto n = Incident();
  n.common_annotations = core::LabelSet{{"description", std::string(600 * 1000, 'd')}, {"summary", "5xx above 5%"}};
  EXPECT_THAT(DeliverSync(*sink_, n).status, IsOk());
  auto quoted = Incident();
  quoted.common_annotations = core::LabelSet{{"description", std::string(300 * 1000, '"')}};
  EXPECT_THAT(DeliverSync(*sink_, quoted).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& r : reqs) {
    EXPECT_LE(r.body.size(), 512000u);
    simdjson::dom::parser p;
    simdjson::dom::element doc = p.parse(r.body);
    EXPECT_EQ(std::string_view(doc["event_action"]), "trigger");
    EXPECT_EQ(std::string_view(doc["dedup_key"]), "fp-0123456789abcdef");
    EXPECT_EQ(std::string_view(doc["payload"]["summary"]), "Checkout error rate 12%");
    EXPECT_EQ(std::string_view(doc["payload"]["severity"]), "critical");
    simdjson::dom::object details = doc["payload"]["custom_details"];
    EXPECT_EQ(details.size(), 1u);
    EXPECT_EQ(std::string_view(details["error"]),
              "Custom details have been removed because the original event exceeds the maximum size of 512KB");
    EXPECT_EQ(simdjson::dom::array(doc["links"]).size(), 3u);
  }
  // An event just under the limit is left alone.
  auto small = Incident();
  small.common_annotations = core::LabelSet{{"description", std::string(400 * 1000, 'd')}};
  simdjson::dom::parser p;
  std::string body = sink_->EventBody(small);
  EXPECT_EQ(std::string_view(p.parse(body)["payload"]["custom_details"]["annotations"]["description"]).size(),
            400u * 1000u);
}

// QA: change events were posted with every notification of an incident (and every retry); each
// POST adds a timeline entry (change events have no dedup_key). One per deploy now.
TEST_F(PagerDutySinkTest, ChangeEventIsSentOncePerDeploy) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  PagerDutyConfig c;
  c.url = fake_.url();
  c.send_change_events = true;
  ASSERT_THAT(Make(1, c, SerialClient()), IsOk());
  auto n = Incident();
  for (int seq = 1; seq <= 3; ++seq) {
    n.sequence = static_cast<uint64_t>(seq);
    EXPECT_THAT(DeliverSync(*sink_, n).status, IsOk());
  }
  auto other = Incident();  // Another incident blamed on the same deploy.
  other.dedup_key = "fp-fedcba9876543210";
  EXPECT_THAT(DeliverSync(*sink_, other).status, IsOk());
  EXPECT_EQ(Targets(), (std::vector<std::string>{"/v2/change/enqueue", "/v2/enqueue", "/v2/enqueue",
                                                 "/v2/enqueue", "/v2/enqueue"}));
  // A new deploy is announced.
  n.deploy->version = "1.2.4";
  EXPECT_THAT(DeliverSync(*sink_, n).status, IsOk());
  auto t = Targets();
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[5], "/v2/change/enqueue");
}

TEST_F(PagerDutySinkTest, ChangeEventThatFailedIsSentWithTheNextNotification) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(503));  // The first change event.
  PagerDutyConfig c;
  c.url = fake_.url();
  c.send_change_events = true;
  ASSERT_THAT(Make(1, c, SerialClient()), IsOk());
  for (int i = 0; i < 3; ++i) EXPECT_THAT(DeliverSync(*sink_, Incident()).status, IsOk());
  EXPECT_EQ(Targets(), (std::vector<std::string>{"/v2/change/enqueue", "/v2/enqueue", "/v2/change/enqueue",
                                                 "/v2/enqueue", "/v2/enqueue"}));
}

// QA: Alertmanager's pagerduty `url` is the full events URL; pasted into Quell it was taken as a
// base and the events went to /v2/enqueue/v2/enqueue (a permanent 404).
TEST_F(PagerDutySinkTest, AcceptsTheFullEventsUrlAsAlertmanagerWritesIt) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  PagerDutyConfig c;
  c.url = fake_.url("/v2/enqueue");
  c.send_change_events = true;
  ASSERT_THAT(Make(2, c, SerialClient()), IsOk());
  EXPECT_THAT(DeliverSync(*sink_, Incident()).status, IsOk());
  EXPECT_EQ(Targets(), (std::vector<std::string>{"/v2/change/enqueue", "/v2/enqueue"}));
  // Behind a proxy path, with a trailing slash.
  c.url = fake_.url("/pd/v2/enqueue/");
  c.send_change_events = false;
  ASSERT_THAT(Make(3, c), IsOk());
  EXPECT_THAT(DeliverSync(*sink_, Incident()).status, IsOk());
  EXPECT_EQ(Targets().back(), "/pd/v2/enqueue");
}

TEST_F(PagerDutySinkTest, ParseRefusesTheEventsApiV1Url) {
  auto doc = core::YamlNode::LoadString(
      "routing_key: {env: PD}\nurl: https://events.pagerduty.com/generic/2010-04-15/create_event.json\n", "pd.yaml");
  ASSERT_THAT(doc, IsOk());
  auto c = ParsePagerDutyConfig(*doc);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("pd.yaml:2:6: pagerduty_configs: url:"));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("Events API v1"));
  auto v2 = core::YamlNode::LoadString("routing_key: {env: PD}\nurl: https://events.pagerduty.com/v2/enqueue\n",
                                       "pd.yaml");
  EXPECT_THAT(ParsePagerDutyConfig(*v2), IsOk());
}

// QA: members were listed, truncated and the "Source" link picked in the engine's order. They follow
// Alertmanager's AlertSlice order now (job, then instance, then the label sets).
TEST_F(PagerDutySinkTest, MembersFollowAlertmanagerOrder) {
  auto n = Incident();
  n.alerts.clear();
  for (int i = 9; i >= 0; --i) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"instance", "10.0.0." + std::to_string(i)},
                              {"job", "api"}};
    a.generator_url = "http://prometheus/graph?i=" + std::to_string(i);
    n.alerts.push_back(a);
  }
  PagerDutyConfig c;
  c.url = fake_.url();
  c.max_members = 3;
  ASSERT_THAT(Make(4, c), IsOk());
  std::string body = sink_->EventBody(n);
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  simdjson::dom::array members = doc["payload"]["custom_details"]["members"];
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(std::string_view(members.at(0)), R"({alertname="HighErrorRate", instance="10.0.0.0", job="api"})");
  EXPECT_EQ(std::string_view(members.at(2)), R"({alertname="HighErrorRate", instance="10.0.0.2", job="api"})");
  EXPECT_EQ(std::string_view(doc["links"].at(1)["href"]), "http://prometheus/graph?i=0");
}

// QA (item 4): with send_resolved false, resolved members stayed in firing events, and an update
// that only resolved members re-triggered the page.
TEST_F(PagerDutySinkTest, SendResolvedFalseSendsOnlyFiringMembers) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  PagerDutyConfig c;
  c.url = fake_.url();
  c.send_resolved = false;
  auto sink = Build(c);
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(dynamic_cast<SendResolvedReceiver*>(sink.get()), nullptr);
  auto n = Incident();
  n.alerts.resize(3);
  n.firing_count = 3;
  n.resolved_count = 0;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  // p0 resolves: nothing new fires, so nothing is sent.
  n.alerts[0].resolved = true;
  n.firing_count = 2;
  n.resolved_count = 1;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  EXPECT_EQ(fake_.requests().size(), 1u);
  // p3 fires: sent, without the resolved p0.
  core::NotifiedAlert p3;
  p3.labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"pod", "p3"}};
  n.alerts.insert(n.alerts.begin() + 2, p3);
  n.firing_count = 3;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(reqs[1].body);
  simdjson::dom::array members = doc["payload"]["custom_details"]["members"];
  ASSERT_EQ(members.size(), 3u);
  for (auto m : members) EXPECT_THAT(std::string(std::string_view(m)), ::testing::Not(HasSubstr("\"p0\"")));
  EXPECT_EQ(uint64_t(doc["payload"]["custom_details"]["resolved"]), 0u);
  EXPECT_EQ(uint64_t(doc["payload"]["custom_details"]["firing"]), 3u);
}

// With send_resolved false the sink sees the notification only after the SendResolvedReceiver
// around it: no change event for an update that is not sent, and the 512 KB cap measures the
// event as it is sent (without the resolved members).
TEST_F(PagerDutySinkTest, SendResolvedFalseAppliesBeforeChangeEventsAndTheSizeCap) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  PagerDutyConfig c;
  c.url = fake_.url();
  c.send_resolved = false;
  c.send_change_events = true;
  auto sink = Build(c, SerialClient());
  ASSERT_NE(sink, nullptr);
  auto n = Incident();
  n.alerts.resize(2);
  n.firing_count = 2;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  EXPECT_EQ(Targets(), (std::vector<std::string>{"/v2/change/enqueue", "/v2/enqueue"}));
  // p1 resolves and the incident is now blamed on another deploy: not sent, so not announced.
  n.alerts[1].resolved = true;
  n.firing_count = 1;
  n.resolved_count = 1;
  n.deploy->version = "1.2.4";
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  EXPECT_EQ(Targets().size(), 2u);
  // A resolve is not sent either (and announces nothing).
  n.status = core::NotificationStatus::kResolved;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  EXPECT_EQ(Targets().size(), 2u);

  // Another incident whose resolved members alone would push the event over 512 KB.
  auto big = Incident();
  big.dedup_key = "fp-fedcba9876543210";
  big.deploy.reset();
  big.alerts.resize(1);
  big.firing_count = 1;
  for (int i = 0; i < 3; ++i) {
    core::NotifiedAlert gone;
    gone.labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"blob", std::string(200 * 1000, 'r')},
                                 {"pod", "r" + std::to_string(i)}};
    gone.resolved = true;
    big.alerts.push_back(gone);
  }
  big.resolved_count = 3;
  simdjson::dom::parser p;
  std::string whole = sink_->EventBody(big);  // The sink given the whole notification cuts the details.
  EXPECT_TRUE(p.parse(whole)["payload"]["custom_details"]["error"].error() == simdjson::SUCCESS);
  EXPECT_THAT(DeliverSync(*sink, big).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  simdjson::dom::element doc = p.parse(reqs[2].body);
  simdjson::dom::object details = doc["payload"]["custom_details"];
  EXPECT_TRUE(details["error"].error() == simdjson::NO_SUCH_FIELD) << "details cut for members not sent";
  simdjson::dom::array members = details["members"];
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(std::string_view(members.at(0)), R"({alertname="HighErrorRate", pod="p0"})");
  EXPECT_EQ(uint64_t(details["resolved"]), 0u);
}

TEST_F(PagerDutySinkTest, ResolveUsesTheSameDedupKey) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(202));
  auto n = Incident();
  n.status = core::NotificationStatus::kResolved;
  EXPECT_THAT(DeliverSync(*sink_, n).status, IsOk());
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(fake_.requests()[0].body);
  EXPECT_EQ(std::string_view(doc["event_action"]), "resolve");
  EXPECT_EQ(std::string_view(doc["dedup_key"]), "fp-0123456789abcdef");
  EXPECT_TRUE(doc["payload"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_F(PagerDutySinkTest, SummaryIsTruncatedTo1024CharsWithEllipsis) {
  auto n = Incident();
  n.summary = std::string(3000, 'x');
  std::string body = sink_->EventBody(n);
  simdjson::dom::parser p;
  std::string_view summary = p.parse(body)["payload"]["summary"];
  EXPECT_EQ(summary.size(), 1023u + 3u);  // 1023 'x' + "…" (3 bytes) = 1024 characters.
  EXPECT_EQ(summary.substr(1023), "\xE2\x80\xA6");
}

TEST_F(PagerDutySinkTest, SeverityMapping) {
  EXPECT_EQ(PagerDutySeverity(core::Severity::kCritical), "critical");
  EXPECT_EQ(PagerDutySeverity(core::Severity::kError), "error");
  EXPECT_EQ(PagerDutySeverity(core::Severity::kWarning), "warning");
  EXPECT_EQ(PagerDutySeverity(core::Severity::kInfo), "info");
  EXPECT_EQ(PagerDutySeverity(core::Severity::kDebug), "info");
  EXPECT_EQ(PagerDutySeverity(core::Severity::kUnknown), "error");
}

// The default runbook link (no runbooks.base_url) is a file:// URL: PagerDuty gets web links only.
TEST_F(PagerDutySinkTest, OnlyAWebRunbookLinkGoesIntoLinks) {
  auto n = Incident();
  n.runbook_url = "file:///srv/quell/runbooks/checkout.md";
  EXPECT_EQ(sink_->EventBody(n).find("file://"), std::string::npos);
  n.runbook_url = "https://git/runbooks/checkout.md";
  EXPECT_NE(sink_->EventBody(n).find(R"({"href":"https://git/runbooks/checkout.md","text":"Runbook"})"), std::string::npos);
}

// QA: a 400's dead letter read only "HTTP 400": PagerDuty's reason was dropped.
TEST_F(PagerDutySinkTest, APermanentRefusalCarriesPagerDutysReason) {
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(
      400, R"({"status":"invalid event","message":"Event object is invalid","errors":["'payload.severity' is invalid"]})"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(400, std::string(R"({"message":"bad","errors":["key )") + kKey + R"( unknown"]})"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(400, "not json"));
  auto o1 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o1.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o1.status.message(),
            "pagerduty receiver \"oncall\": HTTP 400: Event object is invalid: 'payload.severity' is invalid");
  auto o2 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o2.status.message(), "pagerduty receiver \"oncall\": HTTP 400: bad");  // The error quoting the key is left out.
  auto o3 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o3.status.message(), "pagerduty receiver \"oncall\": HTTP 400");
  for (const auto& o : {o1, o2, o3}) CheckNoSecrets(o);
}

TEST_F(PagerDutySinkTest, MapsResponsesToRetryableAndPermanent) {
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(400, R"({"status":"invalid event","errors":["x"]})"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(429, "", {{"Retry-After", "7"}}));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(503));
  // curl transparently retries a request once when a reused connection is reset, so a reset
  // must persist to surface.
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Reset());
  auto o1 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o1.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsRetryable(o1.status));
  auto o2 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o2.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(o2.retry_after, absl::Seconds(7));
  auto o3 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o3.status.code(), absl::StatusCode::kUnavailable);
  auto o4 = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o4.status.code(), absl::StatusCode::kUnavailable);
  for (const auto& o : {o1, o2, o3, o4}) {
    CheckNoSecrets(o);
    EXPECT_THAT(std::string(o.status.message()), HasSubstr("pagerduty receiver \"oncall\""));
  }
}

TEST_F(PagerDutySinkTest, HangingEndpointTimesOutAsUnavailable) {
  fake_.Push(FakeHttpEndpoint::Behavior::Hang());
  auto o = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o.status.code(), absl::StatusCode::kUnavailable);
  CheckNoSecrets(o);
  fake_.ReleaseHung();
}

TEST_F(PagerDutySinkTest, MissingSecretFailsWithoutPrintingAnything) {
  PagerDutyConfig c;
  c.routing_key.kind = core::SecretRef::Kind::kEnv;
  c.routing_key.name = "QUELL_TEST_PD_KEY_UNSET";
  auto s = PagerDutySink::Create("oncall", 0, c, nullptr, &clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("pagerduty receiver \"oncall\""));
  EXPECT_THAT(CheckNoSecretIn(s.status(), {kKey}), IsOk());
}

TEST_F(PagerDutySinkTest, ParseRejectsLiteralKeyWithoutEchoingIt) {
  auto doc = core::YamlNode::LoadString(std::string("routing_key: ") + kKey + "\n", "pd.yaml");
  ASSERT_THAT(doc, IsOk());
  auto c = ParsePagerDutyConfig(*doc);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("pd.yaml:1:"));
  EXPECT_THAT(CheckNoSecretIn(c.status(), {kKey}), IsOk());
  auto ok = core::YamlNode::LoadString("routing_key: {env: PD}\nurl: http://x\nclass: db\n", "pd.yaml");
  auto c2 = ParsePagerDutyConfig(*ok);
  ASSERT_THAT(c2, IsOk());
  EXPECT_EQ(c2->class_, "db");
  auto bad = core::YamlNode::LoadString("routing_key: {env: PD}\nseverity: high\n", "pd.yaml");
  auto c3 = ParsePagerDutyConfig(*bad);
  ASSERT_FALSE(c3.ok());
  EXPECT_THAT(std::string(c3.status().message()), HasSubstr("pd.yaml:2:1"));
}

}  // namespace
}  // namespace quell::sinks
