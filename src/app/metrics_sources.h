// src/app/metrics_sources.h
//
// The mapping from each component's own counters to Prometheus metrics (names follow
// quell_<subsystem>_<what>_<unit>; counters end in _total). Components keep plain atomics and never
// depend on prometheus-cpp; this file is the one place where names and labels are decided, so
// config/prometheus/quell-alerts.yaml and docs/operations.md can rely on them. Read at scrape time.
#ifndef QUELL_APP_METRICS_SOURCES_H_
#define QUELL_APP_METRICS_SOURCES_H_

#include <functional>
#include <optional>

#include "app/pipeline.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/sharded_engine.h"
#include "ingest/dead_letter.h"
#include "ingest/http_intake.h"
#include "ingest/intake_journal.h"
#include "ingest/kafka/kafka_source.h"
#include "server/http_server.h"
#include "server/metrics_endpoint.h"
#include "server/otlp_grpc_server.h"
#include "sinks/dispatcher.h"

namespace quell::app {

struct ReloadStats;
struct CheckpointStats;

struct MetricsDeps {
  const Pipeline* pipeline = nullptr;
  const ingest::HttpIntake* intake = nullptr;
  const ingest::DeadLetterFile* dead_letters = nullptr;
  correlate::ShardedEngine* engine = nullptr;
  const sinks::Dispatcher* dispatcher = nullptr;
  gates::GateEvaluator* gates = nullptr;
  const ReloadStats* reload = nullptr;
  const CheckpointStats* checkpoints = nullptr;  // Only with correlate.state_file.
  const ingest::IntakeJournal* journal = nullptr;  // Only with ingest.journal.
  std::function<std::optional<ingest::KafkaSourceStats>()> kafka;
  std::function<const server::HttpServerStats*()> http;
  std::function<const server::OtlpGrpcServerStats*()> otlp_grpc;  // Null result: not served.
};

// Registers one source per component on `endpoint`. Every pointer in `deps` must outlive it.
void RegisterMetricsSources(server::MetricsEndpoint* endpoint, const MetricsDeps& deps);

}  // namespace quell::app

#endif  // QUELL_APP_METRICS_SOURCES_H_
