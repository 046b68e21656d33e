#include "ingest/otlp_logs_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::kGoldenObserved;

TEST(OtlpLogsParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("otlp_logs", core::Format::kOtlpLogs), 2); }

TEST(OtlpLogsParserTest, ResourceAfterScopeLogsStillApplies) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}],
     "resource":{"attributes":[{"value":{"stringValue":"svc"},"key":"service.name"}]}}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  EXPECT_EQ(b.signals()[0].service, "svc");
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[0]), "service"), "svc");
  EXPECT_EQ(b.signals()[0].event_time, kGoldenObserved);
}

TEST(OtlpLogsParserTest, ColorAttributeIsConfigurable) {
  ParserOptions o;
  o.color_attribute = "rollout.role";
  auto p = MakeParser(core::Format::kOtlpLogs, o);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[{"resource":{"attributes":[{"key":"rollout.role","value":{"stringValue":"Canary"}}]},
     "scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]})";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  EXPECT_EQ(b.signals()[0].color, core::DeployColor::kCanary);
}

TEST(OtlpLogsParserTest, RejectedCountsForPartialSuccess) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},
     {"severityNumber":99},{"timeUnixNano":"1e9"},{"body":{"stringValue":"ok2"}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 2u);
  EXPECT_FALSE(r.body_rejected);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kOutOfRange);
  EXPECT_EQ(b.rejections()[0].record_index, 1u);
  EXPECT_EQ(b.rejections()[1].reason, core::RejectReason::kInvalidValue);
}

// Go's protojson.Marshal (and other protojson senders) write enum values by name; the Collector's
// receiver accepts both, so Quell does too: names and numbers give the same signal.
TEST(OtlpLogsParserTest, SeverityNumberByNameOrNumber) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
     {"severityNumber":"SEVERITY_NUMBER_ERROR","body":{"stringValue":"a"}},
     {"severityNumber":17,"body":{"stringValue":"b"}},
     {"severityNumber":"SEVERITY_NUMBER_FATAL4","body":{"stringValue":"c"}},
     {"severityNumber":"SEVERITY_NUMBER_LOUD","body":{"stringValue":"d"}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.rejected, 1u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.signals()[0].severity, core::Severity::kError);
  EXPECT_EQ(b.signals()[1].severity, core::Severity::kError);
  EXPECT_EQ(b.signals()[2].severity, core::Severity::kCritical);
  ASSERT_EQ(b.rejections().size(), 1u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(b.rejections()[0].record_index, 3u);
}

}  // namespace
}  // namespace quell::ingest
