// src/ingest/key_order.h
//
// KeyOrder: remembers the order in which a parser's records present their top-level keys and
// checks each raw key of the next record against the key that came at the same position last
// time. The records of one stream come from one template or one exporter (a Datadog webhook
// payload, an SDK's serializer), so their keys arrive in the same order; a hit is one masked
// 32-byte compare of the key's bytes (AVX2) and gives the key's id without scanning for the
// key's end or looking it up. A miss (another template, an added or reordered field) falls back to
// the caller's lookup and relearns that one position; positions are independent, so one odd field
// costs one miss per record, not the rest of the record.
//
// Correctness does not depend on the order: a position predicts the raw bytes of a key that had no
// escapes, and a hit requires those exact bytes followed by the closing quote, which is the key
// the lookup would have read. Keys with escapes or over kMaxKey bytes are never predicted (their
// positions always miss).
//
// Use (one record at a time; `p` is field.key().raw(), just after the opening quote, in a buffer
// with simdjson's padding: Next reads up to 32 bytes from p):
//   size_t pos = 0;
//   for each field: if (!order.Next(&pos, p, &key, &id)) { key = KeyOf(...); id = table.Find(key);
//                                                         order.Learn(&pos, p, key, id); }
// The position is a local of the record function, in a register, rather than a member stored and
// reloaded per field.
//
// Thread-compatible: one per parser instance (parsers are not shared between threads). Allocates
// nothing after construction.
#ifndef QUELL_INGEST_KEY_ORDER_H_
#define QUELL_INGEST_KEY_ORDER_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/unaligned.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace quell::ingest {

class KeyOrder {
 public:
  static constexpr size_t kMaxPositions = 48;  // Fields past this position are never predicted.
  static constexpr size_t kMaxKey = 32;        // Longer keys are never predicted.

  // `*pos` is the record's current position, 0 at its first key, kept by the caller.
  //
  // If the raw key at `p` is the one learned for position `*pos`: sets `*key` (a view of it at
  // `p`) and `*id`, moves `*pos` to the next position and returns true. Otherwise returns false
  // and leaves `*pos` as it is, for Learn.
  bool Next(size_t* pos, const char* p, std::string_view* key, int* id) const {
    if (*pos >= kMaxPositions) return false;
    const Slot& s = slots_[*pos];
#if defined(__AVX2__)
    // One 32-byte compare of the key's bytes (the position's mask keeps those of its length).
    const __m256i got = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i want = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.bytes));
    const uint32_t equal = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(got, want)));
    if ((~equal & s.mask) != 0 || p[s.len] != '"') return false;
#else
    if (std::memcmp(p, s.bytes, s.len) != 0 || p[s.len] != '"') return false;
#endif
    *key = std::string_view(p, s.len);
    *id = s.id;
    ++*pos;
    return true;
  }

  // After a miss at position `*pos`: the key read there (`key`, from KeyOf: a view at `p` when the
  // raw key had no escapes) and its id. Relearns the position and moves `*pos` to the next.
  void Learn(size_t* pos, const char* p, std::string_view key, int id) {
    if (*pos >= kMaxPositions) return;
    Slot& s = slots_[(*pos)++];
    s = Slot{};
    if (key.data() != p || key.size() > kMaxKey) return;  // Escaped or long: never predicted.
    std::memcpy(s.bytes, key.data(), key.size());
    s.mask = key.size() >= 32 ? ~uint32_t{0} : (uint32_t{1} << key.size()) - 1;
    s.len = static_cast<uint32_t>(key.size());
    s.id = id;
  }

 private:
  // A position that never matches: it asks for a quote at p[0] and at p[1]. A raw key starts with
  // a quote only when it is empty, and then p[1] follows its closing quote (':' or whitespace).
  struct alignas(32) Slot {
    char bytes[kMaxKey] = {'"'};  // The key's bytes, zero-filled.
    uint32_t mask = 1;            // Bit i set for each byte i of the key.
    uint32_t len = 1;
    int id = -1;
  };
  std::array<Slot, kMaxPositions> slots_{};
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_KEY_ORDER_H_
