// src/ingest/otlp_logs_parser.h
//
// OtlpLogsParser: OTLP/JSON ExportLogsServiceRequest (`POST /v1/logs`) -> one log signal per
// logRecord. Field names in lowerCamelCase or snake_case; 64-bit integers as strings or numbers.
//   event_time    timeUnixNano, else observedTimeUnixNano, else the arrival time.
//   observed_time observedTimeUnixNano, else the arrival time; the arrival time also when
//                 observedTimeUnixNano is further past it than ParserOptions::max_future_skew.
//   severity      severityNumber (core::SeverityFromOtelNumber); when 0/absent, severityText read
//                 with the Datadog status table (ERROR, WARN, INFO, ...).
//   message       body rendered as a string (otlp_common.h); title = eventName.
//   source_id     traceId (32 hex digits; anything else -> invalid_value); spanId annotated.
//   labels        the resource labels (service, env, host, k8s identity, service.namespace).
//   annotations   resource attributes, otel.scope.name, record attributes (http status, color
//                 picked out, see ApplyRecordAttribute), severity_text, trace/span ids.
// ParseResult counts log records: rejected maps to partialSuccess.rejectedLogRecords.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_OTLP_LOGS_PARSER_H_
#define QUELL_INGEST_OTLP_LOGS_PARSER_H_

#include "ingest/otlp_common.h"

namespace quell::ingest {

class OtlpLogsParser final : public OtlpParserBase {
 public:
  explicit OtlpLogsParser(const ParserOptions& options)
      : OtlpParserBase(core::Format::kOtlpLogs, options, "resourceLogs", "scopeLogs", "logRecords") {}

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t index, uint32_t offset) override;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_OTLP_LOGS_PARSER_H_
