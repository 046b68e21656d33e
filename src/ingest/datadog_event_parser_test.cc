#include "ingest/datadog_event_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::kGoldenObserved;

TEST(DatadogEventParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("datadog_event", core::Format::kDatadogEvent), 3); }

TEST(DatadogEventParserTest, DeployRule) {
  EXPECT_TRUE(DatadogEventParser::IsDeploySource("Jenkins"));
  EXPECT_TRUE(DatadogEventParser::IsDeploySource("argocd"));
  EXPECT_FALSE(DatadogEventParser::IsDeploySource("nagios"));
  auto p = MakeParser(core::Format::kDatadogEvent);
  core::SignalBatch b;
  std::string body = R"([{"title":"a","text":"t","source_type_name":"GitHub","tags":["service:api","version:2"]},
    {"title":"b","text":"t","tags":["deployment"]},
    {"title":"c","text":"t","tags":["event_type:deployment"]},
    {"title":"d","text":"t","source_type_name":"nagios","alert_type":"warning"}])";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 4u);
  EXPECT_EQ(b.signals()[0].kind, core::SignalKind::kDeploy);
  EXPECT_EQ(b.signals()[0].service, "api");
  EXPECT_EQ(b.signals()[0].version, "2");
  EXPECT_EQ(b.signals()[1].kind, core::SignalKind::kDeploy);
  EXPECT_EQ(b.signals()[2].kind, core::SignalKind::kDeploy);
  EXPECT_EQ(b.signals()[3].kind, core::SignalKind::kAlert);
  EXPECT_EQ(b.signals()[3].state, core::SignalState::kFiring);
  EXPECT_EQ(b.signals()[3].severity, core::Severity::kWarning);
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[3]), "alertname"), "d");
}

TEST(DatadogEventParserTest, DateHappenedSecondsAndPriorityOnlyWithoutAlertType) {
  auto p = MakeParser(core::Format::kDatadogEvent);
  core::SignalBatch b;
  std::string body = R"({"title":"x","text":"y","date_happened":1767225000,"priority":"low","alert_type":"error"})";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  EXPECT_EQ(b.signals()[0].event_time, core::EventTime::FromUnixNanos(1767225000000000000));
  EXPECT_EQ(b.signals()[0].severity, core::Severity::kError);
}

// Without alert_type an event is info, Datadog's default, also at the default priority `normal`
// (which maps to error only where it stands for an unknown alert type's severity).
TEST(DatadogEventParserTest, AnEventWithoutAlertTypeIsInfo) {
  auto p = MakeParser(core::Format::kDatadogEvent);
  for (std::string body : {R"({"title":"x","text":"y"})", R"({"title":"x","text":"y","priority":"normal"})"}) {
    core::SignalBatch b;
    ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u) << body;
    EXPECT_EQ(b.signals()[0].severity, core::Severity::kInfo) << body;
  }
  core::SignalBatch b;
  std::string odd = R"({"title":"x","text":"y","alert_type":"custom","priority":"normal"})";
  ASSERT_EQ(p->Parse(odd, odd.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  EXPECT_EQ(b.signals()[0].severity, core::Severity::kError);  // An unknown type: the priority says.
}

}  // namespace
}  // namespace quell::ingest
