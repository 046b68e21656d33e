// src/core/signal.h
//
// Signal: the one normalized record for everything Quell ingests (alerts, logs, spans, metric
// points, deploy/change events). A Signal is a plain struct of scalars and views; every view points
// into the SignalBatch that holds it (its arena and label pool), so a Signal is valid exactly as
// long as its batch and is never stored past it: state that outlives a batch copies what it needs
// (LabelSet). Field meaning per kind is documented in docs/signal-model.md.
#ifndef QUELL_CORE_SIGNAL_H_
#define QUELL_CORE_SIGNAL_H_

#include <cstdint>
#include <string_view>

#include "core/event_time.h"
#include "core/fingerprint.h"
#include "core/severity.h"

namespace quell::core {

enum class SignalKind : uint8_t { kAlert = 0, kLog, kSpan, kMetric, kDeploy };
enum class SignalState : uint8_t { kUnknown = 0, kFiring, kResolved };
// The wire format a signal was parsed from.
enum class Format : uint8_t {
  kUnknown = 0,
  kDatadogWebhook,  // Datadog monitor webhook (templated JSON).
  kDatadogEvent,    // Datadog Events API v1.
  kDatadogLog,      // Datadog logs intake v2.
  kOtlpLogs,
  kOtlpTraces,
  kOtlpMetrics,
  kAlertmanager,    // Alertmanager API v2 postable alerts.
  kQuell,           // Quell's own NDJSON record (replay files).
};
// Where it came in.
enum class SourceKind : uint8_t { kUnknown = 0, kHttp, kKafka, kFile };
// Deployment color or role. Blue/baseline is the reference; green/canary the candidate.
enum class DeployColor : uint8_t { kNone = 0, kBlue, kGreen, kBaseline, kCanary };
enum class MetricType : uint8_t { kNone = 0, kGauge, kSum, kHistogram, kSummary };

std::string_view SignalKindName(SignalKind k);    // "alert", "log", "span", "metric", "deploy"
std::string_view SignalStateName(SignalState s);  // "unknown", "firing", "resolved"
std::string_view FormatName(Format f);            // "datadog_webhook", "otlp_logs", ...
std::string_view SourceKindName(SourceKind s);    // "http", "kafka", "file"
std::string_view DeployColorName(DeployColor c);  // "", "blue", "green", "baseline", "canary"
std::string_view MetricTypeName(MetricType t);    // "", "gauge", "sum", "histogram", "summary"
bool ParseSignalKind(std::string_view name, SignalKind* out);
bool ParseFormatName(std::string_view name, Format* out);
// Accepts the DeployColorName spellings, case-insensitively; "" or unknown -> false.
bool ParseDeployColor(std::string_view name, DeployColor* out);

struct Signal {
  SignalKind kind = SignalKind::kAlert;
  SignalState state = SignalState::kUnknown;
  Severity severity = Severity::kUnknown;
  Format format = Format::kUnknown;
  SourceKind source = SourceKind::kUnknown;
  DeployColor color = DeployColor::kNone;
  MetricType metric_type = MetricType::kNone;
  uint8_t span_status = 0;        // OTel status.code: 0 unset, 1 ok, 2 error.
  uint16_t http_status = 0;       // Spans/logs: http.response.status_code, 0 when absent.

  EventTime event_time;           // When it happened (alert start, log time, span start, point time).
  EventTime observed_time;        // When Quell (or the collector) observed it; 0 when unknown.
  EventTime end_time;             // Alert endsAt / span end; 0 when absent.
  int64_t duration_ns = 0;        // Spans: end - start.

  std::string_view service;
  std::string_view env;
  std::string_view host;
  std::string_view version;
  std::string_view title;         // Alert name / event title / span name / metric name.
  std::string_view message;       // Alert text / log body / event text.
  std::string_view source_id;     // Producer's id (monitor id, event id, trace id ...) if any.
  std::string_view link;          // generatorURL / Datadog $LINK, if any.

  double value = 0;               // Metric points: gauge/sum value, histogram sum.
  uint64_t count = 0;             // Histogram/summary count.

  uint32_t labels_begin = 0;      // Index into the batch's label pool; sorted, unique names.
  uint32_t labels_count = 0;
  uint32_t annotations_begin = 0; // Alert annotations (and other non-identifying attributes).
  uint32_t annotations_count = 0;

  uint32_t record_offset = 0;     // Byte offset of the record in its input buffer.
  Fingerprint fingerprint;        // Fingerprint::Of(labels), set by SignalBatch::FinishLabels.
};

}  // namespace quell::core

#endif  // QUELL_CORE_SIGNAL_H_
