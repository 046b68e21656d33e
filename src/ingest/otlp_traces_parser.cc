#include "ingest/otlp_traces_parser.h"

#include "fmt/format.h"

namespace quell::ingest {

using core::RejectReason;

namespace {
constexpr std::string_view kSpanKinds[] = {"unspecified", "internal", "server", "client", "producer", "consumer"};
constexpr std::string_view kCounts[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}  // namespace

RecordStatus OtlpTracesParser::ParseRecord(od::value& record, uint32_t, uint32_t offset) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "span");
  SignalDraft& d = StartDraft(offset, /*share_resource_labels=*/false);
  core::Signal& s = d.signal;
  s.kind = core::SignalKind::kSpan;
  const size_t max = max_string();
  int64_t start_ns = 0, end_ns = 0, kind = 0;
  bool has_trace = false, has_span = false;
  // Enum values past the known ones (proto3 enums are open): unspecified / unset, the number kept.
  bool kind_known = true;
  std::string_view unknown_status_code;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    od::value& v = f.value();
    std::string_view text;
    if (OtlpKeyIs(k, "traceId")) {
      QUELL_TRY_FIELD(ReadString(v, max, "traceId", &text));
      if (!text.empty()) {
        if (!KeepHexId(doc(), text, 32, &text)) return FieldError::Fail(RejectReason::kInvalidValue, "traceId");
        s.source_id = text;
        has_trace = true;
      }
    } else if (OtlpKeyIs(k, "spanId")) {
      QUELL_TRY_FIELD(ReadString(v, max, "spanId", &text));
      if (!text.empty()) {
        if (!KeepHexId(doc(), text, 16, &text)) return FieldError::Fail(RejectReason::kInvalidValue, "spanId");
        d.Annotate("span_id", text);
        has_span = true;
      }
    } else if (OtlpKeyIs(k, "parentSpanId")) {
      QUELL_TRY_FIELD(ReadString(v, max, "parentSpanId", &text));
      if (!text.empty() && !KeepHexId(doc(), text, 16, &text))
        return FieldError::Fail(RejectReason::kInvalidValue, "parentSpanId");
      d.Annotate("parent_span_id", text);
    } else if (k == "name") {
      QUELL_TRY_FIELD(ReadString(v, max, "name", &text));
      s.title = Copy(text);
    } else if (k == "kind") {
      static constexpr std::string_view kSpanKindNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                                            "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                                            "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
      QUELL_TRY_FIELD(ReadOtlpOpenEnum(v, "kind", kSpanKindNames, &kind, &kind_known));
    } else if (OtlpKeyIs(k, "startTimeUnixNano")) {
      QUELL_TRY_FIELD(ReadInt64(v, "startTimeUnixNano", &start_ns));
    } else if (OtlpKeyIs(k, "endTimeUnixNano")) {
      QUELL_TRY_FIELD(ReadInt64(v, "endTimeUnixNano", &end_ns));
    } else if (k == "attributes") {
      QUELL_TRY_FIELD(ForEachAttribute(v, max_depth(), max, &scratch_,
                                       [&](std::string_view key, const AnyValueText& value) {
                                         ApplyRecordAttribute(key, value, options(), doc(), &d);
                                         if (key == "http.route" || key == "http.request.method" ||
                                             key == "http.method") {
                                           d.Label(key == "http.route" ? "http.route" : "http.request.method",
                                                   Copy(value.text));
                                         }
                                         return FieldError::Ok();
                                       }));
    } else if (k == "status") {
      od::json_type t;
      if (auto e = v.type().get(t)) return FromSimdjson(e, "status");
      if (t == od::json_type::null) continue;
      od::object st;
      if (auto e = v.get_object().get(st)) return FromSimdjson(e, "status");
      for (auto g_r : st) {
        if (auto e = g_r.error()) return FromSimdjson(e, "status");
        od::field& g = g_r.value_unsafe();  // No copy (see json_fields.h).
        std::string_view gk;
        QUELL_TRY_FIELD(KeyOf(g, &gk));
        if (gk == "code") {
          int64_t code = 0;
          bool known = true;
          static constexpr std::string_view kStatusCodeNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                                                  "STATUS_CODE_ERROR"};
          QUELL_TRY_FIELD(ReadOtlpOpenEnum(g.value(), "status.code", kStatusCodeNames, &code, &known));
          s.span_status = known ? static_cast<uint8_t>(code) : 0;
          unknown_status_code = known ? std::string_view() : Copy(fmt::format("{}", code));
        } else if (gk == "message") {
          QUELL_TRY_FIELD(ReadString(g.value(), max, "status.message", &text));
          s.message = Copy(text);
        }
      }
    } else if (k == "events" || k == "links") {
      size_t n = 0;
      od::json_type t;
      if (auto e = v.type().get(t)) return FromSimdjson(e, "events");
      if (t == od::json_type::array) {
        if (auto e = v.count_elements().get(n)) return FromSimdjson(e, "events");
      }
      if (n > 0) {
        std::string_view count = n < 10 ? kCounts[n] : Copy(fmt::format("{}", n));
        d.Annotate(k == "events" ? "otel.events" : "otel.links", count);
      }
    }
  }
  if (!has_trace) return FieldError::Fail(RejectReason::kMissingField, "traceId");
  if (!has_span) return FieldError::Fail(RejectReason::kMissingField, "spanId");
  if (start_ns < 0 || end_ns < 0) return FieldError::Fail(RejectReason::kOutOfRange, "startTimeUnixNano");
  s.event_time = start_ns > 0 ? core::EventTime::FromUnixNanos(start_ns) : observed();
  s.end_time = core::EventTime::FromUnixNanos(end_ns);
  if (start_ns > 0 && end_ns >= start_ns) s.duration_ns = end_ns - start_ns;
  if (s.span_status == 2) s.severity = core::Severity::kError;
  d.Label("span.name", s.title);
  if (kind_known && kind > 0) d.Label("span.kind", kSpanKinds[kind]);
  if (!kind_known) d.Annotate("otel.span_kind", Copy(fmt::format("{}", kind)));
  d.Annotate("otel.status_code", unknown_status_code);
  d.Emit(out());
  return FieldError::Ok();
}

}  // namespace quell::ingest
