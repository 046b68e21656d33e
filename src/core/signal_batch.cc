#include "core/signal_batch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/unaligned.h"

namespace quell::core {

Signal& SignalBatch::Add() {
  Signal& s = signals_.emplace_back();
  s.labels_begin = static_cast<uint32_t>(labels_.size());
  s.annotations_begin = s.labels_begin;
  return s;
}

void SignalBatch::DropLast() {
  if (signals_.empty()) return;
  labels_.resize(signals_.back().labels_begin);
  signals_.pop_back();
}

void SignalBatch::AddLabel(std::string_view name, std::string_view value) {
  Signal& s = signals_.back();
  labels_.push_back(Label{name, value});
  ++s.labels_count;
}

namespace {

// The first 8 bytes of `s` (zero-filled past its end) as a big-endian integer, so that comparing
// two prefixes as integers orders the names as memcmp orders their first 8 bytes. Loads only
// bytes inside `s` (two overlapping words for sizes 4-7), without a call.
inline uint64_t NamePrefix(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t v;
  if (n >= 8) {
    v = Load64(p);
  } else if (n >= 4) {  // Bytes 0-3 and n-4..n-1; the overlap holds the same bytes in both.
    v = uint64_t{Load32(p)} | (uint64_t{Load32(p + n - 4)} << (8 * (n - 4)));
  } else {
    v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return __builtin_bswap64(v);  // Little-endian load -> the first byte most significant.
}

struct SortKey {
  uint64_t prefix;
  uint32_t index;
  uint32_t size;
};

// Byte order, as std::string_view's operator< (memcmp on unsigned bytes, then length): the
// prefixes decide unless they are equal; then, when both names fit in their prefixes, the
// shorter one is a prefix of the other (its missing bytes read as the other's zeros) and comes
// first; longer names sharing 8 bytes are compared whole.
inline bool KeyLess(const SortKey& a, const SortKey& b, const Label* labels) {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  if (a.size <= 8 && b.size <= 8) return a.size < b.size;
  return labels[a.index].name < labels[b.index].name;
}
inline bool KeyEqual(const SortKey& a, const SortKey& b, const Label* labels) {
  if (a.prefix != b.prefix || a.size != b.size) return false;
  return a.size <= 8 || labels[a.index].name == labels[b.index].name;
}

constexpr size_t kSmallLabelCount = 64;

// Appends `in[0..n)` to `out` sorted by name, without empty values and with only the last of
// each repeated name. Insertion sort of (prefix, index, size) keys for up to kSmallLabelCount
// labels: the short, nearly sorted lists parsers produce sort with integer compares, moving
// 16-byte keys instead of 32-byte labels; stable (an element moves only past strictly greater
// ones), so among equal names the last added stays last; on the stack, no allocation. Longer
// lists use std::stable_sort on a copy. `in` must not point into `*out`.
void AppendSorted(const Label* in, size_t n, std::vector<Label>* out) {
  if (n <= kSmallLabelCount) {
    SortKey keys[kSmallLabelCount];
    for (size_t i = 0; i < n; ++i) {
      SortKey k{NamePrefix(in[i].name), static_cast<uint32_t>(i), static_cast<uint32_t>(in[i].name.size())};
      size_t j = i;
      while (j != 0 && KeyLess(k, keys[j - 1], in)) {
        keys[j] = keys[j - 1];
        --j;
      }
      keys[j] = k;
    }
    for (size_t i = 0; i < n; ++i) {
      const Label& l = in[keys[i].index];
      if (i + 1 != n && KeyEqual(keys[i], keys[i + 1], in)) continue;  // A later one wins.
      if (l.value.empty()) continue;
      out->push_back(l);
    }
    return;
  }
  std::vector<Label> sorted(in, in + n);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  for (size_t i = 0; i < n; ++i) {
    if (i + 1 != n && sorted[i + 1].name == sorted[i].name) continue;  // A later one wins.
    if (sorted[i].value.empty()) continue;
    out->push_back(sorted[i]);
  }
}

}  // namespace

void SignalBatch::FinishLabels() {
  Signal& s = signals_.back();
  const size_t n = s.labels_count;
  // Sorted into scratch, then back over the signal's labels (AppendSorted reads from a pool that
  // must not grow under it).
  scratch_.clear();
  AppendSorted(labels_.data() + s.labels_begin, n, &scratch_);
  labels_.resize(s.labels_begin);
  labels_.insert(labels_.end(), scratch_.begin(), scratch_.end());
  s.labels_count = static_cast<uint32_t>(scratch_.size());
  s.annotations_begin = static_cast<uint32_t>(labels_.size());
  s.annotations_count = 0;
  s.fingerprint = Fingerprint::Of(labels(s));
}

void SignalBatch::Append(const Signal& signal, std::span<const Label> labels,
                         std::span<const Label> annotations) {
  Signal& s = signals_.emplace_back(signal);
  s.labels_begin = static_cast<uint32_t>(labels_.size());
  AppendSorted(labels.data(), labels.size(), &labels_);
  s.labels_count = static_cast<uint32_t>(labels_.size() - s.labels_begin);
  s.fingerprint = Fingerprint::Of(this->labels(s));
  s.annotations_begin = static_cast<uint32_t>(labels_.size());
  s.annotations_count = static_cast<uint32_t>(annotations.size());
  labels_.insert(labels_.end(), annotations.begin(), annotations.end());
}

void SignalBatch::AddAnnotation(std::string_view name, std::string_view value) {
  Signal& s = signals_.back();
  labels_.push_back(Label{name, value});
  ++s.annotations_count;
}

void SignalBatch::Clear() {
  signals_.clear();
  labels_.clear();
  rejections_.clear();
  arena_.Clear();
  attached_.clear();
}

}  // namespace quell::core
