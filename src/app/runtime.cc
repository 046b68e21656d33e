#include "app/runtime.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>

#include "absl/time/clock.h"
#include "app/metrics_sources.h"
#include "app/state_document.h"
#include "core/json_writer.h"
#include "core/state_file.h"
#include "core/status_macros.h"
#include "correlate/compiled_rules.h"
#include "correlate/json_value.h"
#include "fmt/format.h"
#include "ingest/ndjson_replayer.h"
#include "ingest/otlp_protobuf_parser.h"
#include "server/console_assets.h"
#include "server/otlp_grpc_server.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/kafka/kafka_sink_config.h"
#include "sinks/receiver_factory.h"
#include "spdlog/spdlog.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;

void EnsureParentDir(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
}

core::HttpResponse JsonMessage(int status, std::string_view key, std::string_view value) {
  std::string body;
  core::JsonWriter w(&body);
  w.BeginObject();
  w.Field(key, value);
  w.EndObject();
  return core::HttpResponse::Json(status, std::move(body));
}

bool IsDatadogIntake(std::string_view pattern) {
  return pattern == "/api/v1/events" || pattern == "/api/v2/logs" || pattern == "/api/v1/datadog/webhook";
}

// The scope a request needs, or nullopt when the route is open (probes, scrapes, Datadog intake
// which checks DD-API-KEY itself, Flagger hooks which cannot send headers and only read verdicts).
std::optional<server::Scope> ScopeFor(std::string_view method, std::string_view pattern) {
  if (pattern == "/healthz" || pattern == "/readyz" || pattern == "/-/healthy" || pattern == "/-/ready" ||
      pattern == "/metrics") {
    return std::nullopt;
  }
  if (IsDatadogIntake(pattern)) return std::nullopt;
  if (pattern.starts_with("/api/v1/gates/flagger/")) return std::nullopt;
  // The console's page, script and styles hold no data; the APIs it calls keep their scopes.
  if (method == "GET" && (pattern == "/" || pattern == "/console" || pattern.starts_with("/console/"))) {
    return std::nullopt;
  }
  if (pattern == "/api/v1/audit") return server::Scope::kAdmin;
  if (method == "GET" || method == "HEAD") return server::Scope::kRead;
  if (pattern == "/v1/logs" || pattern == "/v1/traces" || pattern == "/v1/metrics" || pattern == "/api/v2/alerts") {
    return server::Scope::kIngest;
  }
  if (pattern == "/api/v2/silences" || pattern == "/api/v2/silence/{id}" || pattern == "/api/v1/incidents/{id}/ack") {
    return server::Scope::kSilence;
  }
  if (pattern == "/api/v1/deployments" || pattern.starts_with("/api/v1/gates")) return server::Scope::kGate;
  return server::Scope::kAdmin;
}

// Extracts "silenceID" from Alertmanager's POST /api/v2/silences answer.
std::string SilenceIdFrom(std::string_view body) {
  constexpr std::string_view kKey = "\"silenceID\":\"";
  size_t at = body.find(kKey);
  if (at == std::string_view::npos) return "";
  at += kKey.size();
  size_t end = body.find('"', at);
  return end == std::string_view::npos ? "" : std::string(body.substr(at, end - at));
}

}  // namespace

// Forwards every notification to the dispatcher; incident notifications attributed to a deploy
// also reach the gates, so a paging incident on a canary fails its gate.
class Runtime::NotificationTee final : public core::NotificationSink {
 public:
  NotificationTee(core::NotificationSink* next, gates::GateEvaluator* gates) : next_(next), gates_(gates) {}
  void Send(core::Notification n) override {
    if (gates_ != nullptr && n.kind == core::NotificationKind::kIncident && n.deploy.has_value()) {
      gates::AttributedIncident inc;
      inc.incident_id = n.incident_id;
      inc.open = n.status == core::NotificationStatus::kFiring;
      inc.paging = true;  // Only routed, non-noise incidents notify at all.
      inc.severity = n.severity;
      inc.deploy = *n.deploy;
      inc.time = n.time;
      inc.summary = n.summary;
      gates_->OnIncident(inc);
    }
    next_->Send(std::move(n));
  }

 private:
  core::NotificationSink* next_;
  gates::GateEvaluator* gates_;
};

Runtime::Runtime(QuellConfig config, RuntimeOptions options)
    : config_(std::move(config)), options_(options), clock_(options.clock) {}

Runtime::~Runtime() { Stop(); }

absl::Status Runtime::BuildSinks() {
  QUELL_ASSIGN_OR_RETURN(redactor_, sinks::Redactor::Create(config_.sinks.redaction));
  std::error_code ec;
  fs::create_directories(config_.sinks.outbox.dir, ec);
  QUELL_ASSIGN_OR_RETURN(outbox_, sinks::Outbox::Open(config_.sinks.outbox, clock_));
  sinks::ReceiverDeps deps;
  deps.clock = clock_;
  deps.stdout_stream = options_.stdout_stream;
  for (const sinks::ReceiverConfig& r : config_.sinks.receivers) {
    for (const sinks::FileConfig& f : r.file_configs) EnsureParentDir(f.path);
  }
  QUELL_ASSIGN_OR_RETURN(sinks::ReceiverSet set, sinks::BuildReceivers(config_.sinks, deps));
  // Kafka receivers live in their own library (src/sinks/kafka/); their brokers default to the
  // Kafka source's. BuildKafkaReceiver applies send_resolved, as BuildReceivers does for the rest.
  for (const sinks::ReceiverConfig& r : config_.sinks.receivers) {
    for (size_t i = 0; i < r.kafka_configs.size(); ++i) {
      QUELL_ASSIGN_OR_RETURN(sinks::KafkaSinkConfig kc, sinks::ParseKafkaSinkConfig(r.kafka_configs[i]));
      if (kc.brokers.empty() && config_.kafka) kc.brokers = config_.kafka->brokers;
      QUELL_ASSIGN_OR_RETURN(std::unique_ptr<sinks::Receiver> sink,
                             sinks::BuildKafkaReceiver(r.name, static_cast<int>(i), std::move(kc)));
      set.receivers.push_back(std::move(sink));
    }
  }
  dispatcher_ = std::make_unique<sinks::Dispatcher>(clock_, outbox_.get(), redactor_.get(),
                                                    std::move(set.receivers), std::move(set.rate_limits));
  dispatcher_->Recover();
  dispatcher_->Start();
  readiness_.Set("outbox", true, "recovered");
  return absl::OkStatus();
}

absl::Status Runtime::Start() {
  readiness_.Require("config");
  readiness_.Require("outbox");
  readiness_.Require("http");
  if (config_.kafka && options_.start_kafka) readiness_.Require("kafka_assigned");
  readiness_.Set("config", true, fmt::format("{} sha256 {}", config_.path, config_.content_sha256));

  QUELL_RETURN_IF_ERROR(BuildSinks());

  gates::GateEvaluatorOptions gopts;
  gopts.max_future_skew = config_.rules.settings.max_future_skew;  // The engine's guard (ADR 0061).
  gates_ = std::make_unique<gates::GateEvaluator>(config_.gates, gopts, dispatcher_.get());
  for (const std::string& w : gates::GatesConfigWarnings(config_.gates)) spdlog::warn("quell: {}", w);
  tee_ = std::make_unique<NotificationTee>(dispatcher_.get(), gates_.get());
  // Silences persist in a snapshot file (Alertmanager's --storage.path); loaded before serving.
  QUELL_RETURN_IF_ERROR(silencer_.OpenSnapshotFile(config_.rules.settings.silences_file));
  engine_ = std::make_unique<correlate::ShardedEngine>(correlate::CompiledRules::Build(config_.rules), tee_.get(),
                                                       &silencer_, clock_, config_.rules.settings.shards);
  QUELL_RETURN_IF_ERROR(RestoreState());
  pipeline_ = std::make_unique<Pipeline>(engine_.get(), gates_.get());
  // Before the ticker: a long downtime must not move the watermark past what the journal holds.
  QUELL_RETURN_IF_ERROR(RecoverJournal());
  engine_->StartTicker();

  EnsureParentDir(config_.dead_letter_path);
  ingest::DeadLetterFile::Options dead_letter_options;
  if (config_.dead_letter_redact) {
    const sinks::Redactor* redactor = redactor_.get();
    dead_letter_options.redact = [redactor](std::string_view original) { return redactor->RedactLine(original); };
  }
  QUELL_ASSIGN_OR_RETURN(dead_letters_, ingest::DeadLetterFile::Open(config_.dead_letter_path, std::move(dead_letter_options)));
  EnsureParentDir(config_.audit_path);
  QUELL_ASSIGN_OR_RETURN(audit_, server::AuditLog::Open(config_.audit_path, clock_));
  if (!config_.tokens_file.empty()) {
    QUELL_ASSIGN_OR_RETURN(tokens_, server::ApiTokens::LoadFile(config_.tokens_file));
  }

  QUELL_RETURN_IF_ERROR(BuildHttp());
  RegisterMetrics();
  if (config_.server.otlp_grpc) {
    server::OtlpGrpcServerOptions gopts;
    gopts.address = config_.server.otlp_grpc->address;
    gopts.port = config_.server.otlp_grpc->port;
    gopts.max_message_bytes = config_.server.max_body_bytes;
    gopts.shutdown_grace = config_.server.shutdown_grace;
    gopts.tls = config_.server.tls;
    // The same router as HTTP: OTLP/HTTP protobuf's intake, API tokens, limits and journal.
    QUELL_ASSIGN_OR_RETURN(otlp_grpc_, server::OtlpGrpcServer::Start(std::move(gopts), [this](core::HttpRequest* req) {
                             return router_.Handle(req);
                           }));
    readiness_.Set("otlp_grpc", true, fmt::format("{}:{}", config_.server.otlp_grpc->address, otlp_grpc_->port()));
    spdlog::info("quell: OTLP/gRPC on {}:{}", config_.server.otlp_grpc->address, otlp_grpc_->port());
  }

  server_ = std::make_unique<server::HttpServer>(config_.server, &router_);
  QUELL_RETURN_IF_ERROR(server_->Start());
  readiness_.Set("http", true, fmt::format("{}:{}", config_.server.address, server_->port()));
  spdlog::info("quell: listening on {}:{} ({} routes), config {} sha256 {}", config_.server.address,
               server_->port(), router_.size(), config_.path, config_.content_sha256);
  if (config_.kafka && options_.start_kafka) {
    ingest::KafkaSourceOptions kopts;
    kopts.clock = clock_;
    kopts.parser_options.datadog_webhook_mapping = &config_.datadog_webhook;
    kopts.parser_options.max_future_skew = config_.rules.settings.max_future_skew;
    kopts.parser_options.alertmanager_resolve_timeout = config_.resolve_timeout;
    if (!state_file_.empty()) {
      kopts.before_commit = [this](std::span<ingest::KafkaCommitOffset> offsets) { return commit_gate_.Limit(offsets); };
      kopts.start_offset = [this](std::string_view topic, int32_t partition) {
        return restored_marks_.KafkaOffset(topic, partition);  // Set once, before the source starts.
      };
    }
    QUELL_ASSIGN_OR_RETURN(kafka_, ingest::KafkaSource::Create(*config_.kafka, pipeline_.get(), kopts));
    QUELL_RETURN_IF_ERROR(kafka_->Start());
  }

  gate_ticker_ = std::thread([this] {
    while (!stopping_.load()) {
      RunHousekeeping();
      for (int i = 0; i < 10 && !stopping_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  if (options_.replay_sample && !config_.replay.file.empty()) {
    replay_thread_ = std::thread([this] {
      ingest::ReplayOptions ropts;
      ropts.speed = config_.replay.speed;
      ropts.rebase_to_now = config_.replay.rebase_to_now;
      ropts.parser.datadog_webhook_mapping = &config_.datadog_webhook;
      ropts.dead_letter = dead_letters_.get();
      ingest::Replayer replayer(pipeline_.get(), clock_, ropts);
      absl::Status s = replayer.ReplayFile(config_.replay.file);
      if (!s.ok()) {
        spdlog::warn("quell: replay of {} failed: {}", config_.replay.file, std::string(s.message()));
      } else {
        spdlog::info("quell: replayed {}: {} signals accepted, {} records rejected", config_.replay.file,
                     replayer.stats().accepted, replayer.stats().rejected);
      }
    });
  }
  started_ = true;
  return absl::OkStatus();
}

absl::Status Runtime::RestoreState() {
  state_file_ = config_.rules.settings.state_file;
  checkpoint_interval_ = config_.rules.settings.state_checkpoint_interval;
  last_checkpoint_ = clock_->Now();
  if (state_file_.empty()) return absl::OkStatus();
  EnsureParentDir(state_file_);
  absl::StatusOr<std::optional<std::string>> json = core::ReadStateFile(state_file_);
  if (!json.ok()) return absl::DataLossError(fmt::format("correlation state: {}", std::string(json.status().message())));
  if (!json->has_value()) {
    spdlog::info("quell: no correlation state at {} yet: starting empty", state_file_);
    return absl::OkStatus();
  }
  absl::StatusOr<StateDocument> doc = StateDocument::Parse(**json);
  auto aside = [&](const absl::Status& st) {
    return absl::DataLossError(
        fmt::format("{} ({}): move the file aside to start without it", std::string(st.message()), state_file_));
  };
  if (!doc.ok()) return aside(doc.status());
  // The gates first: the engine's restore may report incidents attributed to deploys to them.
  if (!doc->gates().empty()) {
    if (absl::Status st = gates_->Restore(doc->gates(), clock_->Now()); !st.ok()) return aside(st);
  }
  if (!doc->marks().empty()) {
    absl::StatusOr<CheckpointMarks> marks = CheckpointMarks::Parse(doc->marks());
    if (!marks.ok()) return aside(marks.status());
    restored_marks_ = *std::move(marks);
    commit_gate_.Restore(restored_marks_.kafka);
  }
  size_t alerts = 0;
  if (absl::Status st = engine_->RestoreState(doc->engine(), &alerts); !st.ok()) return aside(st);
  spdlog::info("quell: restored {} alerts{} from {}", alerts,
               doc->gates().empty() ? " (no deploy-gate state saved)" : " and the deploy gates' state", state_file_);
  return absl::OkStatus();
}

absl::Status Runtime::RecoverJournal() {
  if (config_.journal.dir.empty()) return absl::OkStatus();
  QUELL_ASSIGN_OR_RETURN(journal_, ingest::IntakeJournal::Open(config_.journal, restored_marks_.journal,
                                                               restored_marks_.journal_checkpoint));
  if (journal_->covered_at_open() > 0) {
    spdlog::info("quell: {} intake journal segments were already in the restored state: removed, not replayed",
                 journal_->covered_at_open());
  }
  const std::vector<std::string>& segments = journal_->leftover_segments();
  if (segments.empty()) return absl::OkStatus();
  ingest::ReplayOptions ropts;
  ropts.source = core::SourceKind::kHttp;
  ropts.parser.datadog_webhook_mapping = &config_.datadog_webhook;
  // What the intake accepted passed its limits; OTLP protobuf bodies are journaled as their
  // (larger) JSON transcoding.
  ropts.parser.limits.max_body_bytes = config_.intake.max_body_bytes * ingest::OtlpProtobufParser::kJsonExpansion;
  ropts.parser.limits.max_records = config_.intake.max_records_per_body;
  ropts.skip_in_checkpoint_up_to = restored_marks_.journal_checkpoint;  // Those lines are in the state.
  uint64_t accepted = 0, rejected = 0, skipped = 0;
  for (const std::string& path : segments) {
    // Fast mode: the only wait is the 10 ms back-off when the engine's queues are full, slept on
    // the wall clock whatever clock the runtime was given (a test's ManualClock does not move).
    ingest::Replayer replayer(pipeline_.get(), clock_, ropts,
                              [](core::WallTime) { absl::SleepFor(absl::Milliseconds(10)); });
    absl::Status s = replayer.ReplayFile(path);
    if (!s.ok()) {
      return absl::DataLossError(fmt::format("intake journal: replaying {}: {}", path, std::string(s.message())));
    }
    accepted += replayer.stats().accepted;
    rejected += replayer.stats().rejected;
    skipped += replayer.stats().skipped;
  }
  engine_->Drain();
  // Rejections here were dead-lettered when the body first came in, or are a line cut short by a
  // crash before its request was answered.
  spdlog::info("quell: replayed the intake journal ({} segments in {}): {} signals, {} records rejected, {} bodies "
               "skipped as already in the restored state",
               segments.size(), journal_->dir(), accepted, rejected, skipped);
  return absl::OkStatus();
}

absl::Status Runtime::CheckpointState() {
  if (state_file_.empty() || !engine_) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(checkpoint_mu_);  // Housekeeping, Stop and API writes may all write.
  return CheckpointStateLocked();
}

absl::Status Runtime::PersistStateChange() {
  const uint64_t mine = state_changes_.fetch_add(1) + 1;
  if (state_file_.empty() || !engine_) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  if (checkpointed_changes_ >= mine) return absl::OkStatus();  // A checkpoint that began after it is durable.
  return CheckpointStateLocked();
}

absl::Status Runtime::CheckpointStateLocked() {
  last_checkpoint_ = clock_->Now();
  // Every API change counted so far is applied, so in this snapshot.
  const uint64_t changes = state_changes_.load();
  // Every Kafka offset reported done so far has its messages in the engine, so in this snapshot.
  const CheckpointCommitGate::Offsets covered = commit_gate_.Begin();
  // The engine's snapshot is begun and the gates are serialized at the intake journal's cut, with
  // no journaled HTTP submit in flight: both hold exactly the journaled bodies submitted before it
  // (those up to the mark, and later lines marked with this checkpoint; intake_journal.h).
  const auto began = std::chrono::steady_clock::now();  // A metric of real cost, not event time.
  correlate::ShardedEngine::StateSnapshot engine_state;
  std::string gates_state;
  auto at_cut = [&] {
    engine_state = engine_->BeginSerializeState();
    gates_state = gates_->Serialize();
  };
  uint64_t journal_mark = 0;
  if (journal_) {
    journal_mark = journal_->BeginCheckpoint(at_cut);
  } else {
    at_cut();
  }
  const uint64_t journal_checkpoint = journal_ ? journal_->checkpoint_number() : 0;  // Only this thread begins them.
  // What the snapshot holds of each input, saved with it so that a crash before the commit or
  // the trim that follow it does not feed the same input into the restored state again.
  CheckpointMarks marks;
  marks.kafka = covered;
  marks.journal = journal_mark;
  marks.journal_checkpoint = journal_checkpoint;
  const std::string document = StateDocument::Compose(engine_state.Take(), gates_state, marks.ToJson());
  absl::Status st = core::WriteStateFile(state_file_, document);
  if (!st.ok()) {
    checkpoint_stats_.failure.fetch_add(1);
    spdlog::warn("quell: correlation state checkpoint failed: {}", std::string(st.message()));
    return st;
  }
  commit_gate_.Durable(covered);
  checkpointed_changes_ = std::max(checkpointed_changes_, changes);
  if (journal_) {
    absl::Status js = journal_->CheckpointDurable(journal_mark);
    if (!js.ok()) spdlog::warn("quell: {}", std::string(js.message()));
  }
  checkpoint_stats_.success.fetch_add(1);
  checkpoint_stats_.last_success_unix_nanos.store(last_checkpoint_.unix_nanos());
  checkpoint_stats_.last_bytes.store(document.size());
  checkpoint_stats_.last_duration_nanos.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began).count());
  return absl::OkStatus();
}

void Runtime::RunHousekeeping() {
  const core::WallTime now = clock_->Now();
  gates_->AdvanceTo(core::EventTime::FromUnixNanos(now.unix_nanos()));
  silencer_.GarbageCollect(absl::FromUnixNanos(now.unix_nanos()), config_.rules.settings.silence_retention);
  if (kafka_) {
    ingest::KafkaSourceStats ks = kafka_->Stats();
    readiness_.Set("kafka_assigned", !ks.partitions.empty(), fmt::format("{} partitions assigned", ks.partitions.size()));
  }
  bool due;
  {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    due = now.unix_nanos() - last_checkpoint_.unix_nanos() >= absl::ToInt64Nanoseconds(checkpoint_interval_);
  }
  if (due) CheckpointState().IgnoreError();  // Logged and counted; the next one retries.
}

void Runtime::WaitForReplay() {
  if (replay_thread_.joinable()) replay_thread_.join();
}

void Runtime::Stop() {
  if (stopping_.exchange(true)) return;
  // Sources first, so nothing new arrives; then drain the engine; then flush delivery.
  if (server_) server_->Stop();
  if (otlp_grpc_) otlp_grpc_->Stop();
  // A checkpoint while Kafka still runs, so that its revocation commits all that was done (the
  // commits wait for a checkpoint): a restart then re-reads only what was in flight.
  if (started_ && kafka_) CheckpointState().IgnoreError();
  if (kafka_) kafka_->Stop();
  WaitForReplay();
  if (gate_ticker_.joinable()) gate_ticker_.join();
  if (engine_) engine_->Drain();
  if (started_) CheckpointState().IgnoreError();  // After the drain: every admitted batch is in it.
  if (dispatcher_) dispatcher_->Stop();
  if (dead_letters_) (void)dead_letters_->Sync();
}

uint16_t Runtime::http_port() const { return server_ ? server_->port() : 0; }
uint16_t Runtime::otlp_grpc_port() const { return otlp_grpc_ ? otlp_grpc_->port() : 0; }

absl::Status Runtime::BuildHttp() {
  ingest::HttpIntakeDeps deps;
  deps.sink = pipeline_.get();
  deps.clock = clock_;
  deps.parser_options.datadog_webhook_mapping = &config_.datadog_webhook;
  deps.parser_options.max_future_skew = config_.rules.settings.max_future_skew;
  deps.parser_options.alertmanager_resolve_timeout = config_.resolve_timeout;
  deps.journal = journal_.get();
  ingest::DeadLetterFile* dl = dead_letters_.get();
  const core::Clock* clock = clock_;
  deps.dead_letter = [dl, clock](core::Format format, std::span<const core::Rejection> rejections,
                                 std::string_view body) {
    (void)dl->WriteRejections(rejections, format, core::SourceKind::kHttp, body,
                              core::EventTime::FromUnixNanos(clock->Now().unix_nanos()));
  };
  QUELL_ASSIGN_OR_RETURN(intake_, ingest::HttpIntake::Create(config_.intake, std::move(deps)));
  for (ingest::IntakeRoute& r : intake_->Routes()) {
    QUELL_RETURN_IF_ERROR(router_.Route(r.method, r.path, std::move(r.handler), {}, std::move(r.on_refusal)));
  }
  QUELL_RETURN_IF_ERROR(server::ConsoleAssets::Register(&router_));
  {
    std::set<std::string> names = config_.sinks.receiver_names();
    alerts_api_ = std::make_unique<server::AlertsApiV2>(engine_.get(), clock_,
                                                        std::vector<std::string>(names.begin(), names.end()));
  }
  QUELL_RETURN_IF_ERROR(alerts_api_->Register(&router_));
  silences_api_ = std::make_unique<server::SilencesApi>(&silencer_, clock_);
  QUELL_RETURN_IF_ERROR(silences_api_->Register(&router_));
  incidents_api_ = std::make_unique<server::IncidentsApi>(engine_.get());
  QUELL_RETURN_IF_ERROR(incidents_api_->Register(&router_));
  server::GatesApi::Options gopts;
  correlate::ShardedEngine* engine = engine_.get();
  gopts.on_deployment = [engine](const core::Deployment& d) { engine->RecordDeployment(d); };
  gopts.max_future_skew = config_.rules.settings.max_future_skew;
  gopts.on_override = [this](const core::HttpRequest& req, const gates::GateVerdict& v, bool cleared) {
    server::AuditEntry e;
    e.action = cleared ? "gate.override_cleared" : "gate.overridden";
    e.principal = std::string(req.Header("X-Quell-Principal"));
    e.target = fmt::format("{}/{}/{}/{}", v.gate, v.service, v.env, v.version);
    // Set: the override's verdict and reason; cleared: those of the override removed, and who set it.
    const std::optional<gates::GateOverride>& o = cleared ? v.cleared_override : v.manual_override;
    if (o) {
      e.details.emplace_back("verdict", std::string(gates::VerdictName(o->verdict)));
      e.details.emplace_back("reason", o->reason);
      if (cleared) e.details.emplace_back("set_by", o->by);
    }
    e.details.emplace_back("computed_verdict", std::string(gates::VerdictName(v.computed_verdict)));
    absl::Status s = audit_->Append(e);
    if (!s.ok()) spdlog::error("quell: {}", std::string(s.message()));
  };
  gates_api_ = std::make_unique<server::GatesApi>(gates_.get(), clock_, gopts);
  for (server::GatesRoute& r : gates_api_->Routes()) {
    QUELL_RETURN_IF_ERROR(router_.Route(r.method, r.path, std::move(r.handler), r.options));
  }
  QUELL_RETURN_IF_ERROR(router_.Route("GET", "/metrics", [this](const core::HttpRequest& r) { return metrics_.Handle(r); }));
  QUELL_RETURN_IF_ERROR(router_.Route("GET", "/healthz", &server::Readiness::HandleHealthz));
  QUELL_RETURN_IF_ERROR(router_.Route("GET", "/readyz", [this](const core::HttpRequest& r) { return readiness_.HandleReadyz(r); }));
  // Alertmanager's probe paths, so manifests written for Alertmanager keep working.
  QUELL_RETURN_IF_ERROR(router_.Route("GET", "/-/healthy", &server::Readiness::HandleHealthz));
  QUELL_RETURN_IF_ERROR(
      router_.Route("GET", "/-/ready", [this](const core::HttpRequest& r) { return readiness_.HandleReadyz(r); }));
  QUELL_RETURN_IF_ERROR(router_.Route("GET", "/api/v1/audit", [this](const core::HttpRequest& r) { return audit_->HandleGet(r); }));
  QUELL_RETURN_IF_ERROR(router_.Route("POST", "/api/v1/reload", [this](const core::HttpRequest& r) { return HandleReload(r); }));
  QUELL_RETURN_IF_ERROR(
      router_.Route("POST", "/-/reload", [this](const core::HttpRequest& r) { return HandleAlertmanagerReload(r); }));
  router_.SetMiddleware([this](const core::HttpRequest& req, const server::MatchedRoute& route,
                               const core::HttpHandler& next) {
    return Middleware(req, route, next);
  });
  return absl::OkStatus();
}

core::HttpResponse Runtime::Middleware(const core::HttpRequest& req, const server::MatchedRoute& route,
                                       const core::HttpHandler& next) {
  const std::string_view pattern = route.pattern;
  std::optional<server::Scope> scope = ScopeFor(req.method, pattern);
  std::string principal = "anonymous";
  if (scope.has_value()) {
    server::ApiTokens::Decision d = tokens_.Authorize(req, *scope);
    if (!d.allowed) return *d.refusal;
    principal = d.principal;
  }
  bool write = req.method != "GET" && req.method != "HEAD";
  bool intake = scope == server::Scope::kIngest || IsDatadogIntake(pattern);
  if (!write || intake) {
    // Reads and telemetry intake need no principal: no copy of the (possibly large) request.
    return next(req);
  }
  core::HttpRequest with_principal = req;
  std::erase_if(with_principal.headers, [](const auto& h) { return core::EqualsIgnoreCase(h.first, "X-Quell-Principal"); });
  with_principal.headers.emplace_back("X-Quell-Principal", principal);
  core::HttpResponse resp = next(with_principal);
  // Audit every successful write that is not telemetry intake.
  // Reloads and gate overrides write their own, more detailed entries.
  if (resp.status >= 200 && resp.status < 300 && pattern != "/api/v1/reload" && pattern != "/-/reload" &&
      pattern != "/api/v1/gates/{service}/override" && !pattern.starts_with("/api/v1/gates/flagger/")) {
    server::AuditEntry e;
    e.principal = principal;
    if (pattern == "/api/v2/silences") {
      // A post with the id of an existing silence updates it in place, or expires it and creates
      // a new one (Alertmanager's rule, ADR 0054): the entry says which.
      std::string posted_id;
      if (absl::StatusOr<correlate::JsonValue> v = correlate::JsonValue::Parse(req.body); v.ok()) {
        posted_id = v->GetString("id");
      }
      e.target = SilenceIdFrom(resp.body);
      e.action = !posted_id.empty() && posted_id == e.target ? "silence.update" : "silence.create";
      if (!posted_id.empty() && posted_id != e.target) e.details.emplace_back("replaces", posted_id);
    } else if (pattern == "/api/v2/silence/{id}") {
      e.action = "silence.expire";
      e.target = std::string(req.PathParam("id"));
    } else if (pattern == "/api/v1/incidents/{id}/ack") {
      e.action = "incident.ack";
      e.target = std::string(req.PathParam("id"));
    } else if (pattern == "/api/v1/deployments") {
      e.action = "deployment.register";
      // The answer is the stored deployment (DeploymentToJson): what was registered, as merged.
      if (absl::StatusOr<core::Deployment> d = server::ParseDeploymentJson(resp.body, core::EventTime()); d.ok()) {
        e.target = d->service;
        e.details.emplace_back("version", d->version);
        e.details.emplace_back("env", d->env);
        e.details.emplace_back("color", std::string(core::DeployColorName(d->color)));
        e.details.emplace_back("started_at", core::FormatRfc3339(d->started_at.ToAbsl()));
      }
    } else {
      e.action = "api.write";
      e.target = fmt::format("{} {}", req.method, pattern);
    }
    if (tokens_.enabled()) e.details.emplace_back("token", principal);
    absl::Status s = audit_->Append(e);
    if (!s.ok()) spdlog::error("quell: {}", std::string(s.message()));
  }
  // Writes that change the correlation or gate state (RouteOptions::changes_state) are durable
  // before they are answered (the silences API persists its own snapshot file on every change).
  if (resp.status >= 200 && resp.status < 300 && route.options.changes_state) {
    if (absl::Status st = PersistStateChange(); !st.ok()) {
      core::HttpResponse refused = JsonMessage(
          503, "error", fmt::format("applied, but the state is not durable yet ({}): retry", std::string(st.message())));
      refused.headers.emplace_back("Retry-After", "1");
      return refused;
    }
  }
  return resp;
}

core::HttpResponse Runtime::HandleReload(const core::HttpRequest& req) {
  absl::Status s = Reload(std::string(req.Header("X-Quell-Principal")));
  if (!s.ok()) {
    int status = s.code() == absl::StatusCode::kFailedPrecondition ? 409 : 400;
    return JsonMessage(status, "error", std::string(s.message()));
  }
  std::lock_guard<std::mutex> lock(reload_mu_);
  return JsonMessage(200, "sha256", config_.content_sha256);
}

core::HttpResponse Runtime::HandleAlertmanagerReload(const core::HttpRequest& req) {
  absl::Status s = Reload(std::string(req.Header("X-Quell-Principal")));
  if (s.ok()) return core::HttpResponse::Text(200, "");
  return core::HttpResponse::Text(500, fmt::format("failed to reload config: {}\n", std::string(s.message())));
}

absl::Status Runtime::Reload(const std::string& who) {
  std::lock_guard<std::mutex> lock(reload_mu_);
  auto record = [&](bool ok, const std::string& target, const std::string& detail) {
    (ok ? reload_stats_.success : reload_stats_.failure).fetch_add(1);
    reload_stats_.last_ok.store(ok);
    if (audit_) {
      server::AuditEntry e{"config.reload", who, target, {{"outcome", ok ? "success" : "failure"}}};
      if (!detail.empty()) e.details.emplace_back("error", detail);
      (void)audit_->Append(e);
    }
  };
  if (config_.path.empty() || config_.path.front() == '<') {
    return absl::FailedPreconditionError("reload: the embedded default config cannot be reloaded; run with --config FILE");
  }
  absl::StatusOr<QuellConfig> next = LoadConfig(config_.path);
  if (!next.ok()) {
    record(false, config_.content_sha256, std::string(next.status().message()));
    spdlog::error("quell: config reload failed, keeping the running config: {}", std::string(next.status().message()));
    return next.status();
  }
  if (engine_) engine_->Reload(correlate::CompiledRules::Build(next->rules));
  if (gates_) gates_->Reload(next->gates);
  config_.rules = next->rules;
  config_.gates = next->gates;
  config_.content_sha256 = next->content_sha256;
  config_.files = next->files;
  readiness_.Set("config", true, fmt::format("{} sha256 {}", config_.path, config_.content_sha256));
  record(true, config_.content_sha256, "");
  spdlog::info("quell: config reloaded by {}: sha256 {}", who, config_.content_sha256);
  return absl::OkStatus();
}

void Runtime::RegisterMetrics() {
  MetricsDeps deps;
  deps.pipeline = pipeline_.get();
  deps.intake = intake_.get();
  deps.dead_letters = dead_letters_.get();
  deps.engine = engine_.get();
  deps.dispatcher = dispatcher_.get();
  deps.gates = gates_.get();
  deps.reload = &reload_stats_;
  if (!state_file_.empty()) deps.checkpoints = &checkpoint_stats_;
  deps.journal = journal_.get();
  deps.kafka = [this]() -> std::optional<ingest::KafkaSourceStats> {
    if (!kafka_) return std::nullopt;
    return kafka_->Stats();
  };
  deps.http = [this]() -> const server::HttpServerStats* { return server_ ? &server_->stats() : nullptr; };
  // Set before the HTTP listener serves /metrics (the gRPC listener starts first).
  deps.otlp_grpc = [this]() -> const server::OtlpGrpcServerStats* {
    return otlp_grpc_ ? &otlp_grpc_->stats() : nullptr;
  };
  RegisterMetricsSources(&metrics_, deps);
}

}  // namespace quell::app
