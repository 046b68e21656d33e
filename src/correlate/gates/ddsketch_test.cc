#include "correlate/gates/ddsketch.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/json_writer.h"
#include "correlate/json_value.h"
#include "gtest/gtest.h"

namespace quell::gates {
namespace {

// The exact lower q-quantile as DDSketch defines it.
double ExactQuantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::floor(q * static_cast<double>(values.size() - 1)));
  return values[rank];
}

const double kQuantiles[] = {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0};

void ExpectWithinRelativeAccuracy(const DDSketch& sketch, const std::vector<double>& values) {
  for (double q : kQuantiles) {
    const double exact = ExactQuantile(values, q);
    const double estimate = sketch.Quantile(q);
    EXPECT_LE(std::abs(estimate - exact), sketch.relative_accuracy() * exact * (1 + 1e-12))
        << "q=" << q << " exact=" << exact << " estimate=" << estimate;
  }
}

TEST(DDSketchTest, EmptySketchReportsZero) {
  DDSketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.Quantile(0.5), 0);
  EXPECT_EQ(s.CountAbove(0), 0u);
}

TEST(DDSketchTest, SingleValueIsWithinAccuracy) {
  DDSketch s;
  s.Add(1234.5);
  EXPECT_EQ(s.count(), 1u);
  for (double q : kQuantiles) EXPECT_NEAR(s.Quantile(q), 1234.5, 1234.5 * 0.01);
}

TEST(DDSketchTest, LognormalLatenciesMeetTheRelativeErrorGuarantee) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(20e6), 1.2);  // ~20 ms median, heavy tail.
  std::vector<double> values;
  DDSketch sketch;
  for (int i = 0; i < 50000; ++i) {
    const double v = dist(rng);
    values.push_back(v);
    sketch.Add(v);
  }
  ExpectWithinRelativeAccuracy(sketch, values);
  EXPECT_EQ(sketch.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(sketch.max(), *std::max_element(values.begin(), values.end()));
}

TEST(DDSketchTest, GuaranteeHoldsAcrossManyMagnitudesAndAccuracies) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(0, 12);  // 1 ns .. 1000 s
  for (double accuracy : {0.001, 0.01, 0.05}) {
    DDSketch sketch(accuracy, 1 << 16);  // Wide enough that nothing collapses.
    std::vector<double> values;
    for (int i = 0; i < 20000; ++i) {
      const double v = std::pow(10.0, exponent(rng));
      values.push_back(v);
      sketch.Add(v);
    }
    ExpectWithinRelativeAccuracy(sketch, values);
  }
}

TEST(DDSketchTest, MergeEqualsSketchOfUnion) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> fast(1 / 1e6);
  std::exponential_distribution<double> slow(1 / 5e8);
  DDSketch a, b, all;
  std::vector<double> values;
  for (int i = 0; i < 10000; ++i) {
    const double x = fast(rng), y = slow(rng);
    a.Add(x);
    b.Add(y);
    all.Add(x);
    all.Add(y);
    values.push_back(x);
    values.push_back(y);
  }
  DDSketch merged = a;
  merged.Merge(b);
  EXPECT_EQ(merged.count(), all.count());
  for (double q : kQuantiles) EXPECT_EQ(merged.Quantile(q), all.Quantile(q)) << q;
  for (int index = merged.IndexOf(1e3); index < merged.IndexOf(1e10); index += 37) {
    EXPECT_EQ(merged.CountAbove(index), all.CountAbove(index));
  }
  ExpectWithinRelativeAccuracy(merged, values);
  // Merging into an empty sketch copies.
  DDSketch empty;
  empty.Merge(all);
  EXPECT_EQ(empty.Quantile(0.99), all.Quantile(0.99));
}

TEST(DDSketchTest, CountAboveIsExactAtBucketBoundaries) {
  DDSketch s;
  std::vector<double> values;
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(10, 2);
  for (int i = 0; i < 5000; ++i) {
    values.push_back(dist(rng));
    s.Add(values.back());
  }
  for (double q : {0.5, 0.9, 0.99}) {
    const int index = s.QuantileIndex(q);
    const double bound = s.UpperBound(index);
    const uint64_t exact = static_cast<uint64_t>(
        std::count_if(values.begin(), values.end(), [&](double v) { return v > bound; }));
    EXPECT_EQ(s.CountAbove(index), exact) << q;
    EXPECT_LE(exact, static_cast<uint64_t>((1 - q) * 5000) + 1);
  }
}

TEST(DDSketchTest, ZeroAndNegativeValuesGoToTheZeroBucket) {
  DDSketch s;
  s.Add(0);
  s.Add(-5);
  s.Add(100);
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.Quantile(0), 0);  // The zero bucket's estimate.
  EXPECT_EQ(s.QuantileIndex(0.4), DDSketch::kZeroIndex);
  EXPECT_NEAR(s.Quantile(1), 100, 1);
  EXPECT_EQ(s.CountAbove(DDSketch::kZeroIndex), 1u);
}

TEST(DDSketchTest, CollapsesLowestBucketsButKeepsHighQuantilesAccurate) {
  DDSketch s(0.01, 64);
  std::vector<double> values;
  for (int i = 0; i < 2000; ++i) {
    const double v = std::pow(1.05, i % 400);  // Spans far more than 64 buckets.
    values.push_back(v);
    s.Add(v);
  }
  EXPECT_EQ(s.count(), 2000u);
  const double exact = ExactQuantile(values, 0.99);
  EXPECT_NEAR(s.Quantile(0.99), exact, exact * 0.01);
}

TEST(DDSketchTest, ClearKeepsNothing) {
  DDSketch s;
  s.Add(5);
  s.Clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.CountAbove(0), 0u);
  s.Add(7);
  EXPECT_NEAR(s.Quantile(0.5), 7, 0.07);
}

// A saved and restored sketch answers and merges exactly as the original.
TEST(DDSketchTest, JsonRoundTripIsExact) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(std::log(5e7), 0.8);
  DDSketch original;
  for (int i = 0; i < 20000; ++i) original.Add(dist(rng));
  original.Add(0);  // The zero bucket.
  std::string json;
  core::JsonWriter w(&json);
  original.AppendJson(&w);
  auto v = correlate::JsonValue::Parse(json);
  ASSERT_TRUE(v.ok()) << v.status();
  DDSketch restored;
  ASSERT_TRUE(restored.RestoreJson(*v).ok());
  EXPECT_EQ(restored.count(), original.count());
  EXPECT_EQ(restored.min(), original.min());
  EXPECT_EQ(restored.max(), original.max());
  EXPECT_EQ(restored.sum(), original.sum());
  for (double q : kQuantiles) {
    EXPECT_EQ(restored.QuantileIndex(q), original.QuantileIndex(q)) << q;
    EXPECT_EQ(restored.Quantile(q), original.Quantile(q)) << q;
  }
  const int p90 = original.QuantileIndex(0.9);
  EXPECT_EQ(restored.CountAbove(p90), original.CountAbove(p90));
  DDSketch more;
  for (int i = 0; i < 1000; ++i) more.Add(dist(rng) * 3);
  restored.Merge(more);
  original.Merge(more);
  EXPECT_EQ(restored.Quantile(0.99), original.Quantile(0.99));
  EXPECT_EQ(restored.count(), original.count());
}

TEST(DDSketchTest, EmptySketchSavesAsAnEmptyObject) {
  DDSketch empty;
  std::string json;
  core::JsonWriter w(&json);
  empty.AppendJson(&w);
  EXPECT_EQ(json, "{}");
  DDSketch restored;
  restored.Add(42);
  ASSERT_TRUE(restored.RestoreJson(*correlate::JsonValue::Parse(json)).ok());
  EXPECT_TRUE(restored.empty());
}

TEST(DDSketchTest, RestoreRejectsWhatIsNotASavedSketch) {
  for (const char* bad : {R"([])", R"({"offset":1})",
                          R"({"offset":1,"size":2,"bins":[0,1,1,-2],"zero":0,"min":1,"max":2,"sum":3})",
                          R"({"offset":1,"size":2,"bins":[],"zero":0,"min":1,"max":2,"sum":0})",
                          R"({"offset":1,"size":2,"bins":[1,1,0,1],"zero":0,"min":1,"max":2,"sum":3})",
                          R"({"offset":1,"size":2,"bins":[2,1],"zero":0,"min":1,"max":2,"sum":3})",
                          R"({"offset":1,"size":2,"bins":[0],"zero":0,"min":1,"max":2,"sum":3})",
                          R"({"offset":1,"size":1,"bins":[0,1],"zero":0,"min":3,"max":2,"sum":3})",
                          R"({"offset":"1","size":1,"bins":[0,1],"zero":0,"min":1,"max":2,"sum":3})"}) {
    DDSketch s;
    auto v = correlate::JsonValue::Parse(bad);
    ASSERT_TRUE(v.ok()) << bad;
    EXPECT_EQ(s.RestoreJson(*v).code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_TRUE(s.empty()) << bad;
  }
  DDSketch small(0.01, 2);
  auto v = correlate::JsonValue::Parse(R"({"offset":1,"size":3,"bins":[0,1,2,1],"zero":0,"min":1,"max":2,"sum":3})");
  EXPECT_EQ(small.RestoreJson(*v).code(), absl::StatusCode::kDataLoss);  // More buckets than it may hold.
}

}  // namespace
}  // namespace quell::gates
