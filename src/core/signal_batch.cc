#include "core/signal_batch.h"

#include <algorithm>

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

// Byte order, as std::string_view's operator< (memcmp: unsigned bytes), deciding on the first byte
// without a memcmp call when it differs, as it does for most label names.
inline bool NameLess(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  return a < b;
}

}  // namespace

void SignalBatch::FinishLabels() {
  Signal& s = signals_.back();
  auto begin = labels_.begin() + s.labels_begin;
  auto end = begin + s.labels_count;
  // Stable, so that among equal names the last added stays last. Insertion sort for the short,
  // nearly sorted label lists parsers produce: in place, no allocation (std::stable_sort
  // allocates a buffer).
  if (s.labels_count <= 64) {
    for (auto i = begin + 1; i < end; ++i) {
      Label v = *i;
      auto j = i;
      while (j != begin && NameLess(v.name, (j - 1)->name)) {
        *j = *(j - 1);
        --j;
      }
      *j = v;
    }
  } else {
    std::stable_sort(begin, end, [](const Label& a, const Label& b) { return a.name < b.name; });
  }
  auto out = begin;
  for (auto it = begin; it != end; ++it) {
    if (it + 1 != end && (it + 1)->name == it->name) continue;  // A later one wins.
    if (it->value.empty()) continue;
    *out++ = *it;
  }
  s.labels_count = static_cast<uint32_t>(out - begin);
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
