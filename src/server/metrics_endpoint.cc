#include "server/metrics_endpoint.h"

#include <algorithm>
#include <map>

#include "prometheus/text_serializer.h"

namespace quell::server {
namespace {

prometheus::ClientMetric::Label MakeLabel(const std::string& name, const std::string& value) {
  prometheus::ClientMetric::Label l;
  l.name = name;
  l.value = value;
  return l;
}

}  // namespace

void MetricFamilies::Counter(const std::string& name, const std::string& help) {
  families_.push_back(prometheus::MetricFamily{name, help, prometheus::MetricType::Counter, {}});
}

void MetricFamilies::Gauge(const std::string& name, const std::string& help) {
  families_.push_back(prometheus::MetricFamily{name, help, prometheus::MetricType::Gauge, {}});
}

void MetricFamilies::Histogram(const std::string& name, const std::string& help) {
  families_.push_back(prometheus::MetricFamily{name, help, prometheus::MetricType::Histogram, {}});
}

void MetricFamilies::Add(const Labels& labels, double value) {
  if (families_.empty()) return;
  prometheus::MetricFamily& f = families_.back();
  prometheus::ClientMetric m;
  for (const auto& [k, v] : labels) m.label.push_back(MakeLabel(k, v));
  if (f.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
}

void MetricFamilies::AddHistogram(const Labels& labels, const std::vector<double>& bounds,
                                  const std::vector<uint64_t>& cumulative_counts, uint64_t count,
                                  double sum) {
  if (families_.empty()) return;
  prometheus::ClientMetric m;
  for (const auto& [k, v] : labels) m.label.push_back(MakeLabel(k, v));
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
  for (size_t i = 0; i < bounds.size() && i < cumulative_counts.size(); ++i) {
    prometheus::ClientMetric::Bucket b;
    b.upper_bound = bounds[i];
    b.cumulative_count = cumulative_counts[i];
    m.histogram.bucket.push_back(b);
  }
  prometheus::ClientMetric::Bucket inf;
  inf.upper_bound = std::numeric_limits<double>::infinity();
  inf.cumulative_count = count;
  m.histogram.bucket.push_back(inf);
  families_.back().metric.push_back(std::move(m));
}

void MetricsEndpoint::AddSource(StatsSource source) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_.push_back(std::move(source));
}

std::string MetricsEndpoint::Render() const {
  MetricFamilies all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const StatsSource& s : sources_) s(&all);
  }
  // Merge same-named families (several shards or receivers may report the same metric).
  std::map<std::string, prometheus::MetricFamily> merged;
  for (prometheus::MetricFamily& f : all.families()) {
    auto [it, inserted] = merged.try_emplace(f.name, f);
    if (!inserted) {
      for (auto& m : f.metric) it->second.metric.push_back(std::move(m));
    }
  }
  std::vector<prometheus::MetricFamily> out;
  out.reserve(merged.size());
  for (auto& [name, f] : merged) {
    if (!f.metric.empty()) out.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(out);
}

core::HttpResponse MetricsEndpoint::Handle(const core::HttpRequest&) const {
  core::HttpResponse r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = Render();
  return r;
}

}  // namespace quell::server
