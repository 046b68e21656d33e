#include "core/signal_batch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/fingerprint_encoding.h"
#include "core/page_local_reads.h"
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
// two prefixes as integers orders the names as memcmp orders their first 8 bytes. One 8-byte load,
// masked to the name's length, when it stays on the name's page (page_local_reads.h); else only
// bytes inside `s` (two overlapping words for sizes 4-7).
inline uint64_t NamePrefix(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t v;
  if (n != 0 && ReadStaysOnPage<8>(p)) [[likely]] {
    v = LoadPrefix64(p, n);
  } else if (n >= 8) {
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

// The common case of AppendSorted: names already strictly ascending, as parsers mostly add them
// (their own labels in name order, then tags such as team and version). Strictly ascending means
// no repeated name either, so the labels are appended as they are, less those with empty values,
// without building sort keys. Returns false, having appended nothing, at the first name that is
// not greater than the one before it; the caller then sorts. Costs one prefix compare per label
// (a whole compare only when two neighbours share their first 8 bytes).
inline bool AppendIfAscending(const Label* in, size_t n, std::vector<Label>* out) {
  bool any_empty = false;
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t p = NamePrefix(in[i].name);
    if (i != 0 && p <= prev && (p != prev || !(in[i - 1].name < in[i].name))) return false;
    prev = p;
    any_empty |= in[i].value.empty();
  }
  if (!any_empty) {
    out->insert(out->end(), in, in + n);
    return true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!in[i].value.empty()) out->push_back(in[i]);
  }
  return true;
}

// Append's common case in one pass: names strictly ascending by their first 8 bytes and no empty
// value (a parser's own labels in name order, then tags such as team and version). The labels are
// fingerprinted as they are checked, and then appended as they are. Returns false, having
// appended nothing, at the first label that breaks the rule (or when the encoding outgrows the
// encoder); the caller then sorts and fingerprints as usual. Names that share their first 8 bytes
// (OTLP attributes such as k8s.pod.*) take that path too.
inline bool AppendAscendingFingerprinted(const Label* in, size_t n, std::vector<Label>* out, Fingerprint* fingerprint) {
  FingerprintEncoder encoder;
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    // Most labels: one 32-byte read of the name gives both its encoding and its prefix.
    uint64_t p;
    if (encoder.AddShort(in[i], &p)) [[likely]] {
      p = __builtin_bswap64(p);
    } else {
      p = NamePrefix(in[i].name);
      if (in[i].value.empty() || !encoder.Add(in[i])) return false;
    }
    if (i != 0 && p <= prev) return false;
    prev = p;
  }
  out->insert(out->end(), in, in + n);
  *fingerprint = encoder.Finish();
  return true;
}

// Appends the labels in key order, skipping empty values and all but the last of equal names.
inline void AppendInKeyOrder(const SortKey* keys, const Label* in, size_t n, std::vector<Label>* out) {
  for (size_t i = 0; i < n; ++i) {
    const Label& l = in[keys[i].index];
    if (i + 1 != n && KeyEqual(keys[i], keys[i + 1], in)) continue;  // A later one wins.
    if (l.value.empty()) continue;
    out->push_back(l);
  }
}

// AppendSorted for label sets over kSmallLabelCount: a stable merge sort of the labels themselves
// by name (insertion-sorted runs of 8, merged bottom-up; a merge takes the right label only when
// its name is strictly less), in the thread's buffer, which allocates only while it grows to the
// largest such set the thread has seen. (std::stable_sort allocates its buffer on every call;
// sorting prefix keys pays an indirection per compare when many names share their first 8 bytes,
// as OTLP attributes do: measured slower with BM_ManyLabelsAllocations.)
[[gnu::noinline]] void AppendSortedLarge(const Label* in, size_t n, std::vector<Label>* out) {
  constexpr size_t kRun = 8;
  thread_local std::vector<Label> buffer;
  if (buffer.size() < 2 * n) buffer.resize(std::max(2 * n, buffer.size() * 2));
  Label* src = buffer.data();
  Label* dst = src + n;
  std::copy(in, in + n, src);
  for (size_t lo = 0; lo < n; lo += kRun) {
    const size_t hi = std::min(lo + kRun, n);
    for (size_t i = lo + 1; i < hi; ++i) {
      const Label l = src[i];
      size_t j = i;
      while (j != lo && l.name < src[j - 1].name) {
        src[j] = src[j - 1];
        --j;
      }
      src[j] = l;
    }
  }
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t a = lo, b = mid, w = lo;
      while (a < mid && b < hi) dst[w++] = src[b].name < src[a].name ? src[b++] : src[a++];
      while (a < mid) dst[w++] = src[a++];
      while (b < hi) dst[w++] = src[b++];
    }
    std::swap(src, dst);
  }
  for (size_t i = 0; i < n; ++i) {
    if (i + 1 != n && src[i + 1].name == src[i].name) continue;  // A later one wins.
    if (src[i].value.empty()) continue;
    out->push_back(src[i]);
  }
}

// Appends `in[0..n)` to `out` sorted by name, without empty values and with only the last of
// each repeated name. Up to kSmallLabelCount labels (the short, nearly sorted lists parsers
// produce): an insertion sort on the stack of (prefix, index, size) keys, with integer compares,
// moving 16-byte keys instead of 32-byte labels; stable (an element moves only past strictly
// greater ones). Longer lists: AppendSortedLarge (a stable merge sort). Either way among equal
// names the last added stays last, and nothing is allocated per call. `in` must not point into
// `*out`.
[[gnu::hot]] void AppendSorted(const Label* in, size_t n, std::vector<Label>* out) {
  if (n > kSmallLabelCount) return AppendSortedLarge(in, n, out);
  if (AppendIfAscending(in, n, out)) return;
  SortKey keys[kSmallLabelCount];  // Built and insertion-sorted in one pass.
  for (size_t i = 0; i < n; ++i) {
    SortKey k{NamePrefix(in[i].name), static_cast<uint32_t>(i), static_cast<uint32_t>(in[i].name.size())};
    size_t j = i;
    while (j != 0 && KeyLess(k, keys[j - 1], in)) {
      keys[j] = keys[j - 1];
      --j;
    }
    keys[j] = k;
  }
  AppendInKeyOrder(keys, in, n, out);
}

// Appends `in[0..n)` to `*out` as AppendSorted does and returns their fingerprint: in one pass
// when they arrive sorted (AppendAscendingFingerprinted), else sorted, then fingerprinted. What
// Append, FinishLabels and SortLabels all do.
inline Fingerprint AppendSortedFingerprinted(const Label* in, size_t n, std::vector<Label>* out) {
  Fingerprint fingerprint;
  if (n <= kSmallLabelCount && AppendAscendingFingerprinted(in, n, out, &fingerprint)) return fingerprint;
  const size_t begin = out->size();
  AppendSorted(in, n, out);
  return Fingerprint::Of(LabelView(out->data() + begin, out->size() - begin));
}

}  // namespace

void SignalBatch::FinishLabels() {
  Signal& s = signals_.back();
  const size_t n = s.labels_count;
  // Sorted into scratch, then back over the signal's labels (AppendSorted reads from a pool that
  // must not grow under it).
  scratch_.clear();
  s.fingerprint = AppendSortedFingerprinted(labels_.data() + s.labels_begin, n, &scratch_);
  labels_.resize(s.labels_begin);
  labels_.insert(labels_.end(), scratch_.begin(), scratch_.end());
  s.labels_count = static_cast<uint32_t>(scratch_.size());
  s.annotations_begin = static_cast<uint32_t>(labels_.size());
  s.annotations_count = 0;
}

[[gnu::hot]] void SignalBatch::Append(const Signal& signal, std::span<const Label> labels,
                         std::span<const Label> annotations) {
  Signal& s = signals_.emplace_back(signal);
  s.labels_begin = static_cast<uint32_t>(labels_.size());
  s.fingerprint = AppendSortedFingerprinted(labels.data(), labels.size(), &labels_);
  s.labels_count = static_cast<uint32_t>(labels_.size() - s.labels_begin);
  s.annotations_begin = static_cast<uint32_t>(labels_.size());
  s.annotations_count = static_cast<uint32_t>(annotations.size());
  labels_.insert(labels_.end(), annotations.begin(), annotations.end());
}

void SignalBatch::SortLabels(std::span<const Label> labels, SortedLabels* out) {
  out->labels.clear();
  out->fingerprint = AppendSortedFingerprinted(labels.data(), labels.size(), &out->labels);
}

[[gnu::hot]] void SignalBatch::AppendWithSortedLabels(const Signal& signal, const SortedLabels& labels,
                                                      std::span<const Label> annotations) {
  Signal& s = signals_.emplace_back(signal);
  s.labels_begin = static_cast<uint32_t>(labels_.size());
  s.labels_count = static_cast<uint32_t>(labels.labels.size());
  s.fingerprint = labels.fingerprint;
  labels_.insert(labels_.end(), labels.labels.begin(), labels.labels.end());
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
  dropped_annotations_ = 0;
}

}  // namespace quell::core
