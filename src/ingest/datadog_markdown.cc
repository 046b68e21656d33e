#include "ingest/datadog_markdown.h"

#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "core/page_local_reads.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

namespace {

// The spaces TrimSpaces trims.
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// TrimSpaces for JSON string text, escapes not decoded, on [*b, *e): a space is there either as
// itself or as one of the escapes \n, \r and \t. From the left, escapes are read as a decoder reads
// them. From the right, the "\n" that ends "\\n" (an escaped backslash, then n) is trimmed as if it
// were an escape: what is left then ends with a backslash, which StripEscapedMarkdownFences
// declines. Otherwise every backslash trimmed from the right follows a character that is not a
// backslash, so it starts an escape as a decoder reads it.
[[gnu::always_inline]] inline void TrimEscapedSpaces(const char** b, const char** e) {
  auto space_escape = [](char c) { return c == 'n' || c == 'r' || c == 't'; };
  const char* l = *b;
  const char* r = *e;
  for (;;) {
    if (l < r && IsSpace(*l)) {
      ++l;
    } else if (r - l >= 2 && l[0] == '\\' && space_escape(l[1])) {
      l += 2;
    } else {
      break;
    }
  }
  for (;;) {
    if (l < r && IsSpace(r[-1])) {
      --r;
    } else if (r - l >= 2 && r[-2] == '\\' && space_escape(r[-1])) {
      r -= 2;
    } else {
      break;
    }
  }
  *b = l;
  *e = r;
}

#if defined(__AVX2__)
// Bit i is set iff byte i of the 64 at `p` is a backslash. REQUIRES: core::ReadStaysOnPage<64>(p)
// (the bytes past a shorter string are read: its caller masks their bits off).
QUELL_PAGE_LOCAL_READ inline uint64_t BackslashBits64(const char* p) {
  const __m256i backslash = internal::Splat32(internal::kByteSplats.backslash);
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  return uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, backslash)))} |
         (uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, backslash)))} << 32);
}
#endif

// True iff one of the `n` bytes at `p` is a backslash.
bool HasBackslash(const char* p, size_t n) {
#if defined(__AVX2__)
  if (n < 64 && core::ReadStaysOnPage<64>(p)) return (BackslashBits64(p) & ((uint64_t{1} << n) - 1)) != 0;
#endif
  return n != 0 && std::memchr(p, '\\', n) != nullptr;
}

}  // namespace

std::string_view StripMarkdownFences(std::string_view text) {
  text = TrimSpaces(text);
  if (text.size() >= 3 && text.substr(0, 3) == "%%%") text = TrimSpaces(text.substr(3));
  if (text.size() >= 3 && text.substr(text.size() - 3) == "%%%") text = TrimSpaces(text.substr(0, text.size() - 3));
  return text;
}

[[gnu::hot]] bool StripEscapedMarkdownFences(std::string_view json_text, std::string_view* message) {
  const char* b = json_text.data();
  const char* e = b + json_text.size();
  // Datadog's own shape, "%%%\n" message "\n%%%" with no space at the message's ends, without the
  // trimming loops: the steps below give the same message for it.
  if (e - b >= 11 && std::memcmp(b, "%%%\\n", 5) == 0 && std::memcmp(e - 5, "\\n%%%", 5) == 0) {
    const char* mb = b + 5;
    const char* me = e - 5;
    if (!IsSpace(*mb) && !IsSpace(me[-1]) && !HasBackslash(mb, static_cast<size_t>(me - mb))) [[likely]] {
      *message = std::string_view(mb, static_cast<size_t>(me - mb));
      return true;
    }
  }
  // StripMarkdownFences's steps, with TrimEscapedSpaces for TrimSpaces.
  TrimEscapedSpaces(&b, &e);
  if (e - b >= 3 && b[0] == '%' && b[1] == '%' && b[2] == '%') {
    b += 3;
    TrimEscapedSpaces(&b, &e);
  }
  if (e - b >= 3 && e[-3] == '%' && e[-2] == '%' && e[-1] == '%') {
    e -= 3;
    TrimEscapedSpaces(&b, &e);
  }
  const size_t n = static_cast<size_t>(e - b);
  if (HasBackslash(b, n)) return false;
  *message = std::string_view(b, n);
  return true;
}

}  // namespace quell::ingest
