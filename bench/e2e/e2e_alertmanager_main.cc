// quell-e2e-alertmanager: the end-to-end harness, Quell side by side with Prometheus Alertmanager
// on the same machine and the same stream (bench/results/e2e.md records its runs):
//
//   quell-e2e-alertmanager --quell build/bin/quell [--alertmanager /usr/bin/prometheus-alertmanager]
//       [--alerts 20000] [--batch 100] [--groups 200] [--runbooks runbooks] [--workdir /tmp/quell-e2e]
//       [--only quell|alertmanager]
//
// For each system in turn: start it as a process with the same routing (group_by [alertname,
// service], group_wait 1s, group_interval 1s, one webhook receiver with the Alertmanager payload,
// no resolved notifications), POST the alerts to /api/v2/alerts in batches over one keep-alive
// connection (16 requests pipelined), and run a webhook sink in this process that records when
// each alert (by fingerprint) first arrives in a firing notification. Reported per system:
//   ingest:   wall time of the POSTs and alerts/s accepted (a body answered 429/503 is sent again
//             5 ms later, and counted);
//   delivery: time from the first POST until every alert has been notified, notifications
//             received, and the latency from an alert's POST to its first notification (p50, p99).
// Both systems notify every alert here (same grouping, no inhibition, no Quell-only rules), so the
// figures compare the pipelines, not the rules. Quell runs on event time: with allowed_lateness 0s
// and idle_timeout 250ms its watermark follows the wall clock 250 ms after the input goes quiet,
// which Alertmanager's wall-clock timers do not need; Quell also journals every body (fsync:
// interval) and checkpoints its state, as its default config does. Quell lists at most 64 alerts per
// notification by default (correlate.max_alerts_per_notification); the harness lifts that, since
// Alertmanager's webhook lists them all and the sink counts alerts. A tool, not a test: it sleeps
// while waiting.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/support/pipelined_http_client.h"
#include "fmt/format.h"
#include "server/http_server.h"
#include "server/router.h"
#include "simdjson.h"

namespace {

namespace fs = std::filesystem;
namespace core = quell::core;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string quell;
  std::string alertmanager = "/usr/bin/prometheus-alertmanager";
  int alerts = 20000;
  int batch = 100;
  int groups = 200;
  std::string runbooks = "runbooks";
  std::string workdir = "/tmp/quell-e2e";
  std::string only;
};

// Records the first firing notification of every alert fingerprint.
class Sink {
 public:
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    first_.clear();
    notifications_ = 0;
    errors_ = 0;
  }
  core::HttpResponse Handle(const core::HttpRequest& req) {
    const Clock::time_point now = Clock::now();
    simdjson::dom::parser& p = parser();
    simdjson::dom::element doc;
    std::lock_guard<std::mutex> lock(mu_);
    ++notifications_;
    if (p.parse(req.body).get(doc) != simdjson::SUCCESS) {
      ++errors_;
      return core::HttpResponse::Json(400, "{}");
    }
    simdjson::dom::array alerts;
    if (doc["alerts"].get_array().get(alerts) != simdjson::SUCCESS) {
      ++errors_;
      return core::HttpResponse::Json(400, "{}");
    }
    for (simdjson::dom::element a : alerts) {
      std::string_view status, instance;
      if (a["status"].get_string().get(status) != simdjson::SUCCESS || status != "firing") continue;
      // The harness's own alert id (the instance label), the same for both systems.
      if (a["labels"]["instance"].get_string().get(instance) != simdjson::SUCCESS) continue;
      first_.emplace(std::string(instance), now);
    }
    return core::HttpResponse::Json(200, "{}");
  }
  size_t notified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_.size();
  }
  uint64_t notifications() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notifications_;
  }
  uint64_t errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  std::unordered_map<std::string, Clock::time_point> first() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_;
  }

 private:
  static simdjson::dom::parser& parser() {
    thread_local simdjson::dom::parser p;
    return p;
  }
  mutable std::mutex mu_;
  std::unordered_map<std::string, Clock::time_point> first_;
  uint64_t notifications_ = 0;
  uint64_t errors_ = 0;
};

bool Ready(uint16_t port, const char* path) {
  quell::bench::PipelinedHttpClient c(port);
  std::vector<int> status;
  return c.Exchange(fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path), 1, &status) && status[0] == 200;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log, const std::string& sink_url) {
  std::fflush(stdout);  // Or the child inherits what is buffered and prints it again.
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    FILE* g = std::freopen(log.c_str(), "a", stdout);
    (void)f;
    (void)g;
    ::setenv("QUELL_E2E_SINK", sink_url.c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  return pid;
}

std::string AlertsBody(int from, int count, int groups) {
  std::string b = "[";
  for (int i = from; i < from + count; ++i) {
    if (i > from) b += ',';
    const int g = i % groups;
    b += fmt::format(
        R"({{"labels":{{"alertname":"E2E{}","service":"svc{}","instance":"host-{}","severity":"critical"}},)"
        R"("annotations":{{"summary":"e2e alert {}"}}}})",
        g % 20, g / 20, i, i);
  }
  return b + "]";
}

struct Result {
  double post_seconds = 0;
  double deliver_seconds = 0;
  size_t notified = 0;
  uint64_t notifications = 0;
  double p50_ms = 0, p99_ms = 0;
  uint64_t refused = 0;  // Requests answered 429/503 and sent again.
  bool ok = false;
};

Result RunOne(const Options& o, const std::string& name, Sink* sink, uint16_t sink_port) {
  Result r;
  const fs::path dir = fs::path(o.workdir) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string url = fmt::format("http://127.0.0.1:{}/sink", sink_port);
  const uint16_t port = name == "quell" ? 19797 : 19093;
  std::vector<std::string> argv;
  if (name == "quell") {
    std::ofstream(dir / "quell.yaml")
        << "server:\n  listen: \"127.0.0.1:" << port << "\"\n"
        << "ingest:\n  dead_letter:\n    path: " << (dir / "dead.jsonl").string() << "\n"
        << "  journal:\n    dir: " << (dir / "journal").string() << "\n"
        << "correlate:\n  shards: 2\n  allowed_lateness: 0s\n  idle_timeout: 250ms\n"
        << "  max_alerts_per_notification: 100000\n"  // Alertmanager's webhook lists every alert.
        << "  state_file: " << (dir / "state.json").string() << "\n"
        << "route:\n  receiver: hook\n  runbook: default.md\n  group_by: [alertname, service]\n"
        << "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 4h\n"
        << "receivers:\n  - name: hook\n    webhook_configs:\n      - url: {env: QUELL_E2E_SINK}\n"
        << "        send_resolved: false\n"
        << "outbox:\n  dir: " << (dir / "outbox").string() << "\n"
        << "runbooks:\n  dir: " << o.runbooks << "\n"
        << "audit:\n  path: " << (dir / "audit.jsonl").string() << "\n";
    argv = {o.quell, "run", "--config", (dir / "quell.yaml").string()};
  } else {
    std::ofstream(dir / "am.yml") << "route:\n  receiver: hook\n  group_by: [alertname, service]\n"
                                  << "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 4h\n"
                                  << "receivers:\n  - name: hook\n    webhook_configs:\n      - url: \"" << url
                                  << "\"\n        send_resolved: false\n";
    argv = {o.alertmanager, "--config.file=" + (dir / "am.yml").string(), "--storage.path=" + (dir / "data").string(),
            fmt::format("--web.listen-address=127.0.0.1:{}", port), "--cluster.listen-address="};
  }
  sink->Reset();
  pid_t pid = Spawn(argv, (dir / "log.txt").string(), url);
  const char* probe = name == "quell" ? "/readyz" : "/-/ready";
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!Ready(port, probe) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!Ready(port, probe)) {
    std::fprintf(stderr, "%s did not become ready (see %s)\n", name.c_str(), (dir / "log.txt").c_str());
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return r;
  }

  std::vector<std::string> bodies;
  for (int i = 0; i < o.alerts; i += o.batch) bodies.push_back(AlertsBody(i, std::min(o.batch, o.alerts - i), o.groups));
  std::vector<Clock::time_point> sent(bodies.size());
  quell::bench::PipelinedHttpClient conn(port);
  const Clock::time_point t0 = Clock::now();
  bool ok = conn.connected();
  constexpr size_t kPipeline = 16;
  std::vector<int> statuses;
  for (size_t i = 0; ok && i < bodies.size(); i += kPipeline) {
    std::vector<size_t> pending;
    for (size_t k = i; k < std::min(bodies.size(), i + kPipeline); ++k) pending.push_back(k);
    // Backpressure (429/503): send the refused bodies again after 5 ms, as a client that retries
    // promptly would; an alert's latency counts from its first attempt.
    const Clock::time_point now = Clock::now();
    for (size_t k : pending) sent[k] = now;
    while (ok && !pending.empty()) {
      std::string round;
      for (size_t k : pending) round += quell::bench::PipelinedHttpClient::Post("/api/v2/alerts", bodies[k]);
      ok = conn.Exchange(round, pending.size(), &statuses);
      std::vector<size_t> again;
      for (size_t a = 0; ok && a < statuses.size(); ++a) {
        if (statuses[a] == 429 || statuses[a] == 503) {
          again.push_back(pending[a]);
        } else if (statuses[a] < 200 || statuses[a] > 299) {
          std::fprintf(stderr, "%s answered %d\n", name.c_str(), statuses[a]);
          ok = false;
        }
      }
      r.refused += again.size();
      pending = std::move(again);
      if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  const Clock::time_point posted = Clock::now();
  r.post_seconds = std::chrono::duration<double>(posted - t0).count();
  deadline = Clock::now() + std::chrono::seconds(120);
  while (ok && sink->notified() < static_cast<size_t>(o.alerts) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.notified = sink->notified();
  r.notifications = sink->notifications();
  std::vector<double> latency;
  Clock::time_point last = t0;
  for (const auto& [instance, t] : sink->first()) {
    const int i = std::atoi(instance.c_str() + 5);  // "host-<i>"
    latency.push_back(std::chrono::duration<double, std::milli>(t - sent[static_cast<size_t>(i / o.batch)]).count());
    last = std::max(last, t);
  }
  r.deliver_seconds = std::chrono::duration<double>(last - t0).count();
  std::sort(latency.begin(), latency.end());
  if (!latency.empty()) {
    r.p50_ms = latency[latency.size() / 2];
    r.p99_ms = latency[std::min(latency.size() - 1, latency.size() * 99 / 100)];
  }
  r.ok = ok && r.notified == static_cast<size_t>(o.alerts) && sink->errors() == 0;
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--quell") o.quell = v;
    else if (k == "--alertmanager") o.alertmanager = v;
    else if (k == "--alerts") o.alerts = std::atoi(v.c_str());
    else if (k == "--batch") o.batch = std::atoi(v.c_str());
    else if (k == "--groups") o.groups = std::atoi(v.c_str());
    else if (k == "--runbooks") o.runbooks = fs::absolute(v).string();
    else if (k == "--workdir") o.workdir = v;
    else if (k == "--only") o.only = v;
    else {
      std::fprintf(stderr, "unknown option %s (see the header of bench/e2e/e2e_alertmanager_main.cc)\n", k.c_str());
      return 2;
    }
  }
  if (o.quell.empty() && o.only != "alertmanager") {
    std::fprintf(stderr, "--quell BIN is required\n");
    return 2;
  }
  o.runbooks = fs::absolute(o.runbooks).string();
  Sink sink;
  quell::server::Router router;
  if (!router.Route("POST", "/sink", [&sink](const quell::core::HttpRequest& r) { return sink.Handle(r); }).ok()) return 1;
  quell::server::ServerConfig cfg;
  cfg.address = "127.0.0.1";
  cfg.port = 0;
  cfg.io_threads = 1;
  quell::server::HttpServer server(cfg, &router);
  if (!server.Start().ok()) return 1;

  std::printf("%d alerts in %d groups, batches of %d, one connection with 16 requests pipelined\n", o.alerts,
              o.groups, o.batch);
  std::printf("%-13s %10s %14s %12s %10s %14s %10s %10s %8s\n", "system", "post s", "alerts/s in", "delivered s",
              "notified", "notifications", "p50 ms", "p99 ms", "429s");
  int rc = 0;
  for (const char* system : {"quell", "alertmanager"}) {
    const std::string name = system;
    if (!o.only.empty() && o.only != name) continue;
    Result r = RunOne(o, name, &sink, server.port());
    std::printf("%-13s %10.3f %14.0f %12.3f %10zu %14llu %10.1f %10.1f %8llu%s\n", name.c_str(), r.post_seconds,
                r.post_seconds > 0 ? o.alerts / r.post_seconds : 0.0, r.deliver_seconds, r.notified,
                static_cast<unsigned long long>(r.notifications), r.p50_ms, r.p99_ms,
                static_cast<unsigned long long>(r.refused), r.ok ? "" : "  INCOMPLETE");
    std::fflush(stdout);
    if (!r.ok) rc = 1;
  }
  server.Stop();
  return rc;
}
