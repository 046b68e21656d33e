// src/ingest/key_table.h
//
// KeyTable: maps the JSON keys a parser knows to small integer ids, for a switch over the field
// instead of a chain of string compares. Keys are bucketed by length; a lookup compares the
// key only with the entries of its length, by two overlapping 8-byte (or 4-byte) words, so a
// lookup of a key up to 16 bytes makes no call and touches one bucket. OTLP keys are added in
// lowerCamelCase and get their snake_case spelling too (AddOtlp), as protojson accepts both.
//
// Built once (a parser's constructor, or a function-local static), then read-only: Find is
// thread-safe on a built table. Finding allocates nothing.
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
    for (uint32_t i = begin_[n]; i < begin_[n + 1]; ++i) {
      if (Equal(entries_[i].key.data(), key.data(), n)) return entries_[i].id;
    }
    return -1;
  }

  // Equality of `n` bytes at `a` and `b` without a call for n <= 16.
  static bool Equal(const char* a, const char* b, size_t n) {
    if (n >= 8) {
      if (Load64(a) != Load64(b) || Load64(a + n - 8) != Load64(b + n - 8)) return false;
      return n <= 16 || std::memcmp(a + 8, b + 8, n - 16) == 0;
    }
    if (n >= 4) return Load32(a) == Load32(b) && Load32(a + n - 4) == Load32(b + n - 4);
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

 private:
  static uint64_t Load64(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static uint32_t Load32(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  void Rebuild();

  struct Entry {
    std::string key;
    int id;
  };
  std::vector<Entry> entries_;             // Sorted by key length.
  std::array<uint32_t, kMaxKey + 2> begin_{};  // entries_[begin_[n], begin_[n + 1]) have length n.
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_KEY_TABLE_H_
