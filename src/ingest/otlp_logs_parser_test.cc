#include "ingest/otlp_logs_parser.h"

#include "core/label.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::AnnotationOf;
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

// The records of a resource share its labels, sorted and fingerprinted once per resource: each
// record, in each of two resources (the second with an identity label, which sorts between host
// and service), carries its own resource's labels and their fingerprint, not the one before.
TEST(OtlpLogsParserTest, RecordsCarryTheirOwnResourcesLabels) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[
     {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}},
                                {"key":"host.name","value":{"stringValue":"h1"}}]},
      "scopeLogs":[{"logRecords":[{"body":{"stringValue":"1"}},{"body":{"stringValue":"2"}}]},
                   {"logRecords":[{"body":{"stringValue":"3"}}]}]},
     {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"b"}},
                                {"key":"deployment.environment.name","value":{"stringValue":"prod"}},
                                {"key":"k8s.namespace.name","value":{"stringValue":"ns"}}]},
      "scopeLogs":[{"logRecords":[{"body":{"stringValue":"4"}},{"body":{"stringValue":"5"}}]}]},
     {"scopeLogs":[{"logRecords":[{"body":{"stringValue":"6"}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 6u);
  const std::vector<core::Label> first = {{"host", "h1"}, {"service", "a"}};
  const std::vector<core::Label> second = {{"env", "prod"}, {"k8s.namespace.name", "ns"}, {"service", "b"}};
  for (size_t i = 0; i < 6; ++i) {
    const core::Signal& s = b.signals()[i];
    const std::vector<core::Label> want = i < 3 ? first : i < 5 ? second : std::vector<core::Label>{};
    core::LabelView got = b.labels(s);
    EXPECT_EQ(std::vector<core::Label>(got.begin(), got.end()), want) << i;
    EXPECT_EQ(s.fingerprint, core::Fingerprint::Of(want)) << i;
    EXPECT_EQ(s.message, std::to_string(i + 1)) << i;
  }
}

// A sender whose clock runs ahead sends both times in the future: its observedTimeUnixNano, when
// further past Quell's receipt than max_future_skew (15m), is not taken over the receipt, so the
// engine's future-skew guard still compares against the receipt. A little ahead is taken.
TEST(OtlpLogsParserTest, ObservedTimeFarPastTheReceiptIsNotTaken) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  const int64_t t0 = kGoldenObserved.unix_nanos(), hour = 3600LL * 1000000000LL;
  std::string body = fmt::format(
      R"({{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[
         {{"timeUnixNano":"{}","observedTimeUnixNano":"{}","body":{{"stringValue":"ahead"}}}},
         {{"timeUnixNano":"{}","observedTimeUnixNano":"{}","body":{{"stringValue":"behind"}}}}]}}]}}]}})",
      t0 + 2 * hour, t0 + 2 * hour, t0 - hour, t0 + hour / 6);
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 2u);
  EXPECT_EQ(b.signals()[0].observed_time, kGoldenObserved);
  EXPECT_EQ(b.signals()[0].event_time.unix_nanos(), t0 + 2 * hour);  // Left to the engine's guard.
  EXPECT_EQ(b.signals()[1].observed_time.unix_nanos(), t0 + hour / 6);  // 10 minutes ahead: taken.
  // Without a receipt time (a replay), or with the guard off, the record's own is taken.
  core::SignalBatch replay;
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kFile, core::EventTime(), &replay).accepted, 2u);
  EXPECT_EQ(replay.signals()[0].observed_time.unix_nanos(), t0 + 2 * hour);
  ParserOptions off;
  off.max_future_skew = absl::ZeroDuration();
  auto trusting = MakeParser(core::Format::kOtlpLogs, off);
  core::SignalBatch c;
  ASSERT_EQ(trusting->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &c).accepted, 2u);
  EXPECT_EQ(c.signals()[0].observed_time.unix_nanos(), t0 + 2 * hour);
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
     {"timeUnixNano":"99999999999999999999"},{"timeUnixNano":"1e9"},{"body":{"stringValue":"ok2"}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 2u);
  EXPECT_FALSE(r.body_rejected);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kOutOfRange);
  EXPECT_EQ(b.rejections()[0].record_index, 1u);
  EXPECT_EQ(b.rejections()[1].reason, core::RejectReason::kInvalidValue);
}

// A resource or scope entry that cannot be read is one rejection (one dead letter, its bytes) that
// stands for every log record it held: partialSuccess counts log records (OTLP), so 3 here, not 1.
TEST(OtlpLogsParserTest, ARejectedEntryStandsForItsRecords) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[
     {"resource":{"attributes":[{"key":"service.name","value":{"intValue":"notanint"}}]},
      "scopeLogs":[{"logRecords":[{"body":{"stringValue":"q1"}},{"body":{"stringValue":"q2"}}]},
                   {"logRecords":[{"body":{"stringValue":"q3"}}]}]},
     {"scopeLogs":[{"scope":{"name":5},"logRecords":[{"body":{"stringValue":"r1"}},{"body":{"stringValue":"r2"}}]},
                   {"logRecords":[{"body":{"stringValue":"ok"}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejected, 2u);
  EXPECT_EQ(b.rejections()[0].units, 3u);
  EXPECT_EQ(b.rejections()[1].units, 2u);
  EXPECT_EQ(b.rejections()[1].field, std::string_view("scope.name"));
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

// QA: proto3 enums are open, and SDKs newer than Quell's table send SeverityNumbers it does not
// know; the Collector keeps such records. An unknown number (any other int32) keeps its record:
// it says nothing of the severity, so severityText decides as for 0 (unspecified), and the number
// is kept as the annotation otel.severity_number. A number that is no int32 is still out of range.
TEST(OtlpLogsParserTest, UnknownSeverityNumbersKeepTheRecord) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
     {"severityNumber":99,"body":{"stringValue":"a"}},
     {"severityNumber":25,"severityText":"ERROR","body":{"stringValue":"b"}},
     {"severityNumber":-1,"body":{"stringValue":"c"}},
     {"severityNumber":"31","body":{"stringValue":"d"}},
     {"severityNumber":17,"body":{"stringValue":"e"}},
     {"severityNumber":4294967296,"body":{"stringValue":"f"}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 5u);
  EXPECT_EQ(r.rejected, 1u);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b.signals()[0].severity, core::Severity::kUnknown);
  EXPECT_EQ(AnnotationOf(b, b.signals()[0], "otel.severity_number"), "99");
  EXPECT_EQ(b.signals()[1].severity, core::Severity::kError);
  EXPECT_EQ(AnnotationOf(b, b.signals()[1], "otel.severity_number"), "25");
  EXPECT_EQ(b.signals()[2].severity, core::Severity::kUnknown);
  EXPECT_EQ(AnnotationOf(b, b.signals()[2], "otel.severity_number"), "-1");
  EXPECT_EQ(b.signals()[3].message, "d");
  EXPECT_EQ(AnnotationOf(b, b.signals()[3], "otel.severity_number"), "31");
  EXPECT_EQ(b.signals()[4].severity, core::Severity::kError);
  EXPECT_EQ(AnnotationOf(b, b.signals()[4], "otel.severity_number"), "");  // Known: not repeated.
  ASSERT_EQ(b.rejections().size(), 1u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kOutOfRange);
  EXPECT_EQ(b.rejections()[0].record_index, 5u);
}

// severityText when there is no severityNumber, as .NET's "Information" (the OTLP spec's own
// example) and Java's "SEVERE"; a severityNumber wins over the text. Ids are kept lowercase.
TEST(OtlpLogsParserTest, SeverityTextAndUppercaseIds) {
  auto p = MakeParser(core::Format::kOtlpLogs);
  core::SignalBatch b;
  std::string body = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
     {"severityText":"Information","traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174"},
     {"severityText":"SEVERE"},
     {"severityText":"Information","severityNumber":17},
     {"severityText":"loud"},
     {"spanId":"EEE19B7EC3C1B17"}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 4u);
  ASSERT_EQ(r.rejected, 1u);
  EXPECT_STREQ(b.rejections()[0].field, "spanId");
  EXPECT_EQ(b.signals()[0].severity, core::Severity::kInfo);
  EXPECT_EQ(b.signals()[1].severity, core::Severity::kError);
  EXPECT_EQ(b.signals()[2].severity, core::Severity::kError);
  EXPECT_EQ(b.signals()[3].severity, core::Severity::kUnknown);
  EXPECT_EQ(AnnotationOf(b, b.signals()[3], "severity_text"), "loud");
  const core::Signal& s = b.signals()[0];
  EXPECT_EQ(s.source_id, "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(AnnotationOf(b, s, "trace_id"), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(AnnotationOf(b, s, "span_id"), "eee19b7ec3c1b174");
}

}  // namespace
}  // namespace quell::ingest
