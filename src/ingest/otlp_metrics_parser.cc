#include "ingest/otlp_metrics_parser.h"

#include "fmt/format.h"

namespace quell::ingest {

using core::RejectReason;

RecordStatus OtlpMetricsParser::ParsePoint(od::value& point, core::MetricType type, bool exponential,
                                           uint32_t offset) {
  od::object obj;
  if (auto e = point.get_object().get(obj)) return FromSimdjson(e, "dataPoint");
  SignalDraft& d = StartDraft(offset, /*share_resource_labels=*/false);
  core::Signal& s = d.signal;
  s.kind = core::SignalKind::kMetric;
  s.metric_type = type;
  s.title = name_;
  d.Label("__name__", name_);
  d.Annotate("unit", unit_);
  d.Annotate("description", description_);
  d.Annotate("aggregation_temporality", temporality_);
  d.Annotate("otel.aggregation_temporality", unknown_temporality_);
  d.Annotate("is_monotonic", monotonic_);
  if (exponential) d.Annotate("otel.histogram", "exponential");
  const size_t max = max_string();
  int64_t time_ns = 0, start_ns = 0;
  bool has_value = false, has_count = false, no_recorded_value = false;
  double sum = 0;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    od::value& v = f.value();
    if (OtlpKeyIs(k, "timeUnixNano")) {
      QUELL_TRY_FIELD(ReadInt64(v, "timeUnixNano", &time_ns));
    } else if (OtlpKeyIs(k, "startTimeUnixNano")) {
      QUELL_TRY_FIELD(ReadInt64(v, "startTimeUnixNano", &start_ns));
    } else if (OtlpKeyIs(k, "asDouble")) {
      QUELL_TRY_FIELD(ReadDouble(v, "asDouble", &s.value));
      has_value = true;
    } else if (OtlpKeyIs(k, "asInt")) {
      int64_t i = 0;
      QUELL_TRY_FIELD(ReadInt64(v, "asInt", &i));
      s.value = static_cast<double>(i);
      has_value = true;
    } else if (k == "count") {
      QUELL_TRY_FIELD(ReadUint64(v, "count", &s.count));
      has_count = true;
    } else if (k == "sum") {
      QUELL_TRY_FIELD(ReadDouble(v, "sum", &sum));
    } else if (k == "flags") {
      uint64_t flags = 0;
      QUELL_TRY_FIELD(ReadUint64(v, "flags", &flags));
      no_recorded_value = (flags & kFlagNoRecordedValue) != 0;
    } else if (k == "attributes") {
      QUELL_TRY_FIELD(ForEachAttribute(v, max_depth(), max, &scratch_,
                                       [&](std::string_view key, const AnyValueText& value) {
                                         d.Label(Copy(key), Copy(value.text));
                                         return FieldError::Ok();
                                       }));
    }
  }
  if (time_ns < 0 || start_ns < 0) return FieldError::Fail(RejectReason::kOutOfRange, "timeUnixNano");
  // A point flagged "no recorded value" (a staleness marker: the Collector's Prometheus receiver
  // sends one when a series disappears) is valid and has no value: no signal, no rejection.
  if (no_recorded_value) return FieldError::Ok();
  if (type == core::MetricType::kGauge || type == core::MetricType::kSum) {
    if (!has_value) return FieldError::Fail(RejectReason::kMissingField, "asDouble");
  } else {
    if (!has_count) return FieldError::Fail(RejectReason::kMissingField, "count");
    s.value = sum;
  }
  s.event_time = time_ns > 0 ? core::EventTime::FromUnixNanos(time_ns) : observed();
  d.Emit(out());
  return FieldError::Ok();
}

RecordStatus OtlpMetricsParser::ParseRecord(od::value& record, uint32_t index, uint32_t) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "metric");
  const size_t max = max_string();
  name_ = unit_ = description_ = temporality_ = monotonic_ = unknown_temporality_ = {};
  // Pass 1: name, unit, description.
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    std::string_view text;
    if (k == "name") {
      QUELL_TRY_FIELD(ReadString(f.value(), max, "name", &text));
      name_ = Copy(text);
    } else if (k == "unit") {
      QUELL_TRY_FIELD(ReadString(f.value(), max, "unit", &text));
      unit_ = Copy(text);
    } else if (k == "description") {
      QUELL_TRY_FIELD(ReadString(f.value(), max, "description", &text));
      description_ = Copy(text);
    }
  }
  if (name_.empty()) return FieldError::Fail(RejectReason::kMissingField, "name");
  if (auto e = obj.reset().error()) return FromSimdjson(e, "metric");
  // Pass 2: the data.
  bool found = false;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    core::MetricType type = core::MetricType::kNone;
    bool exponential = false;
    if (k == "gauge") type = core::MetricType::kGauge;
    else if (k == "sum") type = core::MetricType::kSum;
    else if (k == "histogram") type = core::MetricType::kHistogram;
    else if (OtlpKeyIs(k, "exponentialHistogram")) type = core::MetricType::kHistogram, exponential = true;
    else if (k == "summary") type = core::MetricType::kSummary;
    else continue;
    od::value& data = f.value();
    od::json_type t;
    if (auto e = data.type().get(t)) return FromSimdjson(e, "data");
    if (t == od::json_type::null) continue;
    od::object dobj;
    if (auto e = data.get_object().get(dobj)) return FromSimdjson(e, "data");
    found = true;
    // Pass A: temporality and monotonicity (they may follow dataPoints).
    for (auto g_r : dobj) {
      if (auto e = g_r.error()) return FromSimdjson(e, "data");
      od::field& g = g_r.value_unsafe();  // No copy (see json_fields.h).
      std::string_view gk;
      QUELL_TRY_FIELD(KeyOf(g, &gk));
      if (OtlpKeyIs(gk, "aggregationTemporality")) {
        int64_t at = 0;
        bool known = true;
        static constexpr std::string_view kTemporalityNames[] = {"AGGREGATION_TEMPORALITY_UNSPECIFIED",
                                                                 "AGGREGATION_TEMPORALITY_DELTA",
                                                                 "AGGREGATION_TEMPORALITY_CUMULATIVE"};
        QUELL_TRY_FIELD(ReadOtlpOpenEnum(g.value(), "aggregationTemporality", kTemporalityNames, &at, &known));
        // An unknown value (proto3 enums are open) is unspecified; its number is kept.
        temporality_ = at == 1 ? "delta" : (at == 2 ? "cumulative" : "");
        unknown_temporality_ = known ? std::string_view() : Copy(fmt::format("{}", at));
      } else if (OtlpKeyIs(gk, "isMonotonic")) {
        bool mono = false;
        QUELL_TRY_FIELD(ReadBool(g.value(), "isMonotonic", &mono));
        monotonic_ = mono ? "true" : "false";
      }
    }
    if (auto e = dobj.reset().error()) return FromSimdjson(e, "data");
    for (auto g_r : dobj) {
      if (auto e = g_r.error()) return FromSimdjson(e, "data");
      od::field& g = g_r.value_unsafe();  // No copy (see json_fields.h).
      std::string_view gk;
      QUELL_TRY_FIELD(KeyOf(g, &gk));
      if (!OtlpKeyIs(gk, "dataPoints")) continue;
      od::value& pv = g.value();
      od::json_type pt;
      if (auto e = pv.type().get(pt)) return FromSimdjson(e, "dataPoints");
      if (pt == od::json_type::null) continue;
      od::array points;
      if (auto e = pv.get_array().get(points)) return FromSimdjson(e, "dataPoints");
      uint32_t last_offset = doc().OffsetOf(pv, 0);
      for (auto p_r : points) {
        od::value p;
        if (auto e = std::move(p_r).get(p)) return FromSimdjson(e, "dataPoints");
        uint32_t off = doc().OffsetOf(p, last_offset);
        last_offset = off;
        RecordStatus st = ParsePoint(p, type, exponential, off);
        if (st.failed) RejectRecord(st.reason, st.field, off, index);
      }
    }
  }
  if (!found) return FieldError::Fail(RejectReason::kUnsupported, "data");
  return FieldError::Ok();
}

}  // namespace quell::ingest
