#include <signal.h>

#include "app/commands.h"
#include "core/clock.h"
#include "ingest/http_intake.h"
#include "ingest/ndjson_record_writer.h"
#include "server/http_server.h"
#include "server/router.h"
#include "server/server_config.h"

namespace quell::app {
namespace {

struct RecordedEndpoint {
  ingest::IntakeEndpoint endpoint;
  core::Format format;
  int status;
  const char* body;
};

constexpr RecordedEndpoint kEndpoints[] = {
    {ingest::IntakeEndpoint::kDatadogEvents, core::Format::kDatadogEvent, 202, R"({"status":"ok"})"},
    {ingest::IntakeEndpoint::kDatadogLogs, core::Format::kDatadogLog, 202, "{}"},
    {ingest::IntakeEndpoint::kDatadogWebhook, core::Format::kDatadogWebhook, 202, R"({"status":"ok"})"},
    {ingest::IntakeEndpoint::kOtlpLogs, core::Format::kOtlpLogs, 200, "{}"},
    {ingest::IntakeEndpoint::kOtlpTraces, core::Format::kOtlpTraces, 200, "{}"},
    {ingest::IntakeEndpoint::kOtlpMetrics, core::Format::kOtlpMetrics, 200, "{}"},
    {ingest::IntakeEndpoint::kAlertmanager, core::Format::kAlertmanager, 200, ""},
};

}  // namespace

int RunRecord(const std::string& output, const std::string& listen) {
  absl::StatusOr<std::unique_ptr<ingest::RecordWriter>> writer = ingest::RecordWriter::Open(output);
  if (!writer.ok()) {
    std::fprintf(stderr, "record: %s\n", std::string(writer.status().message()).c_str());
    return 1;
  }
  server::ServerConfig cfg;
  absl::Status s = server::ParseListenAddress(listen, &cfg.address, &cfg.port);
  if (!s.ok()) {
    std::fprintf(stderr, "record: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  const core::Clock* clock = core::SystemClock::Get();
  ingest::RecordWriter* w = writer->get();
  server::Router router;
  for (const RecordedEndpoint& e : kEndpoints) {
    s = router.Route("POST", ingest::IntakeEndpointPath(e.endpoint), [w, clock, e](const core::HttpRequest& req) {
      absl::Status st = w->Append(e.format, core::EventTime::FromUnixNanos(clock->Now().unix_nanos()), req.body);
      if (!st.ok()) return core::HttpResponse::Json(503, R"({"error":"record file write failed"})");
      core::HttpResponse r = core::HttpResponse::Json(e.status, e.body);
      if (e.body[0] == '\0') r.content_type = "text/plain";
      return r;
    });
    if (!s.ok()) break;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "record: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  server::HttpServer srv(cfg, &router);
  s = srv.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "record: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "record: listening on %s:%u, writing %s\n", cfg.address.c_str(), srv.port(), output.c_str());
  for (;;) {
    timespec timeout{1, 0};
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig == SIGINT || sig == SIGTERM) break;
    (void)w->Flush();
  }
  srv.Stop();
  (void)w->Flush();
  std::fprintf(stderr, "record: %llu records written\n", static_cast<unsigned long long>(w->records()));
  return 0;
}

}  // namespace quell::app
