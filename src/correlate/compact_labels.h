// src/correlate/compact_labels.h
//
// LabelNameTable and CompactLabels: an alert's label set and annotations packed into one heap
// block for engine state, where a LabelSet (a 32-byte Label per entry plus a string block) would
// dominate memory per fingerprint.
//
// LabelNameTable interns label and annotation *names* per shard ("alertname", "service",
// "summary" repeat across every fingerprint): a name becomes a u16 id. Names are never removed
// (there are few distinct ones); past kMaxNames names or kMaxBytes bytes of name text, new names
// are stored inline in each block instead, so a flood of distinct names cannot grow the table
// without bound. Values are stored inline (most are distinct per fingerprint).
//
// CompactLabels layout (native endian; an in-memory form only, never persisted: the snapshot
// format re-encodes labels explicitly): u16 label count, u16 annotation count, then per entry
// u16 name id (kInline: u16 length + name bytes follow), u16 value length, value. Names/values
// longer than 65535 bytes are truncated. Decode() writes views into a caller's scratch vector (no
// allocation once its capacity suffices), valid while this object and the table live.
//
// Not thread-safe: one shard thread owns a table and its blocks. CompactLabels is move-only.
#ifndef QUELL_CORRELATE_COMPACT_LABELS_H_
#define QUELL_CORRELATE_COMPACT_LABELS_H_

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/label.h"
#include "core/label_set.h"
#include "xxhash.h"

namespace quell::correlate {

class LabelNameTable {
 public:
  static constexpr uint16_t kInline = 0xFFFF;
  static constexpr size_t kMaxNames = 0xFFFE;
  static constexpr size_t kMaxBytes = size_t{1} << 20;

  // Returns the id of `name`, interning it if there is room; kInline when the table is full.
  uint16_t Intern(std::string_view name) {
    uint64_t h = XXH3_64bits(name.data(), name.size());
    auto it = ids_.find(h);
    if (it != ids_.end()) return names_[it->second] == name ? it->second : kInline;  // Hash clash: inline.
    if (names_.size() >= kMaxNames || bytes_ + name.size() > kMaxBytes) return kInline;
    uint16_t id = static_cast<uint16_t>(names_.size());
    names_.emplace_back(name);
    bytes_ += name.size();
    ids_.emplace(h, id);
    return id;
  }
  // REQUIRES: `id` was returned by Intern() and is not kInline.
  std::string_view Name(uint16_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;  // A deque: views into its strings stay valid as it grows.
  absl::flat_hash_map<uint64_t, uint16_t> ids_;
  size_t bytes_ = 0;
};

class CompactLabels {
 public:
  CompactLabels() = default;
  CompactLabels(CompactLabels&&) noexcept = default;
  CompactLabels& operator=(CompactLabels&&) noexcept = default;

  // Replaces the contents; interns names in `*names`.
  void Assign(core::LabelView labels, core::LabelView annotations, LabelNameTable* names) {
    size_t n = 4;
    for (core::LabelView part : {labels, annotations}) {
      for (const core::Label& l : part) {
        n += 4 + Clamp(l.value.size());
        if (names->Intern(l.name) == LabelNameTable::kInline) n += 2 + Clamp(l.name.size());
      }
    }
    // Into a new block first: `labels` may view the old one.
    std::unique_ptr<char[]> block(new char[n]);
    char* p = block.get();
    Put16(&p, static_cast<uint16_t>(labels.size()));
    Put16(&p, static_cast<uint16_t>(annotations.size()));
    for (core::LabelView part : {labels, annotations}) {
      for (const core::Label& l : part) {
        uint16_t id = names->Intern(l.name);  // A lookup now: the same id as in the sizing pass.
        Put16(&p, id);
        if (id == LabelNameTable::kInline) PutStr(&p, l.name);
        PutStr(&p, l.value);
      }
    }
    data_ = std::move(block);
  }
  bool empty() const { return data_ == nullptr || Count() == 0; }
  size_t Count() const { return data_ == nullptr ? 0 : Peek16(data_.get()); }
  // Replaces *out with views of the labels (sorted as given to Assign).
  void Decode(const LabelNameTable& names, std::vector<core::Label>* out) const { DecodePart(names, 0, out); }
  // Replaces *out with views of the annotations.
  void DecodeAnnotations(const LabelNameTable& names, std::vector<core::Label>* out) const {
    DecodePart(names, 1, out);
  }
  // Heap bytes requested for the block (for accounting; malloc adds its own overhead).
  size_t HeapBytes() const {
    if (data_ == nullptr) return 0;
    const char* p = data_.get();
    uint16_t labels = Get16(&p);
    uint16_t annotations = Get16(&p);
    for (int i = 0; i < labels + annotations; ++i) {
      if (Get16(&p) == LabelNameTable::kInline) GetStr(&p);
      GetStr(&p);
    }
    return static_cast<size_t>(p - data_.get());
  }

 private:
  static size_t Clamp(size_t n) { return n > 0xFFFF ? 0xFFFF : n; }
  static uint16_t Peek16(const char* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
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
    uint16_t v = Peek16(*p);
    *p += 2;
    return v;
  }
  static std::string_view GetStr(const char** p) {
    uint16_t n = Get16(p);
    std::string_view s(*p, n);
    *p += n;
    return s;
  }
  void DecodePart(const LabelNameTable& names, int part, std::vector<core::Label>* out) const {
    out->clear();
    if (data_ == nullptr) return;
    const char* p = data_.get();
    uint16_t counts[2] = {Get16(&p), Get16(&p)};
    for (int k = 0; k <= part; ++k) {
      for (uint16_t i = 0; i < counts[k]; ++i) {
        core::Label l;
        uint16_t id = Get16(&p);
        l.name = id == LabelNameTable::kInline ? GetStr(&p) : names.Name(id);
        l.value = GetStr(&p);
        if (k == part) out->push_back(l);
      }
    }
  }
  std::unique_ptr<char[]> data_;
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_COMPACT_LABELS_H_
