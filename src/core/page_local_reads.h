// src/core/page_local_reads.h
//
// Reads of a fixed width from the start of a short string that may run past the string's end,
// used where that width spares a branch on the string's length in a hot loop (label sorting, the
// fingerprint's encoding). They are safe only where the whole read stays on the string's 4 KiB
// page: memory is mapped and protected in whole pages (4 KiB or larger), so such a read cannot
// fault. Callers test ReadStaysOnPage first and take an exact path otherwise (about 1% of
// strings). The bytes read past the end are never used: masked off, or overwritten by the
// caller.
//
// AddressSanitizer would report those bytes as an overflow, so the functions that read them are
// exempt from it, and in sanitizer builds they are not inlined (an inlined copy would take on its
// caller's instrumentation). Tests place strings at the very end of a page whose successor is
// unmapped (tests/testing/page_edge.h), so a wrong page check faults.
//
// Thread-safety: stateless functions.
#ifndef QUELL_CORE_PAGE_LOCAL_READS_H_
#define QUELL_CORE_PAGE_LOCAL_READS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define QUELL_PAGE_LOCAL_READ [[gnu::noinline, gnu::no_sanitize_address]]
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUELL_PAGE_LOCAL_READ [[gnu::noinline, gnu::no_sanitize_address]]
#endif
#endif
#ifndef QUELL_PAGE_LOCAL_READ
#define QUELL_PAGE_LOCAL_READ [[gnu::always_inline]]
#endif

namespace quell::core {

// True iff the `width` bytes from `p` lie on p's 4 KiB page. A null `p` (an empty view's) is on
// page 0, which is never mapped: callers must not read through it even when this says true.
template <size_t width>
inline bool ReadStaysOnPage(const char* p) {
  static_assert(width <= 4096);
  return (reinterpret_cast<uintptr_t>(p) & 4095) <= 4096 - width;
}

// The 8 bytes at `p`, with every byte from the n-th on cleared (n < 8), as a little-endian word.
// REQUIRES: ReadStaysOnPage<8>(p), p != nullptr.
QUELL_PAGE_LOCAL_READ inline uint64_t LoadPrefix64(const char* p, size_t n) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if (n < 8) v &= (uint64_t{1} << (8 * n)) - 1;
  return v;
}

// Copies the 32 bytes at `src` to `dst`. REQUIRES: ReadStaysOnPage<32>(src), src != nullptr,
// 32 writable bytes at `dst`.
QUELL_PAGE_LOCAL_READ inline void Copy32(char* dst, const char* src) {
#if defined(__AVX2__)
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
#elif defined(__SSE2__)
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), b);
#else
  char block[32];
  std::memcpy(block, src, 32);
  std::memcpy(dst, block, 32);
#endif
}

// Copy32(dst, src), returning LoadPrefix64(src, n) from the same load: one read of a short name
// both copies it into a fingerprint encoding and gives its sort prefix.
// REQUIRES: as Copy32.
QUELL_PAGE_LOCAL_READ inline uint64_t Copy32Prefix64(char* dst, const char* src, size_t n) {
  uint64_t v;
#if defined(__AVX2__)
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), a);
  v = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm256_castsi256_si128(a)));
#elif defined(__SSE2__)
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), b);
  v = static_cast<uint64_t>(_mm_cvtsi128_si64(a));
#else
  char block[32];
  std::memcpy(block, src, 32);
  std::memcpy(dst, block, 32);
  std::memcpy(&v, block, 8);
#endif
  if (n < 8) v &= (uint64_t{1} << (8 * n)) - 1;
  return v;
}

}  // namespace quell::core

#endif  // QUELL_CORE_PAGE_LOCAL_READS_H_
