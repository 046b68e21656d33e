// src/sinks/latency_histogram_test.cc
#include "sinks/latency_histogram.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace quell::sinks {
namespace {

constexpr double kBounds[] = {0.001, 0.01, 0.1};

TEST(LatencyHistogramTest, CountsIntoCumulativeBucketsByUpperBound) {
  LatencyHistogram h(kBounds);
  h.Observe(absl::Microseconds(500));   // <= 1 ms
  h.Observe(absl::Milliseconds(1));     // le is inclusive: still the 1 ms bucket
  h.Observe(absl::Milliseconds(50));    // <= 100 ms
  h.Observe(absl::Seconds(3));          // +Inf only
  h.Observe(absl::Milliseconds(-5));    // clock stepped back: counts as zero
  LatencyHistogram::Snapshot s = h.Read();
  EXPECT_EQ(s.bounds, std::vector<double>(std::begin(kBounds), std::end(kBounds)));
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{3, 3, 4}));
  EXPECT_EQ(s.count, 5u);
  EXPECT_NEAR(s.sum_seconds, 0.0005 + 0.001 + 0.05 + 3, 1e-9);
}

TEST(LatencyHistogramTest, ConcurrentObservationsAreAllCounted) {
  LatencyHistogram h(kDeliveryBucketsSeconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.Observe(absl::Milliseconds(t * 7 + i % 40));
    });
  }
  for (auto& t : ts) t.join();
  LatencyHistogram::Snapshot s = h.Read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.cumulative.back(), 40000u);  // Everything is under 30 s.
}

}  // namespace
}  // namespace quell::sinks
