// src/sinks/notification_json_test.cc
#include "sinks/notification_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

core::Notification Sample() {
  core::Notification n;
  n.kind = core::NotificationKind::kStorm;
  n.status = core::NotificationStatus::kResolved;
  n.receiver = "oncall";
  n.dedup_key = "abc123";
  n.incident_id = "inc-7";
  n.sequence = 42;
  n.time = core::EventTime::FromUnixNanos(1767225600123456789);
  n.summary = "Checkout \"errors\"\n\xe2\x9c\x93";
  n.severity = core::Severity::kCritical;
  n.group_key = "{}:{alertname=\"X\"}";
  n.group_labels = core::LabelSet{{"alertname", "X"}};
  n.common_labels = core::LabelSet{{"alertname", "X"}, {"env", "prod"}};
  n.common_annotations = core::LabelSet{{"summary", "s"}};
  core::NotifiedAlert a;
  a.labels = core::LabelSet{{"alertname", "X"}, {"pod", "p1"}};
  a.annotations = core::LabelSet{{"d", "1"}};
  a.starts_at = core::EventTime::FromUnixNanos(1767225500000000000);
  a.ends_at = core::EventTime::FromUnixNanos(1767225600000000000);
  a.resolved = true;
  a.generator_url = "http://prom/graph";
  a.fingerprint = "0123456789abcdef";
  n.alerts.push_back(a);
  n.truncated_alerts = 3;
  n.firing_count = 0;
  n.resolved_count = 4;
  n.root_cause_service = "checkout";
  n.impacted_services = {"cart", "web"};
  n.deploy = core::AttributedDeploy{"checkout", "1.2.3", "prod", core::EventTime::FromUnixNanos(1767225000000000000),
                                    "https://ci/run/9"};
  n.runbook = "checkout-errors.md";
  n.runbook_url = "https://git/runbooks/checkout-errors.md";
  n.external_url = "http://quell/api/v1/incidents/inc-7";
  n.gate_verdict_json = "{\"verdict\":\"pass\"}";
  return n;
}

TEST(NotificationJsonTest, RoundTripsEveryField) {
  core::Notification n = Sample();
  std::string json = NotificationToJson(n);
  auto back = NotificationFromJson(json);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(NotificationToJson(*back), json);
  EXPECT_EQ(back->kind, core::NotificationKind::kStorm);
  EXPECT_EQ(back->status, core::NotificationStatus::kResolved);
  EXPECT_EQ(back->sequence, 42u);
  EXPECT_EQ(back->time, n.time);
  EXPECT_EQ(back->summary, n.summary);
  EXPECT_EQ(back->alerts.size(), 1u);
  EXPECT_EQ(back->alerts[0].labels, n.alerts[0].labels);
  EXPECT_EQ(back->alerts[0].ends_at, n.alerts[0].ends_at);
  ASSERT_TRUE(back->deploy.has_value());
  EXPECT_EQ(back->deploy->link, "https://ci/run/9");
  EXPECT_EQ(back->impacted_services, n.impacted_services);
  EXPECT_EQ(back->gate_verdict_json, n.gate_verdict_json);
}

TEST(NotificationJsonTest, FiringAlertHasGoZeroEndsAtAndRoundTrips) {
  core::Notification n = Sample();
  n.alerts[0].ends_at = core::EventTime();
  n.alerts[0].resolved = false;
  std::string json = NotificationToJson(n);
  EXPECT_THAT(json, HasSubstr("\"ends_at\":\"0001-01-01T00:00:00Z\""));
  EXPECT_THAT(json, Not(HasSubstr("1970-01-01")));
  auto back = NotificationFromJson(json);
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(back->alerts[0].ends_at.is_zero());
  EXPECT_EQ(NotificationToJson(*back), json);
}

TEST(NotificationJsonTest, EscapesAndNamesFields) {
  std::string json = NotificationToJson(Sample());
  EXPECT_THAT(json, HasSubstr("\"summary\":\"Checkout \\\"errors\\\"\\n"));
  EXPECT_THAT(json, HasSubstr("\"kind\":\"storm\""));
  EXPECT_THAT(json, HasSubstr("\"severity\":\"critical\""));
}

TEST(NotificationJsonTest, TimesMatchCoreFormatRfc3339) {
  const int64_t cases[] = {0, 1, 999999999, 1000000000, 951782400123000000 /* 2000-02-29 */,
                           1767225599999999999, 4102444800500000000 /* 2100-01-01 */, 9223372036854775807,
                           -1000000000};
  for (int64_t ns : cases) {
    core::Notification n;
    n.time = core::EventTime::FromUnixNanos(ns);
    std::string json = NotificationToJson(n);
    // 0 is "absent": Go's zero time, as Alertmanager writes it.
    std::string want = "\"time\":\"" + (ns == 0 ? "0001-01-01T00:00:00Z" : core::FormatRfc3339(n.time.ToAbsl())) + "\"";
    EXPECT_THAT(json, HasSubstr(want)) << ns;
    auto back = NotificationFromJson(json);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(back->time, n.time) << ns;
  }
}

TEST(NotificationJsonTest, RejectsMalformedWithoutEchoingContent) {
  auto r = NotificationFromJson("{\"summary\": 12345}");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("summary"));
  EXPECT_THAT(std::string(r.status().message()), ::testing::Not(HasSubstr("12345")));
  EXPECT_FALSE(NotificationFromJson("not json").ok());
}

}  // namespace
}  // namespace quell::sinks
