#include "core/signal_batch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

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

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

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

}  // namespace

void SignalBatch::FinishLabels() {
  Signal& s = signals_.back();
  Label* const pool = labels_.data() + s.labels_begin;
  const size_t n = s.labels_count;
  size_t kept = 0;
  if (n <= kSmallLabelCount) {
    // Insertion sort of (prefix, index) pairs: the short, nearly sorted label lists parsers
    // produce sort with integer compares, moving 16-byte keys instead of 32-byte labels. Stable
    // (an element moves only past strictly greater ones), so among equal names the last added
    // stays last. In place on the stack: no allocation.
    SortKey keys[kSmallLabelCount];
    for (size_t i = 0; i < n; ++i) {
      SortKey k{NamePrefix(pool[i].name), static_cast<uint32_t>(i), static_cast<uint32_t>(pool[i].name.size())};
      size_t j = i;
      while (j != 0 && KeyLess(k, keys[j - 1], pool)) {
        keys[j] = keys[j - 1];
        --j;
      }
      keys[j] = k;
    }
    // The sorted, de-duplicated labels, gathered in uninitialized stack bytes (Label is trivially
    // copyable), then copied back over the pool.
    alignas(Label) unsigned char sorted[sizeof(Label) * kSmallLabelCount];
    static_assert(std::is_trivially_copyable_v<Label>);
    for (size_t i = 0; i < n; ++i) {
      const Label& l = pool[keys[i].index];
      if (i + 1 != n && KeyEqual(keys[i], keys[i + 1], pool)) continue;  // A later one wins.
      if (l.value.empty()) continue;
      std::memcpy(sorted + sizeof(Label) * kept++, &l, sizeof(Label));
    }
    std::memcpy(static_cast<void*>(pool), sorted, sizeof(Label) * kept);
  } else {
    std::stable_sort(pool, pool + n, [](const Label& a, const Label& b) { return a.name < b.name; });
    for (size_t i = 0; i < n; ++i) {
      if (i + 1 != n && pool[i + 1].name == pool[i].name) continue;  // A later one wins.
      if (pool[i].value.empty()) continue;
      pool[kept++] = pool[i];
    }
  }
  s.labels_count = static_cast<uint32_t>(kept);
  labels_.resize(s.labels_begin + s.labels_count);
  s.annotations_begin = static_cast<uint32_t>(labels_.size());
  s.annotations_count = 0;
  s.fingerprint = Fingerprint::Of(labels(s));
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
