// src/core/strings.h
//
// Small string helpers. Debian 12's Abseil is built with its own absl::string_view (not an alias
// of std::string_view), so absl::StrCat/StrJoin/EqualsIgnoreCase do not take std::string_view.
// Quell code uses std::string_view everywhere, formats with fmt (fmt::format, fmt::join), and
// converts at the few absl boundaries with ToAbsl()/FromAbsl().
#ifndef QUELL_CORE_STRINGS_H_
#define QUELL_CORE_STRINGS_H_

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

}  // namespace quell::core

#endif  // QUELL_CORE_STRINGS_H_
