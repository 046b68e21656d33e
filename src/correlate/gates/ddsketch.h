// src/correlate/gates/ddsketch.h
//
// DDSketch: a mergeable quantile sketch with relative-error guarantees (Masson, Rim, Lee, "DDSketch:
// a fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019). Quell's
// own implementation, sized for latencies in nanoseconds.
//
// Guarantee: with relative accuracy `a` (default 0.01), for every q in [0, 1] Quantile(q) returns x̂
// with |x̂ - x_q| <= a * x_q, where x_q is the element of rank floor(q * (n - 1)) of the values added
// (0-based, sorted ascending), as long as no bucket was collapsed (see below) and x_q > kMinValue.
//
// Operation: a positive value x falls into bucket i = ceil(log_gamma(x)), gamma = (1 + a) / (1 - a);
// bucket i holds (gamma^(i-1), gamma^i]. Values <= kMinValue (zero, negatives) go to a zero bucket
// whose estimate is 0. Buckets are dense counts over [min index, max index]; when more than
// `max_buckets` would be needed the lowest buckets collapse into one (the guarantee then holds for
// quantiles above the collapsed range, as in the paper). Two sketches with the same accuracy merge
// exactly: Merge(a, b) equals the sketch of the union.
//
// Bucket indices are exposed so that callers can count values above a bucket boundary exactly
// (CountAbove), which is how gates count exceedances of a baseline quantile.
//
// Allocation: Add allocates only when the index range grows; Clear() keeps capacity. A value type:
// copyable, movable. Not thread-safe.
//
// Snapshots (the deploy gates' part of the correlation state): AppendJson writes
// {"offset":i,"size":n,"bins":[slot,count,...],"zero":n,"min":x,"max":y,"sum":s} (bins: the non-empty
// buckets only; {} when the sketch is empty); RestoreJson reads it
// back into a sketch of the same accuracy, which then answers and merges exactly as the saved one.
#ifndef QUELL_CORRELATE_GATES_DDSKETCH_H_
#define QUELL_CORRELATE_GATES_DDSKETCH_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "core/json_writer.h"
#include "correlate/json_value.h"

namespace quell::gates {

class DDSketch {
 public:
  static constexpr double kMinValue = 1e-9;
  static constexpr double kDefaultRelativeAccuracy = 0.01;
  static constexpr int kDefaultMaxBuckets = 4096;

  // REQUIRES: 0 < relative_accuracy < 1, max_buckets >= 2.
  explicit DDSketch(double relative_accuracy = kDefaultRelativeAccuracy,
                    int max_buckets = kDefaultMaxBuckets);

  void Add(double value) { Add(value, 1); }
  void Add(double value, uint64_t count);
  // REQUIRES: other.relative_accuracy() == relative_accuracy().
  void Merge(const DDSketch& other);
  // Forgets all values, keeps capacity.
  void Clear();

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  double relative_accuracy() const { return relative_accuracy_; }
  double gamma() const { return gamma_; }
  double min() const { return min_; }  // Exact; +inf when empty.
  double max() const { return max_; }  // Exact; -inf when empty.
  double sum() const { return sum_; }

  // The estimate of the q-quantile (lower quantile: rank floor(q * (n - 1))). 0 when empty.
  // q is clamped to [0, 1].
  double Quantile(double q) const;
  // The bucket index holding the q-quantile; kZeroIndex for the zero bucket. REQUIRES: !empty().
  int QuantileIndex(double q) const;

  static constexpr int kZeroIndex = -2147483647;
  // The index a value falls into (kZeroIndex for values <= kMinValue).
  int IndexOf(double value) const;
  // Bucket i holds (LowerBound(i), UpperBound(i)]; kZeroIndex holds (-inf, kMinValue].
  double LowerBound(int index) const;
  double UpperBound(int index) const;
  // The value reported for bucket i: 2 * gamma^i / (gamma + 1), within `a` of every value in it.
  double Estimate(int index) const;
  // The number of values in buckets above `index`, i.e. values > UpperBound(index). Exact.
  uint64_t CountAbove(int index) const;

  void AppendJson(core::JsonWriter* w) const;
  // DataLoss when `v` is not a saved sketch (wrong types, more buckets than max_buckets, min > max).
  [[nodiscard]] absl::Status RestoreJson(const correlate::JsonValue& v);

 private:
  void Grow(int index);

  double relative_accuracy_;
  double gamma_;
  double log_gamma_;
  int max_buckets_;
  int offset_ = 0;                // Index of counts_[0].
  std::vector<uint64_t> counts_;  // Dense buckets [offset_, offset_ + counts_.size()).
  uint64_t zero_count_ = 0;
  uint64_t count_ = 0;
  double min_;
  double max_;
  double sum_ = 0;
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_DDSKETCH_H_
