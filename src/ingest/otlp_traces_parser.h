// src/ingest/otlp_traces_parser.h
//
// OtlpTracesParser: OTLP/JSON ExportTraceServiceRequest (`POST /v1/traces`) -> one span signal
// per span (kind span). Either field-name spelling; 64-bit integers as strings or numbers.
//   title         span name; also label span.name.
//   event_time    startTimeUnixNano (else the arrival time); end_time endTimeUnixNano;
//                 duration_ns = end - start when both are set and end >= start.
//   span_status   status.code (0 unset, 1 ok, 2 error; others -> invalid_value); message =
//                 status.message; severity kError when the status is error, else unknown.
//   http_status   attribute http.response.status_code (or the older http.status_code).
//   source_id     traceId (32 hex digits, required non-empty: missing_field / invalid_value);
//                 spanId (16 hex, required) and parentSpanId annotated.
//   labels        resource labels, span.name, span.kind (internal/server/client/producer/consumer),
//                 http.route and http.request.method when present.
//   events, links ignored (their counts annotated as otel.events / otel.links).
// ParseResult counts spans: rejected maps to partialSuccess.rejectedSpans.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_OTLP_TRACES_PARSER_H_
#define QUELL_INGEST_OTLP_TRACES_PARSER_H_

#include "ingest/otlp_common.h"

namespace quell::ingest {

class OtlpTracesParser final : public OtlpParserBase {
 public:
  explicit OtlpTracesParser(const ParserOptions& options)
      : OtlpParserBase(core::Format::kOtlpTraces, options, "resourceSpans", "scopeSpans", "spans") {}

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t index, uint32_t offset) override;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_OTLP_TRACES_PARSER_H_
