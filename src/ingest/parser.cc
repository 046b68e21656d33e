#include "ingest/parser.h"

#include "ingest/alertmanager_parser.h"
#include "ingest/datadog_event_parser.h"
#include "ingest/datadog_log_parser.h"
#include "ingest/datadog_webhook_parser.h"
#include "ingest/ndjson_record_parser.h"
#include "ingest/otlp_logs_parser.h"
#include "ingest/otlp_metrics_parser.h"
#include "ingest/otlp_traces_parser.h"

namespace quell::ingest {

std::unique_ptr<Parser> MakeParser(core::Format format, const ParserOptions& options) {
  switch (format) {
    case core::Format::kDatadogWebhook: return std::make_unique<DatadogWebhookParser>(options);
    case core::Format::kDatadogEvent: return std::make_unique<DatadogEventParser>(options);
    case core::Format::kDatadogLog: return std::make_unique<DatadogLogParser>(options);
    case core::Format::kOtlpLogs: return std::make_unique<OtlpLogsParser>(options);
    case core::Format::kOtlpTraces: return std::make_unique<OtlpTracesParser>(options);
    case core::Format::kOtlpMetrics: return std::make_unique<OtlpMetricsParser>(options);
    case core::Format::kAlertmanager: return std::make_unique<AlertmanagerParser>(options);
    case core::Format::kQuell: return std::make_unique<NdjsonRecordParser>(options);
    case core::Format::kUnknown: return nullptr;
  }
  return nullptr;
}

}  // namespace quell::ingest
