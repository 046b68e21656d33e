// src/sinks/webhook/webhook_sink_test.cc
//
// WebhookSink against a fake webhook endpoint on loopback.
#include "sinks/webhook/webhook_sink.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "sinks/notification_json.h"
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
