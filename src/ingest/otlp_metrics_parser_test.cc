#include "ingest/otlp_metrics_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::AnnotationOf;
using testing::kGoldenObserved;

TEST(OtlpMetricsParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("otlp_metrics", core::Format::kOtlpMetrics), 1); }

TEST(OtlpMetricsParserTest, PointAttributesAreLabels) {
  auto p = MakeParser(core::Format::kOtlpMetrics);
  core::SignalBatch b;
  std::string body = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[
     {"asInt":"5","attributes":[{"key":"q","value":{"stringValue":"a"}}]},
     {"asInt":"6","attributes":[{"key":"q","value":{"stringValue":"b"}}]}]},"name":"depth"}]}]}]})";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 2u);
  EXPECT_EQ(b.signals()[0].title, "depth");
  EXPECT_EQ(b.signals()[0].value, 5);
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[1]), "q"), "b");
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[1]), "__name__"), "depth");
  EXPECT_NE(b.signals()[0].fingerprint, b.signals()[1].fingerprint);
}

// QA: a point flagged FLAG_NO_RECORDED_VALUE (a staleness marker, sent by the Collector's
// Prometheus receiver when a series disappears) was rejected as missing asDouble. It is valid and
// has no value: no signal and no rejection.
TEST(OtlpMetricsParserTest, NoRecordedValuePointsAreNeitherSignalsNorRejections) {
  auto p = MakeParser(core::Format::kOtlpMetrics);
  core::SignalBatch b;
  std::string body = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"up","gauge":{"dataPoints":[
     {"timeUnixNano":"1795799061393130551","flags":1},
     {"timeUnixNano":"1795799061393130551","asDouble":1,"flags":0},
     {"asDouble":2}]}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_TRUE(b.rejections().empty());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.signals()[0].value, 1);
  EXPECT_EQ(b.signals()[1].value, 2);
}

// A metric rejected whole (no name) stands for its data points; partialSuccess counts points.
TEST(OtlpMetricsParserTest, ARejectedMetricStandsForItsDataPoints) {
  auto p = MakeParser(core::Format::kOtlpMetrics);
  core::SignalBatch b;
  std::string body = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
     {"gauge":{"dataPoints":[{"asInt":"1"},{"asInt":"2"}]}},
     {"name":"ok","gauge":{"dataPoints":[{"asInt":"3"}]}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(b.rejections().size(), 1u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kMissingField);
  EXPECT_EQ(b.rejections()[0].units, 2u);
}

TEST(OtlpMetricsParserTest, AggregationTemporalityByNameOrNumber) {
  auto p = MakeParser(core::Format::kOtlpMetrics);
  core::SignalBatch b;
  std::string body = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
     {"name":"x","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,"dataPoints":[{"asInt":"1"}]}},
     {"name":"y","sum":{"aggregationTemporality":1,"dataPoints":[{"asInt":"2"}]}}]}]}]})";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 2u);
  EXPECT_EQ(AnnotationOf(b, b.signals()[0], "aggregation_temporality"), "cumulative");
  EXPECT_EQ(AnnotationOf(b, b.signals()[1], "aggregation_temporality"), "delta");
}

// QA: an aggregationTemporality newer than Quell's table (proto3 enums are open) rejected the
// metric. It is unspecified now (no aggregation_temporality annotation), its number kept as
// otel.aggregation_temporality, and the points are taken.
TEST(OtlpMetricsParserTest, UnknownAggregationTemporalityKeepsThePoints) {
  auto p = MakeParser(core::Format::kOtlpMetrics);
  core::SignalBatch b;
  std::string body = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
     {"name":"x","sum":{"aggregationTemporality":5,"dataPoints":[{"asInt":"1"},{"asInt":"2"}]}},
     {"name":"y","histogram":{"dataPoints":[{"count":"1","sum":2}],"aggregationTemporality":"7"}},
     {"name":"z","sum":{"aggregationTemporality":2,"dataPoints":[{"asInt":"3"}]}}]}]}]})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 4u);
  EXPECT_EQ(r.rejected, 0u);
  ASSERT_EQ(b.size(), 4u);
  for (int i : {0, 1}) {
    EXPECT_EQ(AnnotationOf(b, b.signals()[i], "aggregation_temporality"), "");
    EXPECT_EQ(AnnotationOf(b, b.signals()[i], "otel.aggregation_temporality"), "5");
  }
  EXPECT_EQ(AnnotationOf(b, b.signals()[2], "otel.aggregation_temporality"), "7");
  EXPECT_EQ(AnnotationOf(b, b.signals()[3], "aggregation_temporality"), "cumulative");
  EXPECT_EQ(AnnotationOf(b, b.signals()[3], "otel.aggregation_temporality"), "");
}

}  // namespace
}  // namespace quell::ingest
