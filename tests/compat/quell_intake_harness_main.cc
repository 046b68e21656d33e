// tests/compat/quell_intake_harness_main.cc
//
// quell-intake-harness: HttpServer + HttpIntake with a recording sink, for running real clients
// (OTel JS exporters, Prometheus, curl, the Datadog Agent) against Quell's intake. It listens on
// an ephemeral loopback port (or --port), writes that port to --port-file (and prints
// "listening on 127.0.0.1:PORT" on stdout), and appends one JSON line per received signal to --out:
//   {"kind":"log","format":"otlp_logs","title":...,"message":...,"service":...,"env":...,
//    "host":...,"version":...,"severity":"error","event_time_ns":...,"end_time_ns":...,
//    "value":...,"count":...,"labels":{...},"annotations":{...}}
// and one line per dead-lettered record: {"dead_letter":"<reason at byte ...>","format":...}.
// Lines are flushed as they are written. Runs until SIGTERM/SIGINT.
//
//   quell-intake-harness --out /tmp/got.jsonl --port-file /tmp/port [--port 0] [--dd-api-key-env NAME]
//                        [--grpc-port-file /tmp/grpc-port]
// With --grpc-port-file it also serves OTLP/gRPC (server::OtlpGrpcServer, the same router) on an
// ephemeral loopback port and writes that port there.
#include <time.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/severity.h"
#include "ingest/http_intake.h"
#include "server/http_server.h"
#include "server/otlp_grpc_server.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

class JsonlSink : public quell::core::BatchSink {
 public:
  explicit JsonlSink(std::FILE* out) : out_(out) {}
  absl::Status Submit(quell::core::SignalBatch* batch, std::function<void()> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const quell::core::Signal& s : batch->signals()) {
      line_.clear();
      quell::core::JsonWriter w(&line_);
      w.BeginObject();
      w.Field("kind", quell::core::SignalKindName(s.kind));
      w.Field("format", quell::core::FormatName(s.format));
      w.Field("state", quell::core::SignalStateName(s.state));
      w.Field("severity", quell::core::SeverityName(s.severity));
      w.Field("title", s.title);
      w.Field("message", s.message);
      w.Field("service", s.service);
      w.Field("env", s.env);
      w.Field("host", s.host);
      w.Field("version", s.version);
      w.Field("source_id", s.source_id);
      w.Field("link", s.link);
      w.Field("event_time_ns", s.event_time.unix_nanos());
      w.Field("end_time_ns", s.end_time.unix_nanos());
      w.Field("duration_ns", s.duration_ns);
      w.Field("metric_type", quell::core::MetricTypeName(s.metric_type));
      w.Field("value", s.value);
      w.Field("count", s.count);
      w.Field("span_status", static_cast<int>(s.span_status));
      w.Field("fingerprint", s.fingerprint.ToString());
      w.Key("labels");
      w.Labels(batch->labels(s));
      w.Key("annotations");
      w.Labels(batch->annotations(s));
      w.EndObject();
      line_.push_back('\n');
      std::fwrite(line_.data(), 1, line_.size(), out_);
    }
    std::fflush(out_);
    batch->Clear();
    done();
    return absl::OkStatus();
  }
  void DeadLetter(quell::core::Format f, const quell::core::Rejection& r) {
    std::lock_guard<std::mutex> lock(mu_);
    line_.clear();
    quell::core::JsonWriter w(&line_);
    w.BeginObject();
    w.Field("dead_letter", r.ToString());
    w.Field("format", quell::core::FormatName(f));
    w.EndObject();
    line_.push_back('\n');
    std::fwrite(line_.data(), 1, line_.size(), out_);
    std::fflush(out_);
  }

 private:
  std::mutex mu_;
  std::FILE* out_;
  std::string line_;
};

int Usage() {
  std::fprintf(stderr, "usage: quell-intake-harness --out FILE [--port-file FILE] [--port N] [--dd-api-key-env NAME] "
                       "[--grpc-port-file FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_path, port_file, key_env, grpc_port_file;
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    if (a == "--out") {
      out_path = argv[++i];
    } else if (a == "--port-file") {
      port_file = argv[++i];
    } else if (a == "--port") {
      port = std::atoi(argv[++i]);
    } else if (a == "--dd-api-key-env") {
      key_env = argv[++i];
    } else if (a == "--grpc-port-file") {
      grpc_port_file = argv[++i];
    } else {
      return Usage();
    }
  }
  if (out_path.empty()) return Usage();
  std::FILE* out = std::fopen(out_path.c_str(), "a");
  if (out == nullptr) {
    std::fprintf(stderr, "quell-intake-harness: %s: %s\n", out_path.c_str(), std::strerror(errno));
    return 1;
  }
  JsonlSink sink(out);

  quell::ingest::IntakeConfig cfg;
  if (!key_env.empty()) {
    quell::core::SecretRef ref;
    ref.kind = quell::core::SecretRef::Kind::kEnv;
    ref.name = key_env;
    cfg.datadog_api_keys.push_back(ref);
    cfg.require_api_key = true;
  }
  quell::ingest::HttpIntakeDeps deps;
  deps.sink = &sink;
  deps.clock = quell::core::SystemClock::Get();
  deps.dead_letter = [&sink](quell::core::Format f, std::span<const quell::core::Rejection> rs, std::string_view) {
    for (const quell::core::Rejection& r : rs) sink.DeadLetter(f, r);
  };
  auto intake = quell::ingest::HttpIntake::Create(cfg, deps);
  if (!intake.ok()) {
    std::fprintf(stderr, "quell-intake-harness: %s\n", std::string(intake.status().message()).c_str());
    return 1;
  }
  quell::server::Router router;
  for (auto& r : (*intake)->Routes()) {
    absl::Status s = router.Route(r.method, r.path, r.handler, {}, r.on_refusal);
    if (!s.ok()) {
      std::fprintf(stderr, "quell-intake-harness: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  quell::server::ServerConfig scfg;
  scfg.port = static_cast<uint16_t>(port);
  quell::server::HttpServer server(scfg, &router);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "quell-intake-harness: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::unique_ptr<quell::server::OtlpGrpcServer> grpc;
  if (!grpc_port_file.empty()) {
    quell::server::OtlpGrpcServerOptions gopts;
    gopts.port = 0;
    auto started = quell::server::OtlpGrpcServer::Start(gopts, [&router](quell::core::HttpRequest* req) {
      return router.Handle(req);
    });
    if (!started.ok()) {
      std::fprintf(stderr, "quell-intake-harness: %s\n", std::string(started.status().message()).c_str());
      return 1;
    }
    grpc = std::move(*started);
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  auto write_port = [](const std::string& path, unsigned port) {
    std::string tmp = path + ".tmp";
    std::FILE* pf = std::fopen(tmp.c_str(), "w");
    if (pf == nullptr) return false;
    std::fprintf(pf, "%u\n", port);
    std::fclose(pf);
    std::rename(tmp.c_str(), path.c_str());  // Readers never see a partial file.
    return true;
  };
  // The gRPC port first: a reader that saw the HTTP port finds it there too.
  if (grpc && !write_port(grpc_port_file, grpc->port())) return 1;
  if (!port_file.empty() && !write_port(port_file, server.port())) return 1;
  std::printf("listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);
  while (!g_stop) {
    timespec ts{0, 50 * 1000 * 1000};
    nanosleep(&ts, nullptr);  // Polls the stop flag; signals interrupt it.
  }
  server.Stop();
  if (grpc) grpc->Stop();
  std::fclose(out);
  return 0;
}
