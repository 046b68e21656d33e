// src/sinks/latency_histogram.cc
#include "sinks/latency_histogram.h"

#include <algorithm>
#include <functional>

#include "core/status_macros.h"

namespace quell::sinks {

LatencyHistogram::LatencyHistogram(std::span<const double> bounds_seconds)
    : bounds_(bounds_seconds.begin(), bounds_seconds.end()),
      buckets_(new std::atomic<uint64_t>[bounds_seconds.size() + 1]) {
  QUELL_CHECK(!bounds_.empty() && std::adjacent_find(bounds_.begin(), bounds_.end(), std::greater_equal<>()) == bounds_.end(),
              "latency histogram: bounds must be non-empty and strictly increasing");
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void LatencyHistogram::Observe(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  double s = absl::ToDoubleSeconds(d);
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), s) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.resize(bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running + buckets_[bounds_.size()].load(std::memory_order_relaxed);
  s.sum_seconds = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) * 1e-9;
  return s;
}

}  // namespace quell::sinks
