#include "ingest/otlp_traces_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"
#include "ingest/json_document.h"
#include "ingest/otlp_common.h"

namespace quell::ingest {
namespace {

using testing::AnnotationOf;
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

// OTLP/JSON ids are case-insensitive hex (the spec's own example writes them uppercase): kept
// lowercase, so a trace's spans and logs carry one id. Not-hex stays a rejection.
TEST(OtlpTracesParserTest, HexIdsAreKeptLowercase) {
  auto p = MakeParser(core::Format::kOtlpTraces);
  core::SignalBatch b;
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C",
     "spanId":"EEE19B7EC3C1B174","parentSpanId":"eee19b7eC3C1B173","name":"a","startTimeUnixNano":"1"},
     {"traceId":"5B8EFFF798038103D269B633813FC60G","spanId":"EEE19B7EC3C1B174","name":"b"}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejected, 1u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kInvalidValue);
  EXPECT_STREQ(b.rejections()[0].field, "traceId");
  const core::Signal& s = b.signals()[0];
  EXPECT_EQ(s.source_id, "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(AnnotationOf(b, s, "span_id"), "eee19b7ec3c1b174");
  EXPECT_EQ(AnnotationOf(b, s, "parent_span_id"), "eee19b7ec3c1b173");
  // The body is untouched (the lowercase ids are copies).
  EXPECT_NE(body.find("5B8EFFF798038103D269B633813FC60C"), std::string::npos);
}

// KeepHexId tests 16 bytes at a time: every byte value at every position of a span id and a trace
// id, against the rule byte by byte (0-9, a-f, A-F are hex; A-F are lowered).
TEST(OtlpTracesParserTest, KeepHexIdAcceptsExactlyHexDigits) {
  core::SignalBatch b;
  JsonDocument doc{ParserLimits{}};
  doc.KeepIn(&b);
  for (size_t n : {size_t{16}, size_t{32}, size_t{8}}) {
    for (size_t pos = 0; pos < n; ++pos) {
      for (int c = 0; c < 256; ++c) {
        std::string id(n, '7');
        id[pos] = static_cast<char>(c);
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        std::string_view out;
        ASSERT_EQ(KeepHexId(doc, id, n, &out), hex) << "n=" << n << " pos=" << pos << " byte=" << c;
        if (!hex) continue;
        std::string want = id;
        if (c >= 'A' && c <= 'F') want[pos] = static_cast<char>(c - 'A' + 'a');
        ASSERT_EQ(out, want) << "n=" << n << " pos=" << pos << " byte=" << c;
      }
    }
  }
  std::string_view out;
  EXPECT_FALSE(KeepHexId(doc, "0123456789abcdef0", 16, &out));  // Wrong length.
  EXPECT_FALSE(KeepHexId(doc, "", 16, &out));
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

// QA: a SpanKind or status code newer than Quell's tables (proto3 enums are open) rejected the
// span; the Collector keeps it. An unknown kind is unspecified (no span.kind label), an unknown
// code unset (not an error); the numbers are kept as the annotations otel.span_kind and
// otel.status_code.
TEST(OtlpTracesParserTest, UnknownSpanKindAndStatusCodeKeepTheSpan) {
  auto p = MakeParser(core::Format::kOtlpTraces);
  core::SignalBatch b;
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[
     {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060701","name":"a","kind":6,
      "status":{"code":3,"message":"new"},"startTimeUnixNano":"1000","endTimeUnixNano":"2000"},
     {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060702","name":"b","kind":-2,
      "status":{"code":"9"}},
     {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060703","name":"c","kind":2,
      "status":{"code":2}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.rejected, 0u);
  ASSERT_EQ(b.size(), 3u);
  const core::Signal& a = b.signals()[0];
  EXPECT_EQ(core::FindLabel(b.labels(a), "span.kind"), "");
  EXPECT_EQ(AnnotationOf(b, a, "otel.span_kind"), "6");
  EXPECT_EQ(a.span_status, 0);
  EXPECT_NE(a.severity, core::Severity::kError);
  EXPECT_EQ(AnnotationOf(b, a, "otel.status_code"), "3");
  EXPECT_EQ(a.message, "new");
  EXPECT_EQ(a.duration_ns, 1000);
  EXPECT_EQ(AnnotationOf(b, b.signals()[1], "otel.span_kind"), "-2");
  EXPECT_EQ(AnnotationOf(b, b.signals()[1], "otel.status_code"), "9");
  // Known values: as before, and no annotation.
  const core::Signal& c = b.signals()[2];
  EXPECT_EQ(core::FindLabel(b.labels(c), "span.kind"), "server");
  EXPECT_EQ(c.span_status, 2);
  EXPECT_EQ(AnnotationOf(b, c, "otel.span_kind"), "");
  EXPECT_EQ(AnnotationOf(b, c, "otel.status_code"), "");
}

}  // namespace
}  // namespace quell::ingest
