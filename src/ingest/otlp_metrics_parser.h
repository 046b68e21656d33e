// src/ingest/otlp_metrics_parser.h
//
// OtlpMetricsParser: OTLP/JSON ExportMetricsServiceRequest (`POST /v1/metrics`) -> one metric
// signal per data point. Either field-name spelling; 64-bit integers as strings or numbers.
//   gauge, sum     metric_type kGauge/kSum, value = asDouble or asInt (neither -> missing_field).
//   histogram      kHistogram, count and sum (value = sum); bucketCounts/explicitBounds dropped.
//   exponentialHistogram  kHistogram with count and sum (annotation otel.histogram=exponential).
//   summary        kSummary, count and sum.
//   any other data (or none) -> one unsupported rejection for the metric.
//   title          metric name (required: missing_field "name", one rejection for the metric);
//                  labels: __name__ = name, the resource labels, and every data point attribute.
//   event_time     timeUnixNano (else the arrival time); annotations unit, description,
//                  aggregation_temporality (delta/cumulative), is_monotonic.
// A data point whose flags have FLAG_NO_RECORDED_VALUE (1: a staleness marker, valid and without a
// value) gives no signal and no rejection.
// ParseResult counts data points (a whole-metric rejection counts as one): rejected maps to
// partialSuccess.rejectedDataPoints.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_OTLP_METRICS_PARSER_H_
#define QUELL_INGEST_OTLP_METRICS_PARSER_H_

#include <cstdint>
#include <string_view>

#include "ingest/otlp_common.h"

namespace quell::ingest {

class OtlpMetricsParser final : public OtlpParserBase {
 public:
  explicit OtlpMetricsParser(const ParserOptions& options)
      : OtlpParserBase(core::Format::kOtlpMetrics, options, "resourceMetrics", "scopeMetrics", "metrics") {}

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t index, uint32_t offset) override;
  RecordStatus ParsePoint(od::value& point, core::MetricType type, bool exponential, uint32_t offset);

  static constexpr uint64_t kFlagNoRecordedValue = 1;  // DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK

  std::string_view name_, unit_, description_, temporality_, monotonic_;
  std::string_view unknown_temporality_;  // An aggregationTemporality past the known ones, as a number.
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_OTLP_METRICS_PARSER_H_
