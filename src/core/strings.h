// src/core/strings.h
//
// Small string helpers. Debian 12's Abseil is built with its own absl::string_view (not an alias
// of std::string_view), so absl::StrCat/StrJoin/EqualsIgnoreCase do not take std::string_view.
// Quell code uses std::string_view everywhere, formats with fmt (fmt::format, fmt::join), and
// converts at the few absl boundaries with ToAbsl()/FromAbsl().
#ifndef QUELL_CORE_STRINGS_H_
#define QUELL_CORE_STRINGS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "absl/strings/string_view.h"

namespace quell::core {

inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view FromAbsl(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// ASCII case-insensitive equality.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// An ASCII-lowercased copy of at most the first N bytes of a string, on the stack: matching a
// short keyword case-insensitively against several candidates lowercases once, then compares
// exactly (a length test first). `view()` is the lowercased prefix; `complete()` is false when
// the input was longer than N (a longer input can still be tested for a prefix).
template <size_t N>
class LowerAsciiPrefix {
 public:
  explicit LowerAsciiPrefix(std::string_view s) : size_(s.size() < N ? s.size() : N), complete_(s.size() <= N) {
    for (size_t i = 0; i < size_; ++i) {
      char c = s[i];
      buf_[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    }
  }
  std::string_view view() const { return std::string_view(buf_, size_); }
  bool complete() const { return complete_; }

 private:
  char buf_[N];
  size_t size_;
  bool complete_;
};

// A keyword as a template argument (StartsWithLower<"triggered">), so that its 8-byte words are
// compile-time constants.
template <size_t N>
struct Keyword {
  char text[N];
  consteval Keyword(const char (&s)[N]) {  // NOLINT: implicit, for StartsWithLower<"...">.
    for (size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  static constexpr size_t size() { return N - 1; }
  // The bytes at [from, from + 8) (zero past the end) as a little-endian word; with `mask`, 0x20
  // in each letter's byte instead (the bit that tells a letter's cases apart).
  constexpr uint64_t Word(size_t from, bool mask) const {
    uint64_t w = 0;
    for (size_t i = 0; i < 8 && from + i < N - 1; ++i) {
      const auto c = static_cast<unsigned char>(text[from + i]);
      const uint64_t b = mask ? ((c >= 'a' && c <= 'z') ? 0x20 : 0) : c;
      w |= b << (8 * i);
    }
    return w;
  }
};

// True iff `s` starts with `K` (lowercase ASCII letters and other bytes, 1-16 of them), ignoring
// ASCII case (letters only: every other byte must match exactly). One or two word compares
// against constants: no lowercased copy, no byte loop.
template <Keyword K>
bool StartsWithLower(std::string_view s) {
  constexpr size_t n = K.size();
  static_assert(n >= 1 && n <= 16);
  if (s.size() < n) return false;
  constexpr size_t second = n <= 8 ? 0 : n - 8;  // Two overlapping words past 8 bytes.
  constexpr uint64_t mask0 = K.Word(0, true), word0 = K.Word(0, false);
  constexpr uint64_t mask1 = K.Word(second, true), word1 = K.Word(second, false);
  uint64_t x0 = 0;
  std::memcpy(&x0, s.data(), n < 8 ? n : 8);
  uint64_t diff = (x0 | mask0) ^ word0;
  if constexpr (n > 8) {
    uint64_t x1;
    std::memcpy(&x1, s.data() + second, 8);
    diff |= (x1 | mask1) ^ word1;
  }
  return diff == 0;
}

// True iff `s` is `K`, ignoring ASCII case (StartsWithLower plus the length).
template <Keyword K>
bool EqualsLower(std::string_view s) {
  return s.size() == K.size() && StartsWithLower<K>(s);
}

}  // namespace quell::core

#endif  // QUELL_CORE_STRINGS_H_
