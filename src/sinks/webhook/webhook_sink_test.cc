// src/sinks/webhook/webhook_sink_test.cc
//
// WebhookSink against a fake webhook endpoint on loopback.
#include "sinks/webhook/webhook_sink.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "sinks/notification_json.h"
#include "sinks/receiver_factory.h"
#include "sinks/send_resolved_receiver.h"
#include "tests/testing/http_sink_fixture.h"

namespace quell::sinks {
namespace {

using ::quell::testing::FakeHttpEndpoint;
using ::quell::testing::IsOk;
using ::testing::HasSubstr;

core::Notification Incident() {
  core::Notification n;
  n.receiver = "hook";
  n.dedup_key = "k";
  n.group_key = "{}/{severity=\"critical\"}:{alertname=\"X\"}";
  n.group_labels = core::LabelSet{{"alertname", "X"}};
  n.common_labels = core::LabelSet{{"alertname", "X"}, {"severity", "critical"}};
  n.common_annotations = core::LabelSet{{"summary", "boom"}};
  n.external_url = "http://quell:9093";
  n.truncated_alerts = 1;
  for (int i = 0; i < 3; ++i) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}, {"severity", "critical"}, {"pod", "p" + std::to_string(i)}};
    a.starts_at = core::EventTime::FromUnixNanos(1767225600000000000);
    a.generator_url = "http://prom/graph";
    n.alerts.push_back(a);
  }
  n.alerts[2].resolved = true;
  n.alerts[2].ends_at = core::EventTime::FromUnixNanos(1767225660000000000);
  return n;
}

class WebhookSinkTest : public ::quell::testing::HttpSinkTest {
 protected:
  std::unique_ptr<WebhookSink> Make(WebhookPayload payload, int max_alerts = 0, bool bearer = false, bool basic = false) {
    WebhookConfig c;
    c.url = EnvSecret("QUELL_TEST_HOOK_URL", fake_.url("/hook?token=HOOKSECRET"));
    c.payload = payload;
    c.max_alerts = max_alerts;
    if (bearer) c.bearer_token = EnvSecret("QUELL_TEST_HOOK_TOKEN", "T0KEN-SECRET");
    if (basic) {
      c.basic_auth_username = "quell";
      c.basic_auth_password = EnvSecret("QUELL_TEST_HOOK_PW", "PASSW0RD-SECRET");
    }
    auto s = WebhookSink::Create("hook", 0, c, http_, &clock_);
    EXPECT_THAT(s, IsOk());
    return std::move(*s);
  }
  // The integration for `c` as BuildReceivers builds it (send_resolved applied around the sink),
  // on the fixture's client and clock.
  std::unique_ptr<Receiver> Build(WebhookConfig c) {
    return BuildOne(ReceiverConfig{.name = "hook", .webhook_configs = {std::move(c)}});
  }
};

TEST_F(WebhookSinkTest, AlertmanagerPayloadVersion4) {
  auto sink = Make(WebhookPayload::kAlertmanager);
  EXPECT_THAT(DeliverSync(*sink, Incident()).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/hook?token=HOOKSECRET");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(reqs[0].body);
  EXPECT_EQ(std::string_view(doc["version"]), "4");
  EXPECT_EQ(std::string_view(doc["groupKey"]), "{}/{severity=\"critical\"}:{alertname=\"X\"}");
  EXPECT_EQ(uint64_t(doc["truncatedAlerts"]), 1u);
  EXPECT_EQ(std::string_view(doc["status"]), "firing");
  EXPECT_EQ(std::string_view(doc["receiver"]), "hook");
  EXPECT_EQ(std::string_view(doc["groupLabels"]["alertname"]), "X");
  EXPECT_EQ(std::string_view(doc["commonLabels"]["severity"]), "critical");
  EXPECT_EQ(std::string_view(doc["commonAnnotations"]["summary"]), "boom");
  EXPECT_EQ(std::string_view(doc["externalURL"]), "http://quell:9093");
  simdjson::dom::array alerts = doc["alerts"];
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(std::string_view(alerts.at(0)["status"]), "firing");
  EXPECT_EQ(std::string_view(alerts.at(0)["startsAt"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(std::string_view(alerts.at(0)["endsAt"]), "0001-01-01T00:00:00Z");
  EXPECT_EQ(std::string_view(alerts.at(0)["generatorURL"]), "http://prom/graph");
  EXPECT_EQ(std::string_view(alerts.at(0)["fingerprint"]).size(), 16u);
  EXPECT_EQ(std::string_view(alerts.at(2)["status"]), "resolved");
  EXPECT_EQ(std::string_view(alerts.at(2)["endsAt"]), "2026-01-01T00:01:00Z");
}

// QA: with send_resolved false a firing notification still listed its resolved alerts
// (`firing [(b,firing),(a,resolved)]`), and a change that only resolved alerts was posted.
// Alertmanager's RetryStage drops them, and its DedupStage sends nothing for such a change.
TEST_F(WebhookSinkTest, SendResolvedFalseSendsOnlyFiringAlerts) {
  WebhookConfig c;
  c.url = EnvSecret("QUELL_TEST_HOOK_URL", fake_.url("/hook?token=HOOKSECRET"));
  c.payload = WebhookPayload::kAlertmanager;
  c.send_resolved = false;
  auto sink = Build(c);
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(dynamic_cast<SendResolvedReceiver*>(sink.get()), nullptr);
  auto n = Incident();
  n.truncated_alerts = 0;
  n.alerts.resize(2);  // p0, p1 firing.
  n.firing_count = 2;
  n.common_labels = core::LabelSet{{"alertname", "X"}, {"severity", "critical"}};
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  n.alerts[0].resolved = true;
  n.alerts[0].ends_at = core::EventTime::FromUnixNanos(1767225660000000000);
  n.firing_count = 1;
  n.resolved_count = 1;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());  // Only p0 resolved: nothing is sent.
  ASSERT_EQ(fake_.requests().size(), 1u);
  core::NotifiedAlert p9 = n.alerts[1];
  p9.labels = core::LabelSet{{"alertname", "X"}, {"severity", "critical"}, {"pod", "p9"}, {"zone", "a"}};
  n.alerts.push_back(p9);
  n.firing_count = 2;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(reqs[1].body);
  EXPECT_EQ(std::string_view(doc["status"]), "firing");
  simdjson::dom::array alerts = doc["alerts"];
  ASSERT_EQ(alerts.size(), 2u);
  for (auto a : alerts) EXPECT_EQ(std::string_view(a["status"]), "firing");
  EXPECT_EQ(std::string_view(alerts.at(0)["labels"]["pod"]), "p1");
  EXPECT_EQ(std::string_view(alerts.at(1)["labels"]["pod"]), "p9");
  EXPECT_EQ(uint64_t(doc["truncatedAlerts"]), 0u);
  // Every resolved alert gone: all that is left resolves, which is not sent either.
  n.status = core::NotificationStatus::kResolved;
  for (auto& a : n.alerts) a.resolved = true;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  EXPECT_EQ(fake_.requests().size(), 2u);
}

TEST_F(WebhookSinkTest, SendResolvedFalseAlsoFiltersTheQuellPayload) {
  WebhookConfig c;
  c.url = EnvSecret("QUELL_TEST_HOOK_URL", fake_.url("/hook"));
  c.payload = WebhookPayload::kQuell;
  c.send_resolved = false;
  auto sink = Build(c);
  ASSERT_NE(sink, nullptr);
  auto n = Incident();
  n.firing_count = 2;
  n.resolved_count = 1;
  n.truncated_alerts = 0;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  auto sent = NotificationFromJson(fake_.requests().at(0).body);
  ASSERT_THAT(sent, IsOk());
  ASSERT_EQ(sent->alerts.size(), 2u);
  EXPECT_FALSE(sent->alerts[0].resolved);
  EXPECT_FALSE(sent->alerts[1].resolved);
  EXPECT_EQ(sent->resolved_count, 0u);
}

// QA: externalURL carried the incident link; Alertmanager sends its base external URL there and
// consumers build their links from it.
TEST_F(WebhookSinkTest, ExternalUrlIsTheBaseUrl) {
  auto n = Incident();
  n.incident_id = "inc-42";
  n.external_url = "https://quell.example.com/api/v1/incidents/inc-42";
  simdjson::dom::parser p;
  std::string body = AlertmanagerWebhookBody(n, 0);
  EXPECT_EQ(std::string_view(p.parse(body)["externalURL"]), "https://quell.example.com");
  n.kind = core::NotificationKind::kStorm;  // Storm pages link to the incident list.
  n.external_url = "https://quell.example.com/prefix/api/v1/incidents";
  body = AlertmanagerWebhookBody(n, 0);
  EXPECT_EQ(std::string_view(p.parse(body)["externalURL"]), "https://quell.example.com/prefix");
}

// QA: alerts were truncated to max_alerts in the engine's order; Alertmanager sorts them first
// (AlertSlice: job, then instance, then the label sets), so the same alerts survive every time.
TEST_F(WebhookSinkTest, AlertsAreSortedBeforeTruncation) {
  auto n = Incident();
  n.truncated_alerts = 0;
  n.alerts.clear();
  auto add = [&](core::LabelSet l) {
    core::NotifiedAlert a;
    a.labels = std::move(l);
    n.alerts.push_back(std::move(a));
  };
  add({{"alertname", "X"}, {"pod", "p1"}});                      // No job, no instance: last.
  add({{"alertname", "X"}, {"job", "b"}, {"instance", "i1"}});
  add({{"alertname", "X"}, {"job", "a"}, {"instance", "i2"}});
  add({{"alertname", "X"}, {"job", "a"}, {"instance", "i1"}});
  add({{"alertname", "X"}, {"job", "a"}});                       // Has job, no instance: after a/i*.
  simdjson::dom::parser p;
  std::string body = AlertmanagerWebhookBody(n, 3);
  simdjson::dom::element doc = p.parse(body);
  simdjson::dom::array alerts = doc["alerts"];
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(std::string_view(alerts.at(0)["labels"]["instance"]), "i1");
  EXPECT_EQ(std::string_view(alerts.at(0)["labels"]["job"]), "a");
  EXPECT_EQ(std::string_view(alerts.at(1)["labels"]["instance"]), "i2");
  EXPECT_EQ(std::string_view(alerts.at(2)["labels"]["job"]), "a");
  EXPECT_TRUE(alerts.at(2)["labels"]["instance"].error() == simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(uint64_t(doc["truncatedAlerts"]), 2u);
}

// QA: a 307/308 answer was dead-lettered; Go's client (Alertmanager's) follows it with the body.
TEST_F(WebhookSinkTest, FollowsTemporaryAndPermanentRedirects) {
  auto sink = Make(WebhookPayload::kAlertmanager, 0, /*bearer=*/true);
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(307, "", {{"Location", "/moved?token=HOOKSECRET"}}));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(308, "", {{"Location", fake_.url("/final")}}));
  auto o = DeliverSync(*sink, Incident());
  EXPECT_THAT(o.status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].target, "/moved?token=HOOKSECRET");
  EXPECT_EQ(reqs[2].target, "/final");
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.body, reqs[0].body);
    EXPECT_EQ(r.Header("Authorization"), "Bearer T0KEN-SECRET");  // Same origin.
  }
  // 301/302/303 would turn the POST into a GET without the body: not followed, permanent.
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(302, "", {{"Location", "/elsewhere"}}));
  auto o2 = DeliverSync(*sink, Incident());
  EXPECT_EQ(o2.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(o2.status.message()), HasSubstr("HTTP 302"));
  EXPECT_EQ(fake_.requests().size(), 4u);
  ExpectNoSecrets(o2.status, {"HOOKSECRET", "T0KEN-SECRET"});
}

TEST_F(WebhookSinkTest, FingerprintMatchesAlertmanager) {
  // FNV-1a 64 over name 0xFF value 0xFF for each label in name order; an empty set is the offset
  // basis. Values pinned from a direct computation of the algorithm in formats.md.
  EXPECT_EQ(AlertmanagerFingerprint(core::LabelSet{}), "cbf29ce484222325");
  EXPECT_NE(AlertmanagerFingerprint(core::LabelSet{{"a", "bc"}}), AlertmanagerFingerprint(core::LabelSet{{"ab", "c"}}));
}

TEST_F(WebhookSinkTest, MaxAlertsTruncates) {
  auto sink = Make(WebhookPayload::kAlertmanager, 2);
  EXPECT_THAT(DeliverSync(*sink, Incident()).status, IsOk());
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(fake_.requests()[0].body);
  EXPECT_EQ(simdjson::dom::array(doc["alerts"]).size(), 2u);
  EXPECT_EQ(uint64_t(doc["truncatedAlerts"]), 2u);  // 1 already truncated upstream + 1 here.
}

TEST_F(WebhookSinkTest, QuellPayloadIsTheWholeNotification) {
  auto sink = Make(WebhookPayload::kQuell);
  auto n = Incident();
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  EXPECT_EQ(fake_.requests()[0].body, NotificationToJson(n));
}

TEST_F(WebhookSinkTest, BearerAndBasicAuth) {
  auto a = Make(WebhookPayload::kAlertmanager, 0, /*bearer=*/true);
  EXPECT_THAT(DeliverSync(*a, Incident()).status, IsOk());
  auto b = Make(WebhookPayload::kAlertmanager, 0, false, /*basic=*/true);
  EXPECT_THAT(DeliverSync(*b, Incident()).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].Header("Authorization"), "Bearer T0KEN-SECRET");
  EXPECT_EQ(reqs[1].Header("Authorization"), "Basic cXVlbGw6UEFTU1cwUkQtU0VDUkVU");  // quell:PASSW0RD-SECRET
}

TEST_F(WebhookSinkTest, ErrorsNeverCarrySecrets) {
  auto sink = Make(WebhookPayload::kAlertmanager, 0, true);
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(500, "HOOKSECRET echoed by a bad server"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(401));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(410));
  auto o1 = DeliverSync(*sink, Incident());
  auto o2 = DeliverSync(*sink, Incident());
  auto o3 = DeliverSync(*sink, Incident());
  EXPECT_EQ(o1.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(o2.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(o3.status.code(), absl::StatusCode::kNotFound);
  for (const auto& o : {o1, o2, o3}) ExpectNoSecrets(o.status, {"HOOKSECRET", "T0KEN-SECRET", "PASSW0RD-SECRET"});
}

TEST_F(WebhookSinkTest, ConfigParsing) {
  auto doc = core::YamlNode::LoadString(
      "url: {env: HOOK}\npayload: quell\nmax_alerts: 5\nbasic_auth: {username: u, password: {file: /p}}\n", "w.yaml");
  auto c = ParseWebhookConfig(*doc);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->payload, WebhookPayload::kQuell);
  EXPECT_EQ(c->max_alerts, 5);
  auto bad = core::YamlNode::LoadString("url: {env: HOOK}\npayload: prometheus\n", "w.yaml");
  auto e = ParseWebhookConfig(*bad);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("w.yaml:2:10"));
  auto literal = core::YamlNode::LoadString("url: http://hooks/secret-token\n", "w.yaml");
  auto l = ParseWebhookConfig(*literal);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(CheckNoSecretIn(l.status(), {"secret-token"}), IsOk());
  auto pw = core::YamlNode::LoadString("url: {env: H}\nbasic_auth: {username: u, password: hunter2}\n", "w.yaml");
  auto p = ParseWebhookConfig(*pw);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(CheckNoSecretIn(p.status(), {"hunter2"}), IsOk());
}

}  // namespace
}  // namespace quell::sinks
