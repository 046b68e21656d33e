// bench/server/http_intake_bench.cc
//
// Signals/s through Quell's HTTP server and intake on loopback: POST /api/v2/alerts (Alertmanager),
// /api/v2/logs and /api/v1/events (Datadog), /v1/logs (OTLP JSON), batch sizes 1, 100, 1000, into
// a sink that only counts. The load generator is in this binary: one client thread, one keep-alive
// connection, 16 requests pipelined per round; the server runs 1 I/O thread, so client + server use
// the machine's 2 cores. Baselines in the same binary:
//   BM_HttpNoop      same bodies to a handler that answers 200 without parsing (HTTP cost alone);
//   BM_ParseOnly     the same parser on the same body without HTTP (parse cost alone).
// OTLP logs over the three OTLP transports, same records: BM_OtlpLogs (HTTP JSON),
// BM_OtlpLogsProtobuf (HTTP, the same request as binary protobuf, transcoded: ADR 0013) and
// BM_OtlpLogsGrpc (that protobuf as a gRPC Export call, ADR 0014: one channel, 16 calls in flight
// per round, onto the same router and intake).
// items_per_second = signals/s.
#include <unistd.h>

#include <time.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "bench/support/pipelined_http_client.h"
#include "benchmark/benchmark.h"
#include "core/clock.h"
#include "fmt/format.h"
#include "ingest/http_intake.h"
#include "ingest/intake_journal.h"
#include "ingest/ndjson_record_writer.h"
#include "ingest/parser.h"
#include "server/http_server.h"
#include "server/otlp_grpc_server.h"
#include "ingest/otlp_protobuf.h"
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <future>

namespace quell {
namespace {

constexpr int kPipeline = 16;

class CountingSink : public core::BatchSink {
 public:
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    signals_.fetch_add(batch->size(), std::memory_order_relaxed);
    batch->Clear();
    done();
    return absl::OkStatus();
  }
  uint64_t signals() const { return signals_.load(); }

 private:
  std::atomic<uint64_t> signals_{0};
};

struct Fixture {
  // With `journal_mode` 1 (fsync: never; interval syncs in the background, off the request path)
  // or 2 (fsync: always), the intake journals every body to a
  // fresh directory under /tmp (ingest.journal).
  explicit Fixture(int journal_mode = 0) {
    ingest::HttpIntakeDeps deps;
    deps.sink = &sink;
    deps.clock = core::SystemClock::Get();
    if (journal_mode != 0) {
      ingest::IntakeJournalConfig jc;
      jc.dir = fmt::format("/tmp/quell_bench_journal_{}_{}", ::getpid(), journal_mode);
      std::filesystem::remove_all(jc.dir);
      jc.fsync = journal_mode == 2 ? ingest::JournalFsync::kAlways : ingest::JournalFsync::kNever;
      journal = std::move(*ingest::IntakeJournal::Open(jc));
      deps.journal = journal.get();
    }
    intake = std::move(*ingest::HttpIntake::Create({}, deps));
    for (auto& r : intake->Routes()) {
      if (!router.Route(r.method, r.path, r.handler).ok()) std::abort();
    }
    if (!router.Route("POST", "/noop", [](const core::HttpRequest&) { return core::HttpResponse::Json(200, "{}"); })
             .ok()) {
      std::abort();
    }
    server::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 1;
    server = std::make_unique<server::HttpServer>(cfg, &router);
    if (!server->Start().ok()) std::abort();
    server::OtlpGrpcServerOptions gopts;
    gopts.port = 0;
    auto g = server::OtlpGrpcServer::Start(gopts, [this](core::HttpRequest* req) { return router.Handle(req); });
    if (!g.ok()) std::abort();
    grpc = std::move(*g);
  }
  CountingSink sink;
  std::unique_ptr<ingest::IntakeJournal> journal;
  std::unique_ptr<ingest::HttpIntake> intake;
  server::Router router;
  std::unique_ptr<server::HttpServer> server;
  std::unique_ptr<server::OtlpGrpcServer> grpc;
};

Fixture& GetFixture(int journal_mode = 0) {
  static Fixture* f[3] = {};
  if (f[journal_mode] == nullptr) f[journal_mode] = new Fixture(journal_mode);
  return *f[journal_mode];
}

std::string AlertsBody(int n) {
  std::string b = "[";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += fmt::format(
        R"({{"labels":{{"alertname":"HighErrorRate","service":"checkout","env":"prod","instance":"10.0.{}.{}:9100",)"
        R"("severity":"page"}},"annotations":{{"summary":"error rate above 5%","runbook":"https://runbooks/x"}},)"
        R"("startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:05:00Z","generatorURL":"http://prom:9090/graph"}})",
        i / 250, i % 250);
  }
  return b + "]";
}

std::string DatadogLogsBody(int n) {
  std::string b = "[";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += fmt::format(R"({{"message":"request {} failed: upstream timeout","ddsource":"nginx","ddtags":"env:prod,version:1.4.2",)"
                     R"("hostname":"web-{}","service":"checkout","status":"error"}})",
                     i, i % 16);
  }
  return b + "]";
}

std::string DatadogEventsBody(int n) {
  if (n == 1) {
    return R"({"title":"Deployed checkout 1.4.2","text":"by jenkins","tags":["service:checkout","env:prod","version:1.4.2"],)"
           R"("source_type_name":"jenkins","alert_type":"info","date_happened":1767225600})";
  }
  std::string b = "[";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += fmt::format(R"({{"title":"Deployed checkout 1.4.{}","text":"by jenkins","tags":["service:checkout","env:prod"],)"
                     R"("source_type_name":"jenkins","alert_type":"info","date_happened":1767225600}})",
                     i);
  }
  return b + "]";
}

std::string OtlpLogsBody(int n) {
  std::string b =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},)"
      R"({"key":"deployment.environment.name","value":{"stringValue":"prod"}}]},"scopeLogs":[{"scope":{"name":"x"},"logRecords":[)";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += fmt::format(R"({{"timeUnixNano":"1767225600{:09}","severityNumber":17,"severityText":"ERROR",)"
                     R"("body":{{"stringValue":"payment {} failed"}},"attributes":[{{"key":"http.route","value":{{"stringValue":"/pay"}}}}]}})",
                     i, i);
  }
  return b + "]}]}]}";
}

// kPipeline copies of one POST, written together, answered in order; every answer must be 2xx.
class LoadClient {
 public:
  LoadClient(uint16_t port, const std::string& path, const std::string& body, const std::string& headers = "")
      : conn_(port) {
    if (!conn_.connected()) std::abort();
    const std::string req = bench::PipelinedHttpClient::Post(path, body, "DD-API-KEY: x\r\n" + headers);
    for (int i = 0; i < kPipeline; ++i) round_ += req;
  }

  // One round; false on an error or a non-2xx answer.
  bool Round() {
    if (!conn_.Exchange(round_, kPipeline, &statuses_)) return false;
    for (int s : statuses_) {
      if (s < 200 || s > 299) return false;
    }
    return true;
  }

 private:
  bench::PipelinedHttpClient conn_;
  std::string round_;
  std::vector<int> statuses_;
};

// kPipeline concurrent Export calls on one channel per round; every one must be OK.
class GrpcLoadClient {
 public:
  GrpcLoadClient(uint16_t port, const std::string& body)
      : stub_(grpc::CreateChannel(fmt::format("127.0.0.1:{}", port), grpc::InsecureChannelCredentials())),
        body_(body.data(), body.size()) {}

  bool Round() {
    struct Call {
      grpc::ClientContext ctx;
      grpc::ByteBuffer request, response;
    };
    std::vector<std::unique_ptr<Call>> calls;
    std::atomic<int> remaining{kPipeline};
    std::atomic<bool> ok{true};
    std::promise<void> done;
    for (int i = 0; i < kPipeline; ++i) calls.push_back(std::make_unique<Call>());
    for (auto& c : calls) {
      c->request = grpc::ByteBuffer(&body_, 1);
      stub_.UnaryCall(&c->ctx, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", grpc::StubOptions(),
                      &c->request, &c->response, [&](grpc::Status s) {
                        if (!s.ok()) ok = false;
                        if (remaining.fetch_sub(1) == 1) done.set_value();
                      });
    }
    done.get_future().wait();
    return ok;
  }

 private:
  grpc::GenericStub stub_;
  grpc::Slice body_;
};

// CPU time of the whole process (client and server threads), in seconds.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename Client>
void RunClient(benchmark::State& state, Client& client, const std::string& body, int batch, bool count_signals,
               int journal_mode) {
  Fixture& f = GetFixture(journal_mode);
  const uint64_t before = f.sink.signals();
  const double cpu_before = ProcessCpuSeconds();
  for (auto _ : state) {
    if (!client.Round()) {
      state.SkipWithError("request failed");
      break;
    }
  }
  const double cpu = ProcessCpuSeconds() - cpu_before;
  const int64_t requests = state.iterations() * kPipeline;
  // Signals per CPU-second of client + server together: what 2 dedicated cores would sustain is
  // about twice this when both sides keep a core busy. Less sensitive to other load on the machine
  // than items_per_second (wall time).
  if (cpu > 0) state.counters["items_per_cpu_second"] = static_cast<double>(requests * batch) / cpu;
  if (count_signals && f.sink.signals() - before != static_cast<uint64_t>(requests * batch)) {
    state.SkipWithError("sink did not receive every signal");
  }
  state.SetItemsProcessed(requests * batch);
  state.SetBytesProcessed(requests * static_cast<int64_t>(body.size()));
  state.counters["requests_per_second"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
  if (f.journal) {
    // What a state checkpoint does: the sink ran every done callback, so everything is trimmed.
    (void)f.journal->CheckpointDurable(f.journal->BeginCheckpoint());
  }
}

void RunHttp(benchmark::State& state, const std::string& path, const std::string& body, int batch,
             bool count_signals, int journal_mode = 0) {
  LoadClient client(GetFixture(journal_mode).server->port(), path, body);
  RunClient(state, client, body, batch, count_signals, journal_mode);
}

void BM_AlertmanagerAlerts(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/api/v2/alerts", AlertsBody(n), n, true);
}
void BM_DatadogLogs(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/api/v2/logs", DatadogLogsBody(n), n, true);
}
void BM_DatadogEvents(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/api/v1/events", DatadogEventsBody(n), n, true);
}
void BM_OtlpLogs(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/v1/logs", OtlpLogsBody(n), n, true);
}
std::string OtlpLogsProtobuf(int n) {
  absl::StatusOr<std::string> b = ingest::OtlpJsonToProtobuf(ingest::OtlpRequestKind::kLogs, OtlpLogsBody(n));
  if (!b.ok()) std::abort();
  return *b;
}
void BM_OtlpLogsProtobuf(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  const std::string body = OtlpLogsProtobuf(n);
  LoadClient client(GetFixture().server->port(), "/v1/logs", body, "Content-Type: application/x-protobuf\r\n");
  RunClient(state, client, body, n, true, 0);
}
void BM_OtlpLogsGrpc(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  const std::string body = OtlpLogsProtobuf(n);
  GrpcLoadClient client(GetFixture().grpc->port(), body);
  RunClient(state, client, body, n, true, 0);
}
// The same alert bodies with the intake journal (ingest.journal): fsync never, then always (one
// connection, 16 pipelined requests, 1 I/O thread: every request waits for its own fdatasync, the
// worst case for the group commit).
void BM_AlertmanagerAlertsJournalNoFsync(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/api/v2/alerts", AlertsBody(n), n, true, 1);
}
void BM_AlertmanagerAlertsJournalFsync(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/api/v2/alerts", AlertsBody(n), n, true, 2);
}
// Reference: a real Alertmanager (e.g. Debian's prometheus-alertmanager 0.25) at
// QUELL_BENCH_ALERTMANAGER_PORT on 127.0.0.1, same bodies and load. Skipped when the variable is unset.
void BM_ExternalAlertmanager(benchmark::State& state) {
  const char* port = std::getenv("QUELL_BENCH_ALERTMANAGER_PORT");
  if (port == nullptr) {
    state.SkipWithError("QUELL_BENCH_ALERTMANAGER_PORT not set");
    return;
  }
  int n = static_cast<int>(state.range(0));
  std::string body = AlertsBody(n);
  LoadClient client(static_cast<uint16_t>(std::atoi(port)), "/api/v2/alerts", body);
  for (auto _ : state) {
    if (!client.Round()) {
      state.SkipWithError("request failed");
      break;
    }
  }
  const int64_t requests = state.iterations() * kPipeline;
  state.SetItemsProcessed(requests * n);
  state.SetBytesProcessed(requests * static_cast<int64_t>(body.size()));
  state.counters["requests_per_second"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
}

// Baseline: the HTTP layer alone (same alert bodies, handler does not parse).
void BM_HttpNoop(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  RunHttp(state, "/noop", AlertsBody(n), n, false);
}
// Baseline: the parser alone on the same alert bodies, no HTTP.
void BM_ParseOnlyAlerts(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::string body = AlertsBody(n);
  body.reserve(body.size() + 64);
  auto parser = ingest::MakeParser(core::Format::kAlertmanager);
  core::SignalBatch batch;
  for (auto _ : state) {
    batch.Clear();
    ingest::ParseResult r = parser->Parse(body, body.capacity(), core::SourceKind::kHttp,
                                          core::EventTime::FromUnixNanos(1), &batch);
    if (r.accepted != static_cast<uint32_t>(n)) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(batch.size());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

// What the intake journal adds per request on the I/O thread: the record line of one body
// (RecordWriter::FormatRecord: validation with simdjson's DOM parser, CR/LF to spaces, the copy).
void BM_JournalRecordLine(benchmark::State& state) {
  const std::string body = AlertsBody(static_cast<int>(state.range(0)));
  std::string line;
  for (auto _ : state) {
    ingest::RecordWriter::FormatRecord(core::Format::kAlertmanager, core::EventTime::FromUnixNanos(1), body, &line);
    benchmark::DoNotOptimize(line.data());
  }
  if (line.find("\"body\":[") == std::string::npos) state.SkipWithError("the body was not embedded as JSON");
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

BENCHMARK(BM_JournalRecordLine)->Arg(1)->Arg(100);
BENCHMARK(BM_AlertmanagerAlerts)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_AlertmanagerAlertsJournalNoFsync)->Arg(1)->Arg(100)->UseRealTime();
BENCHMARK(BM_AlertmanagerAlertsJournalFsync)->Arg(1)->Arg(100)->UseRealTime();
BENCHMARK(BM_DatadogLogs)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_DatadogEvents)->Arg(1)->UseRealTime();
BENCHMARK(BM_OtlpLogs)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_OtlpLogsProtobuf)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_OtlpLogsGrpc)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_HttpNoop)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();
BENCHMARK(BM_ExternalAlertmanager)->Arg(1)->Arg(100)->UseRealTime();
BENCHMARK(BM_ParseOnlyAlerts)->Arg(1)->Arg(100)->Arg(1000);

}  // namespace
}  // namespace quell

BENCHMARK_MAIN();
