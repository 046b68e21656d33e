#include "core/signal.h"

#include "core/strings.h"

namespace quell::core {

std::string_view SignalKindName(SignalKind k) {
  switch (k) {
    case SignalKind::kAlert: return "alert";
    case SignalKind::kLog: return "log";
    case SignalKind::kSpan: return "span";
    case SignalKind::kMetric: return "metric";
    case SignalKind::kDeploy: return "deploy";
  }
  return "alert";
}

std::string_view SignalStateName(SignalState s) {
  switch (s) {
    case SignalState::kUnknown: return "unknown";
    case SignalState::kFiring: return "firing";
    case SignalState::kResolved: return "resolved";
  }
  return "unknown";
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kUnknown: return "unknown";
    case Format::kDatadogWebhook: return "datadog_webhook";
    case Format::kDatadogEvent: return "datadog_event";
    case Format::kDatadogLog: return "datadog_log";
    case Format::kOtlpLogs: return "otlp_logs";
    case Format::kOtlpTraces: return "otlp_traces";
    case Format::kOtlpMetrics: return "otlp_metrics";
    case Format::kAlertmanager: return "alertmanager";
    case Format::kQuell: return "quell";
  }
  return "unknown";
}

std::string_view SourceKindName(SourceKind s) {
  switch (s) {
    case SourceKind::kUnknown: return "unknown";
    case SourceKind::kHttp: return "http";
    case SourceKind::kKafka: return "kafka";
    case SourceKind::kFile: return "file";
  }
  return "unknown";
}

std::string_view DeployColorName(DeployColor c) {
  switch (c) {
    case DeployColor::kNone: return "";
    case DeployColor::kBlue: return "blue";
    case DeployColor::kGreen: return "green";
    case DeployColor::kBaseline: return "baseline";
    case DeployColor::kCanary: return "canary";
  }
  return "";
}

std::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kNone: return "";
    case MetricType::kGauge: return "gauge";
    case MetricType::kSum: return "sum";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
  }
  return "";
}

bool ParseSignalKind(std::string_view name, SignalKind* out) {
  for (SignalKind k : {SignalKind::kAlert, SignalKind::kLog, SignalKind::kSpan, SignalKind::kMetric,
                       SignalKind::kDeploy}) {
    if (name == SignalKindName(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

bool ParseFormatName(std::string_view name, Format* out) {
  for (int i = 1; i <= static_cast<int>(Format::kQuell); ++i) {
    Format f = static_cast<Format>(i);
    if (name == FormatName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

bool ParseDeployColor(std::string_view name, DeployColor* out) {
  for (DeployColor c : {DeployColor::kBlue, DeployColor::kGreen, DeployColor::kBaseline,
                        DeployColor::kCanary}) {
    if (EqualsIgnoreCase(name, DeployColorName(c))) {
      *out = c;
      return true;
    }
  }
  return false;
}

}  // namespace quell::core
