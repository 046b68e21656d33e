#include "correlate/gates/ddsketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/status_macros.h"
#include "fmt/format.h"

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

void DDSketch::AppendJson(core::JsonWriter* w) const {
  w->BeginObject();
  if (count_ > 0) {
    w->Field("offset", offset_);
    w->Field("size", static_cast<uint64_t>(counts_.size()));
    w->Key("bins");  // Sparse: slot, count for every non-empty bucket (most are empty).
    w->BeginArray();
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] == 0) continue;
      w->Uint(i);
      w->Uint(counts_[i]);
    }
    w->EndArray();
    w->Field("zero", zero_count_);
    w->Field("min", min_);
    w->Field("max", max_);
    w->Field("sum", sum_);
  }
  w->EndObject();
}

absl::Status DDSketch::RestoreJson(const correlate::JsonValue& v) {
  Clear();
  if (!v.is_object()) return absl::DataLossError("sketch: not an object");
  if (v.members().empty()) return absl::OkStatus();
  const correlate::JsonValue* offset = v.Find("offset");
  const correlate::JsonValue* size = v.Find("size");
  const correlate::JsonValue* bins = v.Find("bins");
  const correlate::JsonValue* zero = v.Find("zero");
  const correlate::JsonValue* mn = v.Find("min");
  const correlate::JsonValue* mx = v.Find("max");
  const correlate::JsonValue* sum = v.Find("sum");
  if (offset == nullptr || !offset->is_number() || size == nullptr || !size->is_number() || bins == nullptr ||
      !bins->is_array() || zero == nullptr || !zero->is_number() || mn == nullptr || !mn->is_number() ||
      mx == nullptr || !mx->is_number() || sum == nullptr || !sum->is_number()) {
    return absl::DataLossError("sketch: needs offset, size, bins, zero, min, max and sum");
  }
  const int64_t n = size->AsInt64();
  if (n < 0 || n > max_buckets_) return absl::DataLossError(fmt::format("sketch: {} buckets, at most {}", n, max_buckets_));
  const int64_t off = offset->AsInt64();
  if (off < -(int64_t{1} << 30) || off > (int64_t{1} << 30)) return absl::DataLossError("sketch: offset out of range");
  if (zero->AsInt64() < 0 || !(mn->AsDouble() <= mx->AsDouble())) return absl::DataLossError("sketch: bad zero count or range");
  const std::vector<correlate::JsonValue>& b = bins->items();
  if (b.size() % 2 != 0) return absl::DataLossError("sketch: bins are not slot, count pairs");
  std::vector<uint64_t> restored(static_cast<size_t>(n), 0);
  uint64_t total = static_cast<uint64_t>(zero->AsInt64());
  int64_t last = -1;
  for (size_t i = 0; i < b.size(); i += 2) {
    if (!b[i].is_number() || !b[i + 1].is_number()) return absl::DataLossError("sketch: a bin is not a number");
    const int64_t slot = b[i].AsInt64(), count = b[i + 1].AsInt64();
    if (slot <= last || slot >= n || count <= 0) return absl::DataLossError("sketch: bins out of order or range");
    last = slot;
    restored[static_cast<size_t>(slot)] = static_cast<uint64_t>(count);
    total += static_cast<uint64_t>(count);
  }
  if (total == 0) return absl::DataLossError("sketch: a saved sketch with no values");
  offset_ = static_cast<int>(off);
  counts_ = std::move(restored);
  zero_count_ = static_cast<uint64_t>(zero->AsInt64());
  count_ = total;
  min_ = mn->AsDouble();
  max_ = mx->AsDouble();
  sum_ = sum->AsDouble();
  return absl::OkStatus();
}

}  // namespace quell::gates
