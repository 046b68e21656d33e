// src/server/metrics_endpoint.h
//
// MetricsEndpoint serves GET /metrics in the Prometheus text exposition format 0.0.4, through
// prometheus-cpp's TextSerializer. Components do not depend on prometheus-cpp: they keep their own
// counters (std::atomic in a stats struct) and the app registers one StatsSource per component,
// a function that reads those counters at scrape time and appends MetricFamily values through
// MetricFamilies. Handles are looked up once (Redpanda's probes) by the component; the mapping to
// names happens here, once per scrape.
//
// Thread-safety: AddSource before serving; Handle may run concurrently on server threads.
#ifndef QUELL_SERVER_METRICS_ENDPOINT_H_
#define QUELL_SERVER_METRICS_ENDPOINT_H_

#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/http_message.h"
#include "prometheus/metric_family.h"

namespace quell::server {

// Helps a StatsSource build families with correct types and label pairs.
class MetricFamilies {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  // Starts a family; following Counter/Gauge/Histogram calls add samples to it. Name must follow
  // quell_<subsystem>_<what>_<unit>; counters end in _total.
  void Counter(const std::string& name, const std::string& help);
  void Gauge(const std::string& name, const std::string& help);
  void Histogram(const std::string& name, const std::string& help);
  void Add(const Labels& labels, double value);
  // Cumulative buckets: `bounds` upper bounds (without +Inf), `cumulative_counts` one per bound.
  void AddHistogram(const Labels& labels, const std::vector<double>& bounds,
                    const std::vector<uint64_t>& cumulative_counts, uint64_t count, double sum);

  std::vector<prometheus::MetricFamily>& families() { return families_; }

 private:
  std::vector<prometheus::MetricFamily> families_;
};

using StatsSource = std::function<void(MetricFamilies*)>;

class MetricsEndpoint {
 public:
  void AddSource(StatsSource source);
  // Text exposition of every source's families, sorted by name; families with the same name from
  // different sources are merged.
  std::string Render() const;
  core::HttpResponse Handle(const core::HttpRequest& request) const;

 private:
  mutable std::mutex mu_;
  std::vector<StatsSource> sources_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_METRICS_ENDPOINT_H_
