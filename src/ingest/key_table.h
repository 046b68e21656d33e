// src/ingest/key_table.h
//
// KeyTable: maps the JSON keys a parser knows to small integer ids, for a switch over the field
// instead of a chain of string compares. Keys are bucketed by length; each entry holds two words
// that together carry all the bytes of a key of up to 16 (its first and last 8, overlapping; 4-byte
// words or the bytes when shorter), so a lookup compares two integers per candidate of its
// length, without following a pointer to the stored key or calling memcmp. Keys over 16 bytes also
// compare their middle. OTLP keys are added in lowerCamelCase and get their snake_case spelling
// too (AddOtlp), as protojson accepts both.
//
// Built once (a parser's constructor, or a function-local static), then read-only: Find is
// thread-safe on a built table. Finding allocates nothing and reads only the key's own bytes.
#ifndef QUELL_INGEST_KEY_TABLE_H_
#define QUELL_INGEST_KEY_TABLE_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/unaligned.h"
namespace quell::ingest {

class KeyTable {
 public:
  static constexpr size_t kMaxKey = 127;  // Longer keys are never found.

  KeyTable() = default;
  KeyTable(std::initializer_list<std::pair<std::string_view, int>> keys) {
    for (const auto& [k, id] : keys) Add(k, id);
  }

  // Adds `key` -> `id` (>= 0). A key added twice keeps its first id. Keys longer than kMaxKey
  // are ignored.
  void Add(std::string_view key, int id);
  // Adds `camel` and its snake_case spelling ("timeUnixNano" and "time_unix_nano").
  void AddOtlp(std::string_view camel, int id);

  // The id of `key`, or -1.
  int Find(std::string_view key) const {
    const size_t n = key.size();
    if (n > kMaxKey) return -1;
    const uint32_t end = begin_[n + 1];
    if (begin_[n] == end) return -1;
    uint64_t a, b;
    Words(key.data(), n, &a, &b);
    for (uint32_t i = begin_[n]; i < end; ++i) {
      const Slot& s = slots_[i];
      if (s.a == a && s.b == b &&
          (n <= 16 || std::memcmp(entries_[s.entry].key.data() + 8, key.data() + 8, n - 16) == 0)) {
        return s.id;
      }
    }
    return -1;
  }

 private:
  // Two words that hold every byte of a key of up to 16 bytes (overlapping when shorter than 16);
  // reads only bytes of the key.
  static void Words(const char* p, size_t n, uint64_t* a, uint64_t* b) {
    if (n >= 8) {
      *a = core::Load64(p);
      *b = core::Load64(p + n - 8);
    } else if (n >= 4) {
      *a = core::Load32(p);
      *b = core::Load32(p + n - 4);
    } else {
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
      *a = v;
      *b = 0;
    }
  }
  void Rebuild();

  struct Entry {
    std::string key;
    int id;
  };
  struct Slot {
    uint64_t a = 0, b = 0;    // Words(key).
    uint32_t entry = 0;       // Its entries_ index (the whole key, for keys over 16 bytes).
    int id = -1;
  };
  std::vector<Entry> entries_;  // In the order added.
  std::vector<Slot> slots_;     // Sorted by key length.
  std::array<uint32_t, kMaxKey + 2> begin_{};  // slots_[begin_[n], begin_[n + 1]) have length n.
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_KEY_TABLE_H_
