#include "ingest/otlp_logs_parser.h"

#include "fmt/format.h"
#include "ingest/key_table.h"

namespace quell::ingest {

using core::RejectReason;

namespace {

// SeverityNumber's names, by value (opentelemetry/proto/logs/v1/logs.proto).
constexpr std::string_view kSeverityNumberNames[] = {
    "SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3",
    "SEVERITY_NUMBER_TRACE4",      "SEVERITY_NUMBER_DEBUG",  "SEVERITY_NUMBER_DEBUG2", "SEVERITY_NUMBER_DEBUG3",
    "SEVERITY_NUMBER_DEBUG4",      "SEVERITY_NUMBER_INFO",   "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",   "SEVERITY_NUMBER_WARN2",  "SEVERITY_NUMBER_WARN3",
    "SEVERITY_NUMBER_WARN4",       "SEVERITY_NUMBER_ERROR",  "SEVERITY_NUMBER_ERROR2", "SEVERITY_NUMBER_ERROR3",
    "SEVERITY_NUMBER_ERROR4",      "SEVERITY_NUMBER_FATAL",  "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4"};

enum LogKey { kTime, kObservedTime, kSeverityNumber, kSeverityText, kBody, kAttributes, kTraceId, kSpanId, kEventName };

const KeyTable& LogKeys() {
  static const KeyTable* const keys = [] {
    auto* t = new KeyTable();
    t->AddOtlp("timeUnixNano", kTime);
    t->AddOtlp("observedTimeUnixNano", kObservedTime);
    t->AddOtlp("severityNumber", kSeverityNumber);
    t->AddOtlp("severityText", kSeverityText);
    t->Add("body", kBody);
    t->Add("attributes", kAttributes);
    t->AddOtlp("traceId", kTraceId);
    t->AddOtlp("spanId", kSpanId);
    t->AddOtlp("eventName", kEventName);
    return t;
  }();
  return *keys;
}

}  // namespace

RecordStatus OtlpLogsParser::ParseRecord(od::value& record, uint32_t, uint32_t offset) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "logRecord");
  SignalDraft& d = StartDraft(offset, /*share_resource_labels=*/true);
  core::Signal& s = d.signal;
  s.kind = core::SignalKind::kLog;
  const size_t max = max_string();
  int64_t time_ns = 0, observed_ns = 0, severity_number = 0;
  bool severity_known = true;  // Absent: 0, unspecified.
  std::string_view severity_text;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    od::value& v = f.value();
    switch (LogKeys().Find(k)) {
      case kTime:
        QUELL_TRY_FIELD(ReadInt64(v, "timeUnixNano", &time_ns));
        break;
      case kObservedTime:
        QUELL_TRY_FIELD(ReadInt64(v, "observedTimeUnixNano", &observed_ns));
        break;
      case kSeverityNumber:
        QUELL_TRY_FIELD(
            ReadOtlpOpenEnum(v, "severityNumber", kSeverityNumberNames, &severity_number, &severity_known));
        break;
      case kSeverityText:
        QUELL_TRY_FIELD(ReadString(v, max, "severityText", &severity_text));
        severity_text = Copy(severity_text);
        break;
      case kBody: {
        AnyValueText body;
        QUELL_TRY_FIELD(ReadAnyValue(v, max_depth(), max, &scratch_, &body));
        s.message = Copy(body.text);
        break;
      }
      case kAttributes:
        QUELL_TRY_FIELD(ForEachAttribute(v, max_depth(), max, &scratch_,
                                         [&](std::string_view key, const AnyValueText& value) {
                                           ApplyRecordAttribute(key, value, options(), doc(), &d);
                                           return FieldError::Ok();
                                         }));
        break;
      case kTraceId: {
        std::string_view id;
        QUELL_TRY_FIELD(ReadString(v, max, "traceId", &id));
        if (!id.empty() && !KeepHexId(doc(), id, 32, &id))
          return FieldError::Fail(RejectReason::kInvalidValue, "traceId");
        s.source_id = id;
        d.Annotate("trace_id", id);
        break;
      }
      case kSpanId: {
        std::string_view id;
        QUELL_TRY_FIELD(ReadString(v, max, "spanId", &id));
        if (!id.empty() && !KeepHexId(doc(), id, 16, &id))
          return FieldError::Fail(RejectReason::kInvalidValue, "spanId");
        d.Annotate("span_id", id);
        break;
      }
      case kEventName: {
        std::string_view name;
        QUELL_TRY_FIELD(ReadString(v, max, "eventName", &name));
        s.title = Copy(name);
        break;
      }
      default: break;
    }
  }
  if (time_ns < 0) return FieldError::Fail(RejectReason::kOutOfRange, "timeUnixNano");
  if (observed_ns < 0) return FieldError::Fail(RejectReason::kOutOfRange, "observedTimeUnixNano");
  // The collector's observation, unless it is further past Quell's receipt than max_future_skew
  // (parser.h): then the receipt stays the observed time.
  if (observed_ns > 0 &&
      (observed().is_zero() || observed_ns <= observed().unix_nanos() ||  // Not ahead: no check.
       options().max_future_skew <= absl::ZeroDuration() ||
       observed_ns - observed().unix_nanos() <= absl::ToInt64Nanoseconds(options().max_future_skew))) {
    s.observed_time = core::EventTime::FromUnixNanos(observed_ns);
  }
  s.event_time = time_ns > 0 ? core::EventTime::FromUnixNanos(time_ns) : s.observed_time;
  // A number past the known ones (an SDK newer than the table) says nothing of the severity: as
  // with 0 (unspecified), severityText decides; the number is kept as an annotation.
  s.severity = core::SeverityFromOtelNumber(severity_known ? severity_number : 0);
  if (s.severity == core::Severity::kUnknown) s.severity = core::SeverityFromOtelText(severity_text);
  d.Annotate("severity_text", severity_text);
  if (!severity_known) d.Annotate("otel.severity_number", Copy(fmt::format("{}", severity_number)));
  d.Emit(out());
  return FieldError::Ok();
}

}  // namespace quell::ingest
