#include "ingest/otlp_traces_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::kGoldenObserved;

TEST(OtlpTracesParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("otlp_traces", core::Format::kOtlpTraces), 1); }

TEST(OtlpTracesParserTest, SpanFields) {
  auto p = MakeParser(core::Format::kOtlpTraces);
  core::SignalBatch b;
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",
     "spanId":"0102030405060708","name":"GET /","startTimeUnixNano":"1000","endTimeUnixNano":"4000",
     "status":{"code":"STATUS_CODE_ERROR"},"attributes":[{"key":"http.response.status_code","value":{"stringValue":"504"}}]}]}]}]})";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  const core::Signal& s = b.signals()[0];
  EXPECT_EQ(s.kind, core::SignalKind::kSpan);
  EXPECT_EQ(s.duration_ns, 3000);
  EXPECT_EQ(s.span_status, 2);
  EXPECT_EQ(s.http_status, 504);
  EXPECT_EQ(s.severity, core::Severity::kError);
  EXPECT_EQ(s.source_id, "0102030405060708090a0b0c0d0e0f10");
}

TEST(OtlpTracesParserTest, SpanKindByNameOrNumber) {
  auto p = MakeParser(core::Format::kOtlpTraces);
  core::SignalBatch b;
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[
     {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060701","name":"a","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1000","endTimeUnixNano":"2000"},
     {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060702","name":"b","kind":2,"startTimeUnixNano":"1000","endTimeUnixNano":"2000"},
     {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060703","name":"c","kind":"SPAN_KIND_SIDEWAYS","startTimeUnixNano":"1000","endTimeUnixNano":"2000"}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 1u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[0]), "span.kind"), core::FindLabel(b.labels(b.signals()[1]), "span.kind"));
  EXPECT_FALSE(core::FindLabel(b.labels(b.signals()[0]), "span.kind").empty());
}

}  // namespace
}  // namespace quell::ingest
