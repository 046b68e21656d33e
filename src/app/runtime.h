// src/app/runtime.h
//
// Runtime: the live object graph of `quell run`, built from a QuellConfig:
//
//   sources (HTTP intake, Kafka, NDJSON replay) -> Pipeline -> ShardedEngine -> NotificationTee
//        -> Dispatcher (redact, outbox, receivers);   admitted batches -> GateEvaluator
//   HttpServer + Router: intake, Alertmanager v2 API, silences, incidents, gates, deployments,
//        /metrics, /healthz, /readyz, /api/v1/audit, /api/v1/reload, the web console at /console
//        (server/console_assets.h) (with API token scopes and
//        audit entries for writes, through the router middleware).
//
// Start() brings it up in dependency order (sinks first, sources last) and Stop() takes it down in
// reverse, draining the engine and syncing the outbox, so an accepted signal is either delivered or
// pending in the outbox at exit. With correlate.state_file set, the engine's alerts and deploys
// survive restarts: restored at Start() before any source runs (a file that is not a state
// snapshot stops the start, as a corrupt silences file does), checkpointed every
// correlate.state_checkpoint_interval by housekeeping and once more by Stop() after the engine
// has drained (core/state_file.h: a crash leaves the previous checkpoint); Kafka offsets are then
// committed only as far as a durable checkpoint covers them (CheckpointCommitGate). With
// ingest.journal as well, every body the HTTP intake accepts is journaled (on disk before its 2xx)
// until a checkpoint covers it, and Start() replays what a crash left there after the restore
// and before the ticker and the listener (ingest/intake_journal.h, ADR 0045). Reload()
// re-reads the config file and swaps rules and gates atomically; receivers, outbox, server and
// Kafka settings take effect at the next start (reported in the reload answer). All methods from the controlling thread, except Reload (thread-safe).
#ifndef QUELL_APP_RUNTIME_H_
#define QUELL_APP_RUNTIME_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "app/checkpoint_commit_gate.h"
#include "app/checkpoint_marks.h"
#include "app/pipeline.h"
#include "app/quell_config.h"
#include "core/clock.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/sharded_engine.h"
#include "correlate/silencer.h"
#include "ingest/dead_letter.h"
#include "ingest/http_intake.h"
#include "ingest/intake_journal.h"
#include "ingest/kafka/kafka_source.h"
#include "server/alerts_api_v2.h"
#include "server/api_tokens.h"
#include "server/audit_log.h"
#include "server/gates_api.h"
#include "server/health_endpoints.h"
#include "server/http_server.h"
#include "server/otlp_grpc_server.h"
#include "server/incidents_api.h"
#include "server/metrics_endpoint.h"
#include "server/router.h"
#include "server/silences_api.h"
#include "sinks/dispatcher.h"
#include "sinks/outbox.h"
#include "sinks/redactor.h"

namespace quell::app {

struct RuntimeOptions {
  bool replay_sample = true;       // Replay config.replay.file at start (if set).
  bool start_kafka = true;
  const core::Clock* clock = core::SystemClock::Get();
  std::FILE* stdout_stream = stdout;
};

struct ReloadStats {
  std::atomic<uint64_t> success{0};
  std::atomic<uint64_t> failure{0};
  std::atomic<bool> last_ok{true};
};

// Correlation state checkpoints (correlate.state_file), for /metrics.
struct CheckpointStats {
  std::atomic<uint64_t> success{0};
  std::atomic<uint64_t> failure{0};
  std::atomic<int64_t> last_success_unix_nanos{0};
  // The last successful checkpoint: the state file's size, and the wall time it took to serialize
  // the engine and the gates and write the file (what the shards and the API writes wait for).
  std::atomic<uint64_t> last_bytes{0};
  std::atomic<int64_t> last_duration_nanos{0};
};

class Runtime {
 public:
  Runtime(QuellConfig config, RuntimeOptions options);
  ~Runtime();

  [[nodiscard]] absl::Status Start();
  void Stop();

  // Reloads the config file (the embedded default cannot be reloaded). `who` goes to the audit log.
  [[nodiscard]] absl::Status Reload(const std::string& who);

  uint16_t http_port() const;
  // The OTLP/gRPC port (server.otlp_grpc_listen), 0 when not served.
  uint16_t otlp_grpc_port() const;
  correlate::ShardedEngine* engine() { return engine_.get(); }
  sinks::Dispatcher* dispatcher() { return dispatcher_.get(); }
  const Pipeline* pipeline() const { return pipeline_.get(); }
  const server::MetricsEndpoint& metrics() const { return metrics_; }
  const CheckpointCommitGate& commit_gate() const { return commit_gate_; }
  const ingest::KafkaSource* kafka_source() const { return kafka_.get(); }
  // Periodic upkeep (a background thread runs it about once a second; tests call it directly):
  // gates advance to the clock's now, expired silences older than correlate.silence_retention are
  // dropped, Kafka readiness is refreshed, the correlation state is checkpointed when due.
  void RunHousekeeping();
  // Writes the correlation state to correlate.state_file now (no-op without one). Failures are
  // logged and counted (quell_state_checkpoints_total{outcome="failure"}); the next one retries.
  absl::Status CheckpointState();
  // For an API write that changed the state (a deployment registered, a gate override set or
  // cleared, an incident acknowledged): returns once a checkpoint that began after the change is
  // durable, so a 2xx answer survives a crash. Concurrent callers share one checkpoint (group
  // commit). OK without a state file. An error: the change is applied but not durable yet.
  absl::Status PersistStateChange();
  // Blocks until the replay thread (if any) finished.
  void WaitForReplay();

 private:
  class NotificationTee;
  absl::Status BuildSinks();
  absl::Status BuildHttp();
  absl::Status RestoreState();
  // Opens ingest.journal (if configured) and replays what an earlier run left in it into the
  // engine, before the listener opens; the engine is drained after it.
  absl::Status RecoverJournal();
  absl::Status CheckpointStateLocked();  // REQUIRES: checkpoint_mu_ held.
  void RegisterMetrics();
  core::HttpResponse Middleware(const core::HttpRequest& req, const server::MatchedRoute& route,
                                const core::HttpHandler& next);
  core::HttpResponse HandleReload(const core::HttpRequest& req);
  // Alertmanager's POST /-/reload, for tools written for it (prometheus-operator's config
  // reloader): 200 with an empty body, or 500 "failed to reload config: <why>", as Alertmanager
  // answers. Same reload, scope (admin) and audit entry as POST /api/v1/reload.
  core::HttpResponse HandleAlertmanagerReload(const core::HttpRequest& req);

  QuellConfig config_;
  RuntimeOptions options_;
  const core::Clock* clock_;
  std::mutex reload_mu_;
  ReloadStats reload_stats_;

  std::unique_ptr<sinks::Redactor> redactor_;
  std::unique_ptr<sinks::Outbox> outbox_;
  std::unique_ptr<sinks::Dispatcher> dispatcher_;
  std::unique_ptr<gates::GateEvaluator> gates_;
  std::unique_ptr<NotificationTee> tee_;
  correlate::Silencer silencer_;
  std::unique_ptr<ingest::IntakeJournal> journal_;  // Before engine_: its done callbacks use it.
  std::unique_ptr<correlate::ShardedEngine> engine_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<ingest::DeadLetterFile> dead_letters_;
  std::unique_ptr<ingest::HttpIntake> intake_;
  std::unique_ptr<server::AlertsApiV2> alerts_api_;
  std::unique_ptr<server::SilencesApi> silences_api_;
  std::unique_ptr<server::IncidentsApi> incidents_api_;
  std::unique_ptr<server::GatesApi> gates_api_;
  server::MetricsEndpoint metrics_;
  server::Readiness readiness_;
  server::ApiTokens tokens_;
  std::unique_ptr<server::AuditLog> audit_;
  server::Router router_;
  std::unique_ptr<server::HttpServer> server_;
  std::unique_ptr<server::OtlpGrpcServer> otlp_grpc_;  // server.otlp_grpc_listen; null when off.
  std::unique_ptr<ingest::KafkaSource> kafka_;
  std::thread replay_thread_;
  std::thread gate_ticker_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  // correlate.state_file and state_checkpoint_interval at Start (a reload does not move them).
  std::string state_file_;
  absl::Duration checkpoint_interval_;
  std::mutex checkpoint_mu_;
  core::WallTime last_checkpoint_;
  std::atomic<uint64_t> state_changes_{0};  // API writes that changed the state so far.
  uint64_t checkpointed_changes_ = 0;        // Of them, covered by a durable checkpoint (checkpoint_mu_).
  CheckpointStats checkpoint_stats_;
  CheckpointCommitGate commit_gate_;  // Kafka commits wait for the checkpoint (with a state_file).
  CheckpointMarks restored_marks_;     // What the restored state holds of Kafka and the journal.
};

}  // namespace quell::app

#endif  // QUELL_APP_RUNTIME_H_
