// src/correlate/gates/traffic_simulator.h
//
// TrafficSimulator: seeded, deterministic synthetic request traffic (spans) for one service
// version, for gate scenario tests and the gate accuracy benchmark (bench/gates/). Arrivals are a
// Poisson process at `requests_per_second`; each request fails with probability `error_rate`
// (span_status 2, http_status 500); latency is log-normal with the given median and sigma,
// multiplied by `latency_scale`, and for a random `tail_fraction` of requests additionally by
// `tail_scale` (a tail-only regression). The same seed gives the same signals. Not thread-safe.
#ifndef QUELL_CORRELATE_GATES_TRAFFIC_SIMULATOR_H_
#define QUELL_CORRELATE_GATES_TRAFFIC_SIMULATOR_H_

#include <cstdint>
#include <random>
#include <string>

#include "core/event_time.h"
#include "core/signal.h"
#include "core/signal_batch.h"

namespace quell::gates {

struct TrafficSpec {
  std::string service = "checkout";
  std::string env = "prod";
  std::string version;
  core::DeployColor color = core::DeployColor::kNone;
  double requests_per_second = 50;
  double error_rate = 0.01;
  double latency_median_ms = 50;
  double latency_sigma = 0.5;
  double latency_scale = 1;
  double tail_fraction = 0;  // Share of requests in the tail regression (0: none).
  double tail_scale = 1;
};

class TrafficSimulator {
 public:
  explicit TrafficSimulator(uint64_t seed) : rng_(seed) {}

  // Appends the spans `spec` produces with start times in [from, to). Returns how many.
  uint64_t Generate(const TrafficSpec& spec, core::EventTime from, core::EventTime to,
                    core::SignalBatch* out);

 private:
  std::mt19937_64 rng_;
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_TRAFFIC_SIMULATOR_H_
