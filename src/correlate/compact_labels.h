// src/correlate/compact_labels.h
//
// CompactLabels: a label set packed into one heap block for engine state, where a LabelSet (a
// 32-byte Label per entry plus a string block) would dominate memory per fingerprint. Layout:
// u16 count, then per label u16 name length, name, u16 value length, value (native endian; an
// in-memory form only, never persisted: the snapshot format re-encodes labels explicitly).
// Names/values longer than 65535 bytes are truncated. Decode() writes views into a caller's
// scratch vector (no allocation once its capacity suffices), valid while this object lives.
// Not thread-safe; a plain owning value (move-only).
#ifndef QUELL_CORRELATE_COMPACT_LABELS_H_
#define QUELL_CORRELATE_COMPACT_LABELS_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/label.h"
#include "core/label_set.h"

namespace quell::correlate {

class CompactLabels {
 public:
  CompactLabels() = default;
  explicit CompactLabels(core::LabelView labels) { Assign(labels); }
  CompactLabels(CompactLabels&&) noexcept = default;
  CompactLabels& operator=(CompactLabels&&) noexcept = default;

  void Assign(core::LabelView labels) {
    size_t n = 2;
    for (const core::Label& l : labels) n += 4 + Clamp(l.name.size()) + Clamp(l.value.size());
    data_.reset(new char[n]);
    char* p = data_.get();
    Put16(&p, static_cast<uint16_t>(labels.size()));
    for (const core::Label& l : labels) {
      PutStr(&p, l.name);
      PutStr(&p, l.value);
    }
  }
  bool empty() const { return data_ == nullptr || Count() == 0; }
  size_t Count() const {
    if (data_ == nullptr) return 0;
    uint16_t c;
    std::memcpy(&c, data_.get(), 2);
    return c;
  }
  // Replaces *out with views of the labels (sorted as given to Assign).
  void Decode(std::vector<core::Label>* out) const {
    out->clear();
    if (data_ == nullptr) return;
    const char* p = data_.get();
    uint16_t c = Get16(&p);
    for (uint16_t i = 0; i < c; ++i) {
      core::Label l;
      l.name = GetStr(&p);
      l.value = GetStr(&p);
      out->push_back(l);
    }
  }
  core::LabelSet ToLabelSet() const {
    std::vector<core::Label> tmp;
    Decode(&tmp);
    return core::LabelSet(core::LabelView(tmp));
  }
  // Heap bytes held (for memory accounting).
  size_t HeapBytes() const {
    if (data_ == nullptr) return 0;
    std::vector<core::Label> tmp;
    Decode(&tmp);
    size_t n = 2;
    for (const core::Label& l : tmp) n += 4 + l.name.size() + l.value.size();
    return n;
  }

 private:
  static size_t Clamp(size_t n) { return n > 0xFFFF ? 0xFFFF : n; }
  static void Put16(char** p, uint16_t v) {
    std::memcpy(*p, &v, 2);
    *p += 2;
  }
  static void PutStr(char** p, std::string_view s) {
    uint16_t n = static_cast<uint16_t>(Clamp(s.size()));
    Put16(p, n);
    if (n > 0) std::memcpy(*p, s.data(), n);
    *p += n;
  }
  static uint16_t Get16(const char** p) {
    uint16_t v;
    std::memcpy(&v, *p, 2);
    *p += 2;
    return v;
  }
  static std::string_view GetStr(const char** p) {
    uint16_t n = Get16(p);
    std::string_view s(*p, n);
    *p += n;
    return s;
  }
  std::unique_ptr<char[]> data_;
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_COMPACT_LABELS_H_
