// Tests of the OTLP protobuf -> JSON transcoder: exact JSON for each message family, protobuf's
// rules (unknown fields, interleaved and packed repeated fields, last singular wins), every
// wire-format error with its offset, and the same signals as the JSON encoding of the request.
#include "ingest/otlp_protobuf.h"

#include <cstdint>
#include <regex>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "core/label.h"
#include "core/signal_batch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"
#include "ingest/otlp_protobuf_parser.h"
#include "ingest/parser.h"

namespace quell::ingest {
namespace {

using ::testing::HasSubstr;

// A protobuf writer for the tests (the transcoder only reads).
class Pb {
 public:
  Pb& Varint(uint32_t field, uint64_t v) {
    Tag(field, 0);
    Raw(v);
    return *this;
  }
  Pb& Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Pb& Double(uint32_t field, double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    return Fixed64(field, v);
  }
  Pb& Fixed32(uint32_t field, uint32_t v) {
    Tag(field, 5);
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Pb& Bytes(uint32_t field, std::string_view b) {
    Tag(field, 2);
    Raw(b.size());
    bytes_.append(b);
    return *this;
  }
  Pb& Msg(uint32_t field, const Pb& m) { return Bytes(field, m.bytes_); }
  const std::string& str() const { return bytes_; }

  void Tag(uint32_t field, int wire) { Raw((uint64_t{field} << 3) | static_cast<uint64_t>(wire)); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<char>(v));
  }

 private:
  std::string bytes_;
};

Pb StringKv(std::string_view key, std::string_view value) {
  return Pb().Bytes(1, key).Msg(2, Pb().Bytes(1, value));
}

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

struct Result {
  bool ok;
  std::string json;
  ProtobufError error;
};

Result Transcode(OtlpRequestKind kind, const std::string& body, size_t max_json = 1 << 20) {
  Result r;
  OtlpProtobufTranscoder t;
  r.ok = t.Transcode(kind, body, max_json, &r.json, &r.error);
  return r;
}

constexpr uint64_t kT0 = 1767225600000000000;  // 2026-01-01T00:00:00Z

Pb LogsRequest() {
  Pb resource = Pb().Msg(1, StringKv("service.name", "checkout")).Msg(1, StringKv("deployment.environment.name", "prod"));
  Pb scope = Pb().Bytes(1, "quell-test").Bytes(2, "0.1.0");
  Pb attrs_int = Pb().Bytes(1, "http.response.status_code").Msg(2, Pb().Varint(3, 503));
  Pb attrs_neg = Pb().Bytes(1, "delta").Msg(2, Pb().Varint(3, static_cast<uint64_t>(int64_t{-7})));
  Pb attrs_bool = Pb().Bytes(1, "retry").Msg(2, Pb().Varint(2, 1));
  Pb attrs_double = Pb().Bytes(1, "ratio").Msg(2, Pb().Double(4, 0.25));
  Pb attrs_array = Pb().Bytes(1, "tags").Msg(2, Pb().Msg(5, Pb().Msg(1, Pb().Bytes(1, "a")).Msg(1, Pb().Bytes(1, "b"))));
  Pb attrs_kvlist = Pb().Bytes(1, "user").Msg(2, Pb().Msg(6, Pb().Msg(1, StringKv("id", "u1"))));
  Pb attrs_bytes = Pb().Bytes(1, "raw").Msg(2, Pb().Bytes(7, "ab\xff"));
  Pb record = Pb()
                  .Fixed64(1, kT0)
                  .Fixed64(11, kT0 + 5)
                  .Varint(2, 17)
                  .Bytes(3, "ERROR")
                  .Msg(5, Pb().Bytes(1, "payment \"failed\"\n"))
                  .Msg(6, attrs_int)
                  .Msg(6, attrs_neg)
                  .Msg(6, attrs_bool)
                  .Msg(6, attrs_double)
                  .Msg(6, attrs_array)
                  .Msg(6, attrs_kvlist)
                  .Msg(6, attrs_bytes)
                  .Fixed32(8, 1)
                  .Bytes(9, Hex("5b8efff798038103d269b633813fc60c"))
                  .Bytes(10, Hex("eee19b7ec3c1b174"));
  Pb scope_logs = Pb().Msg(1, scope).Msg(2, record).Msg(2, Pb().Fixed64(1, kT0).Varint(2, 9).Msg(5, Pb().Bytes(1, "ok")));
  return Pb().Msg(1, Pb().Msg(1, resource).Msg(2, scope_logs).Bytes(3, "https://opentelemetry.io/schemas/1.26.0"));
}

TEST(OtlpProtobufTest, LogsRequestBecomesOtlpJson) {
  Result r = Transcode(OtlpRequestKind::kLogs, LogsRequest().str());
  ASSERT_TRUE(r.ok) << r.error.reason;
  EXPECT_EQ(r.json,
            R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},)"
            R"({"key":"deployment.environment.name","value":{"stringValue":"prod"}}]},"scopeLogs":[{"scope":)"
            R"({"name":"quell-test","version":"0.1.0"},"logRecords":[{"timeUnixNano":"1767225600000000000",)"
            R"("observedTimeUnixNano":"1767225600000000005","severityNumber":17,"severityText":"ERROR",)"
            R"("body":{"stringValue":"payment \"failed\"\n"},"attributes":[)"
            R"({"key":"http.response.status_code","value":{"intValue":"503"}},)"
            R"({"key":"delta","value":{"intValue":"-7"}},{"key":"retry","value":{"boolValue":true}},)"
            R"({"key":"ratio","value":{"doubleValue":0.25}},)"
            R"({"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}},)"
            R"({"key":"user","value":{"kvlistValue":{"values":[{"key":"id","value":{"stringValue":"u1"}}]}}},)"
            R"({"key":"raw","value":{"bytesValue":"YWL/"}}],"flags":1,)"
            R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"},)"
            R"({"timeUnixNano":"1767225600000000000","severityNumber":9,"body":{"stringValue":"ok"}}]}],)"
            R"("schemaUrl":"https://opentelemetry.io/schemas/1.26.0"}]})");
}

// The point of the transcoding: the JSON parser reads it as it reads the JSON exporters' bodies.
TEST(OtlpProtobufTest, TranscodedLogsParseLikeTheirJson) {
  Result r = Transcode(OtlpRequestKind::kLogs, LogsRequest().str());
  ASSERT_TRUE(r.ok) << r.error.reason;
  std::unique_ptr<Parser> parser = MakeParser(core::Format::kOtlpLogs, ParserOptions());
  core::SignalBatch batch;
  ParseResult pr = parser->Parse(r.json, 0, core::SourceKind::kHttp, core::EventTime(), &batch);
  ASSERT_EQ(pr.accepted, 2u);
  EXPECT_EQ(pr.rejected, 0u);
  const core::Signal& s = batch.signals()[0];
  EXPECT_EQ(s.service, "checkout");
  EXPECT_EQ(s.env, "prod");
  EXPECT_EQ(s.severity, core::Severity::kError);
  EXPECT_EQ(s.message, "payment \"failed\"\n");
  EXPECT_EQ(s.event_time.unix_nanos(), static_cast<int64_t>(kT0));
  EXPECT_EQ(s.source_id, "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(batch.signals()[1].severity, core::Severity::kInfo);
}

TEST(OtlpProtobufTest, TracesSpanWithKindStatusEventsAndLinks) {
  Pb span = Pb()
                .Bytes(1, Hex("0102030405060708090a0b0c0d0e0f10"))
                .Bytes(2, Hex("1112131415161718"))
                .Bytes(4, Hex("2122232425262728"))
                .Bytes(5, "POST /pay")
                .Varint(6, 2)
                .Fixed64(7, kT0)
                .Fixed64(8, kT0 + 1500000)
                .Msg(9, Pb().Bytes(1, "http.response.status_code").Msg(2, Pb().Varint(3, 503)))
                .Msg(11, Pb().Fixed64(1, kT0 + 10).Bytes(2, "retry"))
                .Msg(13, Pb().Bytes(1, Hex("0102030405060708090a0b0c0d0e0f11")).Bytes(2, Hex("3132333435363738")))
                .Msg(15, Pb().Bytes(2, "upstream timeout").Varint(3, 2))
                .Fixed32(16, 0x101);
  Pb request = Pb().Msg(1, Pb().Msg(1, Pb().Msg(1, StringKv("service.name", "pay"))).Msg(2, Pb().Msg(2, span)));
  Result r = Transcode(OtlpRequestKind::kTraces, request.str());
  ASSERT_TRUE(r.ok) << r.error.reason;
  EXPECT_EQ(r.json,
            R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"pay"}}]},)"
            R"("scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718",)"
            R"("parentSpanId":"2122232425262728","name":"POST /pay","kind":2,"startTimeUnixNano":"1767225600000000000",)"
            R"("endTimeUnixNano":"1767225600001500000","attributes":[{"key":"http.response.status_code",)"
            R"("value":{"intValue":"503"}}],"events":[{"timeUnixNano":"1767225600000000010","name":"retry"}],)"
            R"("links":[{"traceId":"0102030405060708090a0b0c0d0e0f11","spanId":"3132333435363738"}],)"
            R"("status":{"message":"upstream timeout","code":2},"flags":257}]}]}]})");

  std::unique_ptr<Parser> parser = MakeParser(core::Format::kOtlpTraces, ParserOptions());
  core::SignalBatch batch;
  ParseResult pr = parser->Parse(r.json, 0, core::SourceKind::kHttp, core::EventTime(), &batch);
  ASSERT_EQ(pr.accepted, 1u) << (batch.rejections().empty() ? "" : batch.rejections()[0].ToString());
  EXPECT_EQ(batch.signals()[0].title, "POST /pay");
  EXPECT_EQ(batch.signals()[0].service, "pay");
}

TEST(OtlpProtobufTest, MetricsPackedAndUnpackedRepeatedScalars) {
  Pb gauge_point = Pb().Msg(7, StringKv("route", "/pay")).Fixed64(3, kT0).Double(4, 1.5);
  Pb sum_point = Pb().Fixed64(3, kT0).Fixed64(6, static_cast<uint64_t>(int64_t{-3}));
  // bucketCounts packed (one length-delimited run of fixed64), explicitBounds unpacked.
  std::string packed;
  for (uint64_t v : {1u, 0u, 2u}) {
    for (int i = 0; i < 8; ++i) packed.push_back(static_cast<char>(v >> (8 * i)));
  }
  Pb hist_point = Pb().Msg(9, StringKv("route", "/pay")).Fixed64(3, kT0).Fixed64(4, 3).Double(5, 7.5).Bytes(6, packed)
                      .Double(7, 1.0).Double(7, 5.0);
  // Exponential histogram: sint32 scale -2 (zigzag 3), buckets with packed uint64 varints.
  std::string varints = "\x01\x96\x01";  // 1, 150
  Pb exp_point = Pb().Fixed64(3, kT0).Fixed64(4, 151).Varint(6, 3).Msg(8, Pb().Varint(1, 1).Bytes(2, varints));
  Pb metrics = Pb()
                   .Msg(2, Pb().Bytes(1, "queue.depth").Msg(5, Pb().Msg(1, gauge_point)))
                   .Msg(2, Pb().Bytes(1, "errors").Msg(7, Pb().Msg(1, sum_point).Varint(2, 2).Varint(3, 1)))
                   .Msg(2, Pb().Bytes(1, "latency").Bytes(3, "ms").Msg(9, Pb().Msg(1, hist_point).Varint(2, 2)))
                   .Msg(2, Pb().Bytes(1, "size").Msg(10, Pb().Msg(1, exp_point)));
  Pb request = Pb().Msg(1, Pb().Msg(2, metrics));
  Result r = Transcode(OtlpRequestKind::kMetrics, request.str());
  ASSERT_TRUE(r.ok) << r.error.reason;
  EXPECT_EQ(r.json,
            R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[)"
            R"({"name":"queue.depth","gauge":{"dataPoints":[{"attributes":[{"key":"route","value":{"stringValue":"/pay"}}],)"
            R"("timeUnixNano":"1767225600000000000","asDouble":1.5}]}},)"
            R"({"name":"errors","sum":{"dataPoints":[{"timeUnixNano":"1767225600000000000","asInt":"-3"}],)"
            R"("aggregationTemporality":2,"isMonotonic":true}},)"
            R"({"name":"latency","unit":"ms","histogram":{"dataPoints":[{"attributes":[{"key":"route","value":)"
            R"({"stringValue":"/pay"}}],"timeUnixNano":"1767225600000000000","count":"3","sum":7.5,)"
            R"("bucketCounts":["1","0","2"],"explicitBounds":[1,5]}],"aggregationTemporality":2}},)"
            R"({"name":"size","exponentialHistogram":{"dataPoints":[{"timeUnixNano":"1767225600000000000",)"
            R"("count":"151","scale":-2,"positive":{"offset":-1,"bucketCounts":["1","150"]}}]}}]}]}]})");

  std::unique_ptr<Parser> parser = MakeParser(core::Format::kOtlpMetrics, ParserOptions());
  core::SignalBatch batch;
  ParseResult pr = parser->Parse(r.json, 0, core::SourceKind::kHttp, core::EventTime(), &batch);
  // One signal per data point: gauge, sum, histogram, exponential histogram.
  EXPECT_EQ(pr.accepted, 4u);
  EXPECT_EQ(pr.rejected, 0u);
}

TEST(OtlpProtobufTest, ProtobufRulesUnknownFieldsInterleavingLastSingularWins) {
  Pb record = Pb()
                  .Varint(99, 1)                 // unknown varint
                  .Bytes(3, "first")             // severityText, overwritten below
                  .Msg(6, StringKv("a", "1"))    // attributes, interleaved with other fields
                  .Fixed64(98, 7)                // unknown fixed64
                  .Fixed32(97, 7)                // unknown fixed32
                  .Bytes(96, "junk")             // unknown bytes
                  .Bytes(2, "not a varint")      // severityNumber with a foreign wire type: skipped
                  .Bytes(3, "second")
                  .Msg(6, StringKv("b", "2"));
  Pb request = Pb().Msg(1, Pb().Msg(2, Pb().Msg(2, record)));
  Result r = Transcode(OtlpRequestKind::kLogs, request.str());
  ASSERT_TRUE(r.ok) << r.error.reason;
  EXPECT_EQ(r.json,
            R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityText":"second","attributes":[)"
            R"({"key":"a","value":{"stringValue":"1"}},{"key":"b","value":{"stringValue":"2"}}]}]}]}]})");
}

TEST(OtlpProtobufTest, ScalarsAndStringsAreWrittenAsTheJsonMappingSays) {
  Pb values = Pb()
                  .Msg(1, Pb().Double(4, std::numeric_limits<double>::quiet_NaN()))
                  .Msg(1, Pb().Double(4, -std::numeric_limits<double>::infinity()))
                  .Msg(1, Pb().Double(4, 0.1))
                  .Msg(1, Pb().Varint(3, static_cast<uint64_t>(INT64_MIN)))
                  .Msg(1, Pb().Bytes(1, std::string("tab\tnul\0\x1f\\", 10)))
                  .Msg(1, Pb().Bytes(7, "a"))
                  .Msg(1, Pb().Bytes(7, "ab"))
                  .Msg(1, Pb());
  Pb record = Pb().Varint(2, static_cast<uint64_t>(int64_t{-1})).Msg(5, Pb().Msg(5, values));
  Result r = Transcode(OtlpRequestKind::kLogs, Pb().Msg(1, Pb().Msg(2, Pb().Msg(2, record))).str());
  ASSERT_TRUE(r.ok) << r.error.reason;
  EXPECT_EQ(r.json,
            R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":-1,"body":{"arrayValue":{"values":[)"
            R"({"doubleValue":"NaN"},{"doubleValue":"-Infinity"},{"doubleValue":0.1},)"
            R"({"intValue":"-9223372036854775808"},{"stringValue":"tab\tnul\u0000\u001f\\"},)"
            R"({"bytesValue":"YQ=="},{"bytesValue":"YWI="},{}]}}}]}]}]})");
}

TEST(OtlpProtobufTest, EmptyBodyIsAnEmptyRequest) {
  Result r = Transcode(OtlpRequestKind::kTraces, "");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.json, "{}");
}

struct BadCase {
  const char* name;
  std::string body;
  uint32_t offset;
  const char* reason;
};

TEST(OtlpProtobufTest, WireFormatErrorsFailWithOffsetAndReason) {
  const std::string record = Pb().Bytes(3, "WARN").str();
  std::string length_past_end = Pb().Msg(1, Pb().Msg(2, Pb().Bytes(2, record))).str();
  length_past_end.pop_back();  // The outermost length now runs one byte past the body.
  const BadCase cases[] = {
      {"truncated tag", "\x80", 0, "truncated or over-long field tag"},
      {"over-long varint", std::string("\x08") + std::string(10, '\xff') + "\x01", 0, "field 1: truncated varint"},
      {"truncated fixed64", "\x09\x01\x02", 0, "field 1: truncated 8-byte value"},
      {"length past end", length_past_end, 0, "field 1: length"},
      {"field number zero", std::string("\x00\x01", 2), 0, "invalid field number 0"},
      {"group", "\x0b", 0, "groups (wire type 3)"},
      {"wire type 7", "\x0f", 0, "invalid wire type 7"},
      {"inner error offset", Pb().Msg(1, Pb().Bytes(2, "\x80")).str(), 4, "truncated or over-long field tag"},
  };
  for (const BadCase& c : cases) {
    Result r = Transcode(OtlpRequestKind::kLogs, c.body);
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_EQ(r.error.offset, c.offset) << c.name;
    EXPECT_THAT(r.error.reason, HasSubstr(c.reason)) << c.name;
    EXPECT_FALSE(r.error.too_large) << c.name;
  }
}

TEST(OtlpProtobufTest, NestingPastTheLimitFails) {
  Pb v = Pb().Bytes(1, "leaf");
  for (int i = 0; i < OtlpProtobufTranscoder::kMaxDepth; ++i) v = Pb().Msg(5, Pb().Msg(1, v));  // AnyValue in ArrayValue
  Pb request = Pb().Msg(1, Pb().Msg(2, Pb().Msg(2, Pb().Msg(5, v))));
  Result r = Transcode(OtlpRequestKind::kLogs, request.str());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error.reason, HasSubstr("nested deeper than"));
}

TEST(OtlpProtobufTest, OutputOverTheLimitFailsAsTooLarge) {
  Pb scope = Pb();
  for (int i = 0; i < 100; ++i) scope.Msg(2, Pb().Varint(2, 9));
  Pb request = Pb().Msg(1, Pb().Msg(2, scope));
  EXPECT_TRUE(Transcode(OtlpRequestKind::kLogs, request.str(), 4096).ok);
  Result r = Transcode(OtlpRequestKind::kLogs, request.str(), 1000);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.error.too_large);
}

TEST(OtlpProtobufTest, ExportResponseAndStatusEncodings) {
  EXPECT_EQ(OtlpProtobufExportResponse(0, ""), "");
  // partial_success (1) {rejected (1) = 2, error_message (2) = "bad"}
  EXPECT_EQ(OtlpProtobufExportResponse(2, "bad"), std::string("\x0a\x07\x08\x02\x12\x03" "bad", 9));
  // google.rpc.Status {code (1) = 3, message (2) = "no"}
  EXPECT_EQ(OtlpProtobufStatus(3, "no"), std::string("\x08\x03\x12\x02no", 6));
}

// QA: one record with a body nested 80 key-value lists deep failed the whole protobuf body (400:
// messages nested deeper than 128), so the good record beside it was lost, where the same request
// in JSON is a partial success. Now only the deep record is rejected.
TEST(OtlpProtobufParserTest, ADeeplyNestedRecordIsRejectedAloneAsInJson) {
  Pb deep = Pb().Bytes(1, "leaf");  // AnyValue.string_value
  for (int i = 0; i < 80; ++i) {
    deep = Pb().Msg(6, Pb().Msg(1, Pb().Bytes(1, "k").Msg(2, deep)));  // AnyValue{kvlist{KeyValue{k, deep}}}
  }
  Pb good = Pb().Msg(5, Pb().Bytes(1, "ok"));  // LogRecord.body
  Pb bad = Pb().Msg(5, deep);
  Pb request = Pb().Msg(1, Pb().Msg(2, Pb().Msg(2, good).Msg(2, bad)));
  std::unique_ptr<Parser> parser = OtlpProtobufParser::Make(core::Format::kOtlpLogs, ParserOptions());
  core::SignalBatch batch;
  const std::string body = request.str();
  ParseResult pr = parser->Parse(body, body.size(), core::SourceKind::kHttp, core::EventTime(), &batch);
  EXPECT_FALSE(pr.body_rejected);
  EXPECT_EQ(pr.accepted, 1u);
  EXPECT_EQ(pr.rejected, 1u);
  ASSERT_EQ(batch.rejections().size(), 1u);
  EXPECT_EQ(batch.rejections()[0].reason, core::RejectReason::kTooDeep);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.signals()[0].message, "ok");
}

// QA: enum values past the known ones (a SpanKind, status code, SeverityNumber or temporality
// newer than Quell's tables) rejected their records, where the Collector keeps them: proto3 enums
// are open. They are transcoded as the int32 they are and read as an unknown number is in JSON:
// the record is kept, the value means unspecified, and the number stays as an otel.* annotation.
TEST(OtlpProtobufParserTest, UnknownEnumValuesKeepTheirRecordsAsInJson) {
  auto parse = [](core::Format format, const Pb& request, core::SignalBatch* batch) {
    std::unique_ptr<Parser> parser = OtlpProtobufParser::Make(format, ParserOptions());
    const std::string body = request.str();
    return parser->Parse(body, body.size(), core::SourceKind::kHttp, core::EventTime(), batch);
  };
  const Pb logs = Pb().Msg(
      1, Pb().Msg(2, Pb().Msg(2, Pb().Varint(2, 30).Msg(5, Pb().Bytes(1, "new level")))
                         .Msg(2, Pb().Varint(2, static_cast<uint64_t>(int64_t{-3})).Bytes(3, "WARN")
                                     .Msg(5, Pb().Bytes(1, "negative")))));
  Result json = Transcode(OtlpRequestKind::kLogs, logs.str());
  ASSERT_TRUE(json.ok);
  EXPECT_THAT(json.json, HasSubstr(R"("severityNumber":30)"));
  EXPECT_THAT(json.json, HasSubstr(R"("severityNumber":-3)"));
  core::SignalBatch b;
  ParseResult r = parse(core::Format::kOtlpLogs, logs, &b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 0u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.signals()[0].severity, core::Severity::kUnknown);
  EXPECT_EQ(testing::AnnotationOf(b, b.signals()[0], "otel.severity_number"), "30");
  EXPECT_EQ(b.signals()[1].severity, core::Severity::kWarning);  // severityText decides.
  EXPECT_EQ(testing::AnnotationOf(b, b.signals()[1], "otel.severity_number"), "-3");

  const Pb span = Pb().Bytes(1, Hex("0102030405060708090a0b0c0d0e0f10"))
                      .Bytes(2, Hex("0102030405060708"))
                      .Bytes(5, "GET /")
                      .Varint(6, 7)
                      .Msg(15, Pb().Varint(3, 4));
  b.Clear();
  r = parse(core::Format::kOtlpTraces, Pb().Msg(1, Pb().Msg(2, Pb().Msg(2, span))), &b);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.rejected, 0u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.signals()[0].span_status, 0);
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[0]), "span.kind"), "");
  EXPECT_EQ(testing::AnnotationOf(b, b.signals()[0], "otel.span_kind"), "7");
  EXPECT_EQ(testing::AnnotationOf(b, b.signals()[0], "otel.status_code"), "4");

  const Pb metric = Pb().Bytes(1, "queue.depth").Msg(7, Pb().Msg(1, Pb().Fixed64(6, 5)).Varint(2, 9));
  b.Clear();
  r = parse(core::Format::kOtlpMetrics, Pb().Msg(1, Pb().Msg(2, Pb().Msg(2, metric))), &b);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.rejected, 0u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.signals()[0].value, 5);
  EXPECT_EQ(testing::AnnotationOf(b, b.signals()[0], "otel.aggregation_temporality"), "9");
}

TEST(OtlpProtobufParserTest, ParsesProtobufAndRejectsBrokenBodiesWhole) {
  EXPECT_EQ(OtlpProtobufParser::Make(core::Format::kAlertmanager, ParserOptions()), nullptr);
  EXPECT_EQ(OtlpProtobufParser::Wrap(MakeParser(core::Format::kDatadogLog)), nullptr);
  std::unique_ptr<Parser> parser = OtlpProtobufParser::Make(core::Format::kOtlpLogs, ParserOptions());
  ASSERT_NE(parser, nullptr);
  EXPECT_EQ(parser->format(), core::Format::kOtlpLogs);
  core::SignalBatch batch;
  const std::string body = LogsRequest().str();
  ParseResult pr = parser->Parse(body, body.size(), core::SourceKind::kKafka, core::EventTime(), &batch);
  EXPECT_EQ(pr.accepted, 2u);
  EXPECT_EQ(batch.signals()[0].service, "checkout");

  batch.Clear();
  pr = parser->Parse(std::string("\x0a\x05\x01", 3), 3, core::SourceKind::kKafka, core::EventTime(), &batch);
  EXPECT_TRUE(pr.body_rejected);
  EXPECT_EQ(pr.accepted, 0u);
  ASSERT_EQ(batch.rejections().size(), 1u);
  EXPECT_EQ(batch.rejections()[0].reason, core::RejectReason::kMalformedProtobuf);
  EXPECT_EQ(batch.rejections()[0].offset, 0u);

  // A transcoding over the wrapped parser's limit is one too_large rejection.
  std::unique_ptr<Parser> small = OtlpProtobufParser::Wrap(MakeParser(core::Format::kOtlpLogs), 100);
  batch.Clear();
  pr = small->Parse(body, body.size(), core::SourceKind::kKafka, core::EventTime(), &batch);
  EXPECT_TRUE(pr.body_rejected);
  ASSERT_EQ(batch.rejections().size(), 1u);
  EXPECT_EQ(batch.rejections()[0].reason, core::RejectReason::kTooLarge);
}

// Every OTLP golden fixture (tests/data/golden/otlp_*), written as protobuf (OtlpJsonToProtobuf)
// and read back through OtlpProtobufParser, gives the signals of its .expected.jsonl: byte offsets
// aside, which refer to the transcoding.
TEST(OtlpProtobufParserTest, GoldenFixturesRoundTripThroughProtobuf) {
  namespace fs = std::filesystem;
  const std::regex offsets("\"(record_offset|offset)\":[0-9]+");
  const std::pair<const char*, core::Format> dirs[] = {{"otlp_logs", core::Format::kOtlpLogs},
                                                       {"otlp_traces", core::Format::kOtlpTraces},
                                                       {"otlp_metrics", core::Format::kOtlpMetrics}};
  int checked = 0;
  for (const auto& [dir, format] : dirs) {
    const OtlpRequestKind kind = format == core::Format::kOtlpLogs     ? OtlpRequestKind::kLogs
                                 : format == core::Format::kOtlpTraces ? OtlpRequestKind::kTraces
                                                                       : OtlpRequestKind::kMetrics;
    for (const auto& e : fs::directory_iterator(fs::path(QUELL_SOURCE_DIR) / "tests/data/golden" / dir)) {
      const std::string name = e.path().filename().string();
      if (!name.ends_with(".json")) continue;
      SCOPED_TRACE(e.path().string());
      absl::StatusOr<std::string> pb = OtlpJsonToProtobuf(kind, testing::ReadFileForTesting(e.path()));
      if (name == "otel_js.json" && format != core::Format::kOtlpMetrics) {
        // These hold ids that are not hex (traceId "not-hex", spanId "ccc"), which the JSON parsers
        // take and protobuf bytes cannot carry: the encoder refuses them.
        EXPECT_FALSE(pb.ok());
        continue;
      }
      ASSERT_TRUE(pb.ok()) << pb.status();
      std::unique_ptr<Parser> parser = OtlpProtobufParser::Make(format, ParserOptions());
      ParseResult r;
      std::string got = testing::RenderParse(*parser, *pb, pb->size(), &r);
      fs::path expected = e.path();
      expected.replace_extension(".expected.jsonl");
      EXPECT_EQ(std::regex_replace(got, offsets, "\"$1\":0"),
                std::regex_replace(testing::ReadFileForTesting(expected), offsets, "\"$1\":0"));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);  // otlp_logs/snake_case.json, otlp_metrics/all_types.json
}

TEST(OtlpProtobufTest, JsonToProtobufRefusesWhatProtobufCannotCarryAndDropsUnknownKeys) {
  EXPECT_EQ(*OtlpJsonToProtobuf(OtlpRequestKind::kLogs, R"({"nope":1})"), "");
  EXPECT_FALSE(OtlpJsonToProtobuf(OtlpRequestKind::kLogs, R"({"resourceLogs":{"scopeLogs":[]}})").ok());
  EXPECT_FALSE(OtlpJsonToProtobuf(OtlpRequestKind::kLogs, R"({"resourceLogs":[{"schemaUrl":7}]})").ok());
  EXPECT_FALSE(OtlpJsonToProtobuf(OtlpRequestKind::kTraces,
                                  R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]})")
                   .ok());
  EXPECT_FALSE(OtlpJsonToProtobuf(OtlpRequestKind::kMetrics, "[]").ok());
  EXPECT_FALSE(OtlpJsonToProtobuf(OtlpRequestKind::kLogs,
                                  R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"%%"}}]}]}]})")
                   .ok());
  // bytesValue: base64 in, bytes on the wire, the same base64 out (web-safe input is taken too).
  for (const char* b64 : {"aGVsbG8/", "aGVsbG8_"}) {
    absl::StatusOr<std::string> bytes = OtlpJsonToProtobuf(
        OtlpRequestKind::kLogs,
        std::string(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":")") + b64 + R"("}}]}]}]})");
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_THAT(*bytes, HasSubstr("hello?"));
    Result back = Transcode(OtlpRequestKind::kLogs, *bytes);
    ASSERT_TRUE(back.ok);
    EXPECT_THAT(back.json, HasSubstr(R"("bytesValue":"aGVsbG8/")"));
  }
  // snake_case names and numbers as strings are read as the JSON parsers read them.
  absl::StatusOr<std::string> pb =
      OtlpJsonToProtobuf(OtlpRequestKind::kLogs, R"({"resource_logs":[{"scope_logs":[{"log_records":[)"
                                                 R"({"time_unix_nano":"5","severity_number":9}]}]}]})");
  ASSERT_TRUE(pb.ok()) << pb.status();
  Result r = Transcode(OtlpRequestKind::kLogs, *pb);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.json, R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"5","severityNumber":9}]}]}]})");
}

}  // namespace
}  // namespace quell::ingest
