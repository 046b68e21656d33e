// quell-gate-server: serves the gates API of a warm GateEvaluator on the real HttpServer, for
// load tests of GET /api/v1/gates/{service} (bench/results/gates.md records a wrk run):
//
//   quell-gate-server [port=9797] [seconds=30] [io_threads=2]
//   wrk -t2 -c16 -d20s --latency 'http://127.0.0.1:9797/api/v1/gates/checkout?env=prod&version=v2'
//
// The evaluator holds 10 minutes of simulated traffic (blue v1 and green v2, 50 req/s each).
// A tool, not a test: it sleeps while serving.
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "core/clock.h"
#include "core/yaml_node.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/gates/traffic_simulator.h"
#include "server/gates_api.h"
#include "server/http_server.h"
#include "server/router.h"

int main(int argc, char** argv) {
  using namespace quell;
  const int port = argc > 1 ? std::atoi(argv[1]) : 9797;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 30;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const core::EventTime t0 = core::EventTime::FromUnixNanos(1767225600LL * 1000000000LL);
  auto root = core::YamlNode::LoadString("gates:\n  - {service: checkout, env: prod}\n", "bench.yaml");
  gates::GateEvaluator evaluator(*gates::ParseGatesConfig(*root), {}, nullptr);
  core::Deployment blue{"checkout", "prod", "v1", core::DeployColor::kBlue, t0 - absl::Hours(1), "api", "", ""};
  core::Deployment green{"checkout", "prod", "v2", core::DeployColor::kGreen, t0, "api", "", ""};
  evaluator.AddDeployment(blue);
  evaluator.AddDeployment(green);
  gates::TrafficSimulator sim(1);
  gates::TrafficSpec b, g;
  b.version = "v1";
  b.color = core::DeployColor::kBlue;
  g.version = "v2";
  g.color = core::DeployColor::kGreen;
  core::SignalBatch batch;
  for (absl::Duration t; t < absl::Minutes(10); t += absl::Seconds(10)) {
    batch.Clear();
    sim.Generate(b, t0 + t, t0 + t + absl::Seconds(10), &batch);
    sim.Generate(g, t0 + t, t0 + t + absl::Seconds(10), &batch);
    evaluator.Observe(batch);
  }
  evaluator.AdvanceTo(t0 + absl::Minutes(10));
  core::ManualClock clock(core::WallTime::FromUnixNanos((t0 + absl::Minutes(10)).unix_nanos()));
  server::GatesApi api(&evaluator, &clock);
  server::Router router;
  for (const server::GatesRoute& r : api.Routes()) {
    if (absl::Status s = router.Route(r.method, r.path, r.handler); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  server::ServerConfig config;
  config.port = static_cast<uint16_t>(port);
  config.io_threads = threads;
  server::HttpServer http(config, &router);
  if (absl::Status s = http.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("quell-gate-server: listening on 127.0.0.1:%u for %ds\n", http.port(), seconds);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  http.Stop();
  std::printf("requests=%lu 2xx=%lu\n", static_cast<unsigned long>(http.stats().requests_total.load()),
              static_cast<unsigned long>(http.stats().responses_2xx.load()));
  return 0;
}
