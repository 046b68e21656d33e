// src/sinks/latency_histogram.h
//
// LatencyHistogram: a fixed-bucket histogram of durations, the sinks' half of the
// quell_sink_delivery_seconds and quell_outbox_time_to_accept_seconds metrics. It holds plain
// atomics (components do not depend on prometheus-cpp, see server/metrics_endpoint.h); the app
// reads a Snapshot at scrape time and exports it as a Prometheus histogram.
//
// Buckets are upper bounds in seconds (`le`), fixed at construction; an observation above the last
// bound counts only in +Inf. A Snapshot is cumulative, and its count is the sum of its buckets, so
// the +Inf bucket always equals _count as Prometheus requires, even while observations race with
// the read (_sum may lag by the observations in flight).
//
// Threading: Observe and Read are thread-safe and lock-free; Observe is a few relaxed atomic adds.
#ifndef QUELL_SINKS_LATENCY_HISTOGRAM_H_
#define QUELL_SINKS_LATENCY_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/time/time.h"

namespace quell::sinks {

// One delivery attempt, from Deliver to its outcome: 1 ms .. 30 s (the HTTP total timeout).
inline constexpr double kDeliveryBucketsSeconds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10,   30};
// Outbox append to acceptance, retries and outages included: 1 ms .. 1 h.
inline constexpr double kTimeToAcceptBucketsSeconds[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
                                                          5,     10,    30,   60,   300, 900, 3600};

class LatencyHistogram {
 public:
  // REQUIRES: `bounds_seconds` is non-empty and strictly increasing.
  explicit LatencyHistogram(std::span<const double> bounds_seconds);

  void Observe(absl::Duration d);  // A negative duration counts as zero.

  struct Snapshot {
    std::vector<double> bounds;          // Upper bounds in seconds, without +Inf.
    std::vector<uint64_t> cumulative;    // One per bound: observations <= bound.
    uint64_t count = 0;                  // All observations (the +Inf bucket).
    double sum_seconds = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the last is +Inf only).
  std::atomic<int64_t> sum_nanos_{0};
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_LATENCY_HISTOGRAM_H_
