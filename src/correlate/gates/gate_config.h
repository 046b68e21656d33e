// src/correlate/gates/gate_config.h
//
// Deploy gate definitions: the top-level `gates:` list of the Quell config. Each gate says which
// service (and env) it guards, which indicators it compares between the canary (green) and the
// baseline (blue), and how it turns evidence into a verdict. Plain structs; field comments are the
// reference (docs/gates.md repeats them with examples). Defaults live here.
//
//   gates:
//     - name: checkout
//       service: checkout            # exact service name, or "*" for every service
//       env: prod                    # optional; empty matches any env
//       alpha: 0.01                  # false-fail budget of the whole gate (split over its tests)
//       min_samples: 200             # requests per color before pass is possible
//       min_duration: 5m
//       max_duration: 30m
//       indicators:
//         - {name: errors, type: error_rate, critical: true, thresholds: {absolute: 0.05}}
//         - {name: p99, type: latency, quantile: 0.99, thresholds: {relative: 1.2}}
//         - {name: cpu, type: metric, metric: process.cpu.utilization, group: saturation,
//            thresholds: {absolute: 0.9, relative: 1.5}}
//
// ParseGatesConfig reads only the `gates` key of the root map, rejects unknown keys inside it, and
// reports every error as "file:line:col: what: detail".
#ifndef QUELL_CORRELATE_GATES_GATE_CONFIG_H_
#define QUELL_CORRELATE_GATES_GATE_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::gates {

enum class IndicatorType : uint8_t { kErrorRate = 0, kLatency, kMetric };
std::string_view IndicatorTypeName(IndicatorType t);  // "error_rate", "latency", "metric"

// Which signals count as requests for error_rate and latency indicators.
enum class IndicatorSource : uint8_t {
  kSpans = 0,  // Spans: request = span; error = span_status 2 or http_status >= 500; latency = duration.
  kLogs,       // Logs (Datadog logs, OTLP logs): request = log; error = severity error or worse.
};
std::string_view IndicatorSourceName(IndicatorSource s);  // "spans", "logs"

// Which way of a metric is bad.
enum class Direction : uint8_t { kIncrease = 0, kDecrease };

struct IndicatorThresholds {
  // error_rate: the highest acceptable canary error rate (0..1), tested sequentially.
  // latency: the highest acceptable canary quantile (config: a duration, stored in ns).
  // metric: the highest (direction increase) or lowest (decrease) acceptable canary mean.
  std::optional<double> absolute;
  // error_rate: tolerated odds ratio canary/baseline (~ rate ratio for small rates); default 1.
  // latency: tolerated ratio canary quantile / baseline quantile; default 1.
  // metric: tolerated ratio canary mean / baseline mean (increase: above; decrease: below).
  std::optional<double> relative;
};

struct IndicatorConfig {
  std::string name;                 // Required; unique in its gate.
  IndicatorType type = IndicatorType::kErrorRate;
  bool critical = false;            // A critical indicator's failure fails the gate on its own.
  double weight = 1;                // Weight inside its group for the score.
  std::string group;                // Score group; default: the type name.
  IndicatorSource source = IndicatorSource::kSpans;  // error_rate and latency only.
  std::string match_name;           // `match.name`: Signal title (span/log name); empty = any.
  std::vector<std::pair<std::string, std::string>> match_labels;  // `match.labels`: all must equal.
  std::string metric;               // metric only, required: the metric name (Signal title).
  double quantile = 0.99;           // latency only: which quantile (0 < q < 1).
  Direction direction = Direction::kIncrease;  // metric only.
  absl::Duration window = absl::Minutes(1);    // metric only: trailing window of the mean.
  absl::Duration for_duration = absl::Minutes(1);  // metric only (`for`): breach must last this long.
  IndicatorThresholds thresholds;
  core::SourceLocation where;
};

struct ScoreThresholds {
  double pass = 90;      // score >= pass (and nothing else pending) -> pass.
  double marginal = 75;  // score < marginal -> fail; in between -> pending, inconclusive at the end.
};

struct GateConfig {
  std::string name;                  // Required; unique. Default: the service.
  std::string service;               // Required: a service name, or "*" for any service.
  std::string env;                   // Empty: any env.
  std::vector<IndicatorConfig> indicators;  // Default: errors (critical) and latency p99 (critical).
  std::vector<std::pair<std::string, double>> group_weights;  // Default: sum of indicator weights.
  int64_t min_samples = 100;         // Requests per color before a pass.
  absl::Duration min_duration = absl::Minutes(5);   // Before a pass.
  absl::Duration max_duration = absl::Minutes(30);  // Still pending then -> inconclusive.
  absl::Duration interval = absl::Seconds(10);      // Evidence interval (event time).
  absl::Duration lateness = absl::Seconds(5);       // Wait this long past an interval's end.
  absl::Duration staleness = absl::Minutes(1);      // A color silent this long -> stale data.
  double alpha = 0.01;               // Gate-wide false-fail probability (Bonferroni over tests).
  ScoreThresholds score;
  core::SourceLocation where;
};

struct GatesConfig {
  std::vector<GateConfig> gates;
};

// Parses `root`'s `gates` key (absent -> no gates). Errors are InvalidArgument with file:line:col.
[[nodiscard]] absl::StatusOr<GatesConfig> ParseGatesConfig(const core::YamlNode& root);

// Valid but probably unintended definitions, one message each ("file:line:col: detail"), for
// `quell check-config` and the start-up log: a gate guarding the same service as an earlier one
// with an overlapping env (empty or equal), which a query without `gate=` never reaches for
// that env and which tracks (and notifies) the same canaries a second time.
std::vector<std::string> GatesConfigWarnings(const GatesConfig& config);

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_GATE_CONFIG_H_
