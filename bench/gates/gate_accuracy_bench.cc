// Deploy-gate accuracy and cost.
//
// Accuracy (simulation, seeded, deterministic): many simulated deploys of a green version next to
// blue, each polled every 10 s of event time through GateEvaluator::Evaluate, exactly as
// `quell gate wait` or Argo Rollouts would poll. Traffic: Poisson arrivals at 50 req/s per color,
// log-normal latency (median 50 ms, sigma 0.5). Gate: the default indicators (error rate and p99
// latency, both critical), alpha 0.01, 10 s intervals, 5 s lateness.
//   BM_AAFalseFail          A/A (same error rate and latency): share of deploys that ever fail
//                           within 10 minutes of polling. Target <= 1%.
//   BM_ErrorRate1to3        green 3% errors vs blue 1%: share failed within 120 s. Target >= 99%.
//   BM_LatencyP99Plus50     green latency x1.5 (p99 +50%): share failed within 180 s. Target >= 95%.
//   BM_LatencyTailOnly      informational: only 2% of green requests 4x slower (p99 +~100%, median
//                           unchanged), share failed within 180 s.
// Counters: deploys, failed (share), median/p95 seconds to fail among failed deploys.
//
// Cost: BM_Observe (spans/s into the evaluator) beside BM_ObserveBaseline (the same spans into
// bare DDSketch/counters: the floor), BM_GateQuery (the GET /api/v1/gates/{service} handler on a
// warm evaluator) beside BM_VerdictJsonOnly (rendering the same verdict, no evaluation).
//
// State: BM_GateStateSerialize/N and BM_GateStateRestore/N: the gates' part of a correlation-state
// checkpoint (GateEvaluator::Serialize, taken under the evaluator's lock, so Observe waits for it)
// and its restore at start-up, for N services behind one "*" gate, each with a blue and a green
// version tracked through 35 minutes of traffic (5 req/s per color): full evidence retention.
// Counter first_ms: the first Serialize (wall), which formats every bucket; the timed ones reuse
// the closed buckets' cached JSON, as every later checkpoint does.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/clock.h"
#include "core/yaml_node.h"
#include "correlate/gates/ddsketch.h"
#include "correlate/gates/gate_config.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/gates/traffic_simulator.h"
#include "server/gates_api.h"

namespace quell::gates {
namespace {

const core::EventTime kT0 = core::EventTime::FromUnixNanos(1767225600LL * 1000000000LL);

GatesConfig Config() {
  auto root = core::YamlNode::LoadString(R"(
gates:
  - name: checkout
    service: checkout
    env: prod
    alpha: 0.01
    min_samples: 100
    min_duration: 5m
    max_duration: 30m
    interval: 10s
    lateness: 5s
)",
                                         "bench.yaml");
  return *ParseGatesConfig(*root);
}

core::Deployment Deploy(const char* version, core::DeployColor color, core::EventTime at) {
  core::Deployment d;
  d.service = "checkout";
  d.env = "prod";
  d.version = version;
  d.color = color;
  d.started_at = at;
  return d;
}

struct Outcome {
  bool failed = false;
  double seconds_to_fail = 0;
};

// One simulated deploy; polls every 10 s for `horizon`. Returns whether and when it failed.
Outcome SimulateDeploy(uint64_t seed, const TrafficSpec& blue, const TrafficSpec& green, absl::Duration horizon,
                       core::SignalBatch* batch) {
  GateEvaluator gates(Config(), GateEvaluatorOptions{}, nullptr);
  gates.AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  gates.AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  TrafficSimulator sim(seed);
  const GateQuery query{"checkout", "prod", "v2", ""};
  for (absl::Duration t; t < horizon; t += absl::Seconds(10)) {
    batch->Clear();
    sim.Generate(blue, kT0 + t, kT0 + t + absl::Seconds(10), batch);
    sim.Generate(green, kT0 + t, kT0 + t + absl::Seconds(10), batch);
    gates.Observe(*batch);
    gates.AdvanceTo(kT0 + t + absl::Seconds(10));
    auto v = gates.Evaluate(query);  // The poll.
    if (v.ok() && v->verdict == Verdict::kFail) {
      return {true, absl::ToDoubleSeconds(t + absl::Seconds(10))};
    }
  }
  return {};
}

TrafficSpec Spec(const char* version, core::DeployColor color) {
  TrafficSpec s;
  s.version = version;
  s.color = color;
  s.requests_per_second = 50;
  s.error_rate = 0.01;
  s.latency_median_ms = 50;
  s.latency_sigma = 0.5;
  return s;
}

void RunAccuracy(benchmark::State& state, const TrafficSpec& green, absl::Duration horizon) {
  const int deploys = static_cast<int>(state.range(0));
  const TrafficSpec blue = Spec("v1", core::DeployColor::kBlue);
  core::SignalBatch batch;
  std::vector<double> times;
  int failed = 0;
  for (auto _ : state) {
    times.clear();
    failed = 0;
    for (int i = 0; i < deploys; ++i) {
      Outcome o = SimulateDeploy(0x9E3779B97F4A7C15ull * static_cast<uint64_t>(i + 1), blue, green, horizon, &batch);
      if (o.failed) {
        ++failed;
        times.push_back(o.seconds_to_fail);
      }
    }
  }
  std::sort(times.begin(), times.end());
  state.counters["deploys"] = deploys;
  state.counters["failed_share"] = static_cast<double>(failed) / deploys;
  state.counters["median_s_to_fail"] = times.empty() ? 0 : times[times.size() / 2];
  state.counters["p95_s_to_fail"] = times.empty() ? 0 : times[std::min(times.size() - 1, times.size() * 95 / 100)];
  state.counters["horizon_s"] = absl::ToDoubleSeconds(horizon);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * deploys);
}

void BM_AAFalseFail(benchmark::State& state) {
  RunAccuracy(state, Spec("v2", core::DeployColor::kGreen), absl::Minutes(10));
}
BENCHMARK(BM_AAFalseFail)->Arg(1000)->Iterations(1)->Unit(benchmark::kSecond);

void BM_ErrorRate1to3(benchmark::State& state) {
  TrafficSpec green = Spec("v2", core::DeployColor::kGreen);
  green.error_rate = 0.03;
  RunAccuracy(state, green, absl::Seconds(120));
}
BENCHMARK(BM_ErrorRate1to3)->Arg(1000)->Iterations(1)->Unit(benchmark::kSecond);

void BM_LatencyP99Plus50(benchmark::State& state) {
  TrafficSpec green = Spec("v2", core::DeployColor::kGreen);
  green.latency_scale = 1.5;
  RunAccuracy(state, green, absl::Seconds(180));
}
BENCHMARK(BM_LatencyP99Plus50)->Arg(1000)->Iterations(1)->Unit(benchmark::kSecond);

void BM_LatencyTailOnly(benchmark::State& state) {
  TrafficSpec green = Spec("v2", core::DeployColor::kGreen);
  green.tail_fraction = 0.02;
  green.tail_scale = 4;
  RunAccuracy(state, green, absl::Seconds(180));
}
BENCHMARK(BM_LatencyTailOnly)->Arg(200)->Iterations(1)->Unit(benchmark::kSecond);

// ---- Cost ----

core::SignalBatch TenSecondsOfTraffic() {
  core::SignalBatch batch;
  TrafficSimulator sim(1);
  sim.Generate(Spec("v1", core::DeployColor::kBlue), kT0, kT0 + absl::Seconds(10), &batch);
  sim.Generate(Spec("v2", core::DeployColor::kGreen), kT0, kT0 + absl::Seconds(10), &batch);
  return batch;
}

void BM_Observe(benchmark::State& state) {
  GateEvaluator gates(Config(), GateEvaluatorOptions{}, nullptr);
  gates.AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  gates.AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  core::SignalBatch batch = TenSecondsOfTraffic();
  for (auto _ : state) gates.Observe(batch);  // Same interval each time: steady state.
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_Observe);

void BM_ObserveBaseline(benchmark::State& state) {
  core::SignalBatch batch = TenSecondsOfTraffic();
  DDSketch sketches[2];
  uint64_t requests[2] = {0, 0}, errors[2] = {0, 0};
  for (auto _ : state) {
    for (const core::Signal& s : batch.signals()) {
      const int c = s.color == core::DeployColor::kGreen ? 1 : 0;
      ++requests[c];
      errors[c] += s.span_status == 2;
      sketches[c].Add(static_cast<double>(s.duration_ns));
    }
    benchmark::DoNotOptimize(requests);
    benchmark::DoNotOptimize(errors);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_ObserveBaseline);

struct WarmGate {
  WarmGate() : clock(core::WallTime::FromUnixNanos(kT0.unix_nanos())), gates(Config(), {}, nullptr),
               api(&gates, &clock) {
    gates.AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
    gates.AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
    TrafficSimulator sim(3);
    core::SignalBatch batch;
    for (absl::Duration t; t < absl::Minutes(10); t += absl::Seconds(10)) {
      batch.Clear();
      sim.Generate(Spec("v1", core::DeployColor::kBlue), kT0 + t, kT0 + t + absl::Seconds(10), &batch);
      sim.Generate(Spec("v2", core::DeployColor::kGreen), kT0 + t, kT0 + t + absl::Seconds(10), &batch);
      gates.Observe(batch);
    }
    gates.AdvanceTo(kT0 + absl::Minutes(10));
    req.method = "GET";
    req.path = "/api/v1/gates/checkout";
    req.path_params = {{"service", "checkout"}};
    req.query = {{"env", "prod"}, {"version", "v2"}};
  }
  core::ManualClock clock;
  GateEvaluator gates;
  server::GatesApi api;
  core::HttpRequest req;
};

void BM_GateQuery(benchmark::State& state) {
  WarmGate w;
  size_t bytes = 0;
  for (auto _ : state) {
    core::HttpResponse r = w.api.GetGate(w.req);
    bytes += r.body.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_GateQuery);

void BM_VerdictJsonOnly(benchmark::State& state) {
  WarmGate w;
  GateVerdict v = *w.gates.Evaluate({"checkout", "prod", "v2", ""});
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = v.ToJson();
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_VerdictJsonOnly);

// N services, blue v1 and green v2 each, 35 minutes of spans at 5 req/s per color.
std::unique_ptr<GateEvaluator> ManyServices(int services) {
  auto root = core::YamlNode::LoadString("gates:\n  - name: all\n    service: \"*\"\n    max_duration: 30m\n", "bench.yaml");
  auto gates = std::make_unique<GateEvaluator>(*ParseGatesConfig(*root), GateEvaluatorOptions{}, nullptr);
  std::vector<TrafficSpec> specs;
  for (int i = 0; i < services; ++i) {
    for (auto [version, color] : {std::pair{"v1", core::DeployColor::kBlue}, std::pair{"v2", core::DeployColor::kGreen}}) {
      TrafficSpec s = Spec(version, color);
      s.service = "svc-" + std::to_string(i);
      s.requests_per_second = 5;
      specs.push_back(s);
      core::Deployment d = Deploy(version, color, kT0);
      d.service = s.service;
      gates->AddDeployment(d);
    }
  }
  TrafficSimulator sim(5);
  core::SignalBatch batch;
  for (absl::Duration t; t < absl::Minutes(35); t += absl::Seconds(10)) {
    batch.Clear();
    for (const TrafficSpec& s : specs) sim.Generate(s, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
    gates->Observe(batch);
  }
  return gates;
}

void BM_GateStateSerialize(benchmark::State& state) {
  const int services = static_cast<int>(state.range(0));
  std::unique_ptr<GateEvaluator> gates = ManyServices(services);
  // The first checkpoint formats every bucket; later ones reuse the closed buckets' JSON.
  const auto cold_start = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(gates->Serialize().size());
  state.counters["first_ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - cold_start).count();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string saved = gates->Serialize();
    bytes = saved.size();
    benchmark::DoNotOptimize(saved.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["tracked"] = static_cast<double>(gates->TrackedVerdicts().size());
}
BENCHMARK(BM_GateStateSerialize)->Arg(50)->Unit(benchmark::kMillisecond);

void BM_GateStateRestore(benchmark::State& state) {
  const int services = static_cast<int>(state.range(0));
  const std::string saved = ManyServices(services)->Serialize();
  auto root = core::YamlNode::LoadString("gates:\n  - name: all\n    service: \"*\"\n    max_duration: 30m\n", "bench.yaml");
  const GatesConfig config = *ParseGatesConfig(*root);
  for (auto _ : state) {
    GateEvaluator restored(config, GateEvaluatorOptions{}, nullptr);
    if (!restored.Restore(saved).ok()) state.SkipWithError("restore failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * saved.size()));
}
BENCHMARK(BM_GateStateRestore)->Arg(50)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quell::gates

BENCHMARK_MAIN();
