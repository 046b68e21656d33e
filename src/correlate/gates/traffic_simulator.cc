#include "correlate/gates/traffic_simulator.h"

#include <cmath>

namespace quell::gates {

uint64_t TrafficSimulator::Generate(const TrafficSpec& spec, core::EventTime from, core::EventTime to,
                                    core::SignalBatch* out) {
  if (spec.requests_per_second <= 0 || to <= from) return 0;
  const std::string_view service = out->Copy(spec.service);
  const std::string_view env = out->Copy(spec.env);
  const std::string_view version = out->Copy(spec.version);
  const std::string_view name = out->Copy("GET /checkout");
  std::exponential_distribution<double> gap(spec.requests_per_second);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> normal(0, 1);
  const double log_median = std::log(spec.latency_median_ms * 1e6);
  uint64_t n = 0;
  double t = static_cast<double>(from.unix_nanos()) + gap(rng_) * 1e9;
  const double end = static_cast<double>(to.unix_nanos());
  while (t < end) {
    core::Signal& s = out->Add();
    s.kind = core::SignalKind::kSpan;
    s.format = core::Format::kOtlpTraces;
    s.service = service;
    s.env = env;
    s.version = version;
    s.color = spec.color;
    s.title = name;
    s.event_time = core::EventTime::FromUnixNanos(static_cast<int64_t>(t));
    const bool error = unit(rng_) < spec.error_rate;
    s.span_status = error ? 2 : 1;
    s.http_status = error ? 500 : 200;
    double latency = std::exp(log_median + spec.latency_sigma * normal(rng_)) * spec.latency_scale;
    if (spec.tail_fraction > 0 && unit(rng_) < spec.tail_fraction) latency *= spec.tail_scale;
    s.duration_ns = static_cast<int64_t>(latency);
    s.end_time = core::EventTime::FromUnixNanos(s.event_time.unix_nanos() + s.duration_ns);
    ++n;
    t += gap(rng_) * 1e9;
  }
  return n;
}

}  // namespace quell::gates
