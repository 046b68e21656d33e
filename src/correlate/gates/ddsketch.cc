#include "correlate/gates/ddsketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/status_macros.h"

namespace quell::gates {

DDSketch::DDSketch(double relative_accuracy, int max_buckets)
    : relative_accuracy_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)),
      max_buckets_(max_buckets),
      min_(std::numeric_limits<double>::infinity()),
      max_(-std::numeric_limits<double>::infinity()) {
  QUELL_CHECK(relative_accuracy > 0 && relative_accuracy < 1, "DDSketch: relative accuracy in (0, 1)");
  QUELL_CHECK(max_buckets >= 2, "DDSketch: max_buckets >= 2");
}

int DDSketch::IndexOf(double value) const {
  if (!(value > kMinValue)) return kZeroIndex;  // Also catches NaN.
  return static_cast<int>(std::ceil(std::log(value) / log_gamma_));
}

double DDSketch::LowerBound(int index) const {
  if (index == kZeroIndex) return -std::numeric_limits<double>::infinity();
  return std::exp((index - 1) * log_gamma_);
}

double DDSketch::UpperBound(int index) const {
  if (index == kZeroIndex) return kMinValue;
  return std::exp(index * log_gamma_);
}

double DDSketch::Estimate(int index) const {
  if (index == kZeroIndex) return 0;
  return 2 * std::exp(index * log_gamma_) / (gamma_ + 1);
}

void DDSketch::Grow(int index) {
  if (counts_.empty()) {
    counts_.assign(1, 0);
    offset_ = index;
    return;
  }
  const int hi = offset_ + static_cast<int>(counts_.size()) - 1;
  if (index > hi) {
    counts_.resize(static_cast<size_t>(index - offset_ + 1), 0);
  } else if (index < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - index), 0);
    offset_ = index;
  }
  // Collapse the lowest buckets into the lowest kept one when the range is too wide.
  if (static_cast<int>(counts_.size()) > max_buckets_) {
    const size_t excess = counts_.size() - static_cast<size_t>(max_buckets_);
    uint64_t moved = 0;
    for (size_t i = 0; i < excess; ++i) moved += counts_[i];
    counts_.erase(counts_.begin(), counts_.begin() + static_cast<ptrdiff_t>(excess));
    offset_ += static_cast<int>(excess);
    counts_[0] += moved;
  }
}

void DDSketch::Add(double value, uint64_t count) {
  if (count == 0 || std::isnan(value)) return;
  count_ += count;
  sum_ += value * static_cast<double>(count);
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  const int index = IndexOf(value);
  if (index == kZeroIndex) {
    zero_count_ += count;
    return;
  }
  if (counts_.empty() || index < offset_ || index >= offset_ + static_cast<int>(counts_.size())) {
    Grow(index);
  }
  // After a collapse the index may sit below the kept range: it joins the lowest bucket.
  const int slot = std::max(index, offset_) - offset_;
  counts_[static_cast<size_t>(slot)] += count;
}

void DDSketch::Merge(const DDSketch& other) {
  QUELL_CHECK(other.gamma_ == gamma_, "DDSketch::Merge: sketches of different accuracy");
  if (other.count_ == 0) return;
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  zero_count_ += other.zero_count_;
  if (other.counts_.empty()) return;
  const int lo = other.offset_;
  const int hi = other.offset_ + static_cast<int>(other.counts_.size()) - 1;
  Grow(lo);
  Grow(hi);
  for (int i = lo; i <= hi; ++i) {
    const uint64_t c = other.counts_[static_cast<size_t>(i - lo)];
    if (c == 0) continue;
    const int slot = std::max(i, offset_) - offset_;
    counts_[static_cast<size_t>(slot)] += c;
  }
}

void DDSketch::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  zero_count_ = 0;
  count_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<double>::infinity();
  max_ = -std::numeric_limits<double>::infinity();
}

int DDSketch::QuantileIndex(double q) const {
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank = static_cast<uint64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  if (rank < zero_count_) return kZeroIndex;
  uint64_t seen = zero_count_;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen > rank) return offset_ + static_cast<int>(i);
  }
  return counts_.empty() ? kZeroIndex : offset_ + static_cast<int>(counts_.size()) - 1;
}

double DDSketch::Quantile(double q) const {
  if (count_ == 0) return 0;
  const double estimate = Estimate(QuantileIndex(q));
  // The exact extremes are known: never report outside them.
  return std::clamp(estimate, std::min(min_, max_), max_);
}

uint64_t DDSketch::CountAbove(int index) const {
  uint64_t above = 0;
  if (index == kZeroIndex) {
    for (uint64_t c : counts_) above += c;
    return above;
  }
  const int first = index + 1 - offset_;
  for (int i = std::max(first, 0); i < static_cast<int>(counts_.size()); ++i) {
    above += counts_[static_cast<size_t>(i)];
  }
  return above;
}

}  // namespace quell::gates
