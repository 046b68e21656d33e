#include "core/fingerprint.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/unaligned.h"
#include "fmt/format.h"
// xxHash's header-only mode: XXH3 inlined here instead of called in libxxhash (same algorithm,
// same values; the pinned fingerprints in fingerprint_test hold).
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace quell::core {
namespace {

// Copies n bytes without a library call when n < 16 (label names and most values): two
// overlapping words, read only inside [src, src+n). A memcpy call per string was about half the
// cost of fingerprinting a webhook's labels (BM_FingerprintOf; bench/results/parsers.md).
inline void CopyBytes(char* dst, const char* src, size_t n) {
  if (n >= 16) {
    std::memcpy(dst, src, n);
  } else if (n >= 8) {
    const uint64_t a = Load64(src), b = Load64(src + n - 8);
    Store64(dst, a);
    Store64(dst + n - 8, b);
  } else if (n >= 4) {
    const uint32_t a = Load32(src), b = Load32(src + n - 4);
    Store32(dst, a);
    Store32(dst + n - 4, b);
  } else if (n > 0) {
    const char a = src[0], b = src[n / 2], c = src[n - 1];
    dst[0] = a;
    dst[n / 2] = b;
    dst[n - 1] = c;
  }
}

// Writes the length-prefixed encoding of one string (4-byte little-endian length, then the bytes)
// at `w` and returns the end. Callers size the buffer once (ScratchBytes) and write through it.
inline char* PutField(char* w, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  w[0] = static_cast<char>(n & 0xff);
  w[1] = static_cast<char>((n >> 8) & 0xff);
  w[2] = static_cast<char>((n >> 16) & 0xff);
  w[3] = static_cast<char>((n >> 24) & 0xff);
  CopyBytes(w + 4, s.data(), s.size());  // An empty view may hold nullptr: nothing is read.
  return w + 4 + s.size();
}

// A thread_local buffer of at least `n` bytes: hashing allocates only while it grows to the
// largest label set seen by the thread.
char* ScratchBytes(size_t n) {
  thread_local std::vector<char> buf(1024);
  if (buf.size() < n) buf.resize(std::max(n, buf.size() * 2));
  return buf.data();
}

}  // namespace

[[gnu::hot]] Fingerprint Fingerprint::Of(LabelView labels) {
  size_t total = 0;
  for (const Label& l : labels) total += 8 + l.name.size() + l.value.size();
  char stack[512];  // Most label sets; larger ones use the thread's scratch buffer.
  char* const buf = total <= sizeof(stack) ? stack : ScratchBytes(total);
  char* w = buf;
  for (const Label& l : labels) {
    w = PutField(w, l.name);
    w = PutField(w, l.value);
  }
  return Fingerprint(XXH3_64bits(buf, static_cast<size_t>(w - buf)));
}

Fingerprint Fingerprint::OfSubset(LabelView labels, std::span<const std::string> names) {
  size_t total = 0;
  for (const std::string& name : names) total += 8 + name.size() + FindLabel(labels, name).size();
  char* const buf = ScratchBytes(total);
  char* w = buf;
  for (const std::string& name : names) {
    w = PutField(w, name);
    w = PutField(w, FindLabel(labels, name));
  }
  return Fingerprint(XXH3_64bits(buf, static_cast<size_t>(w - buf)));
}

absl::StatusOr<Fingerprint> Fingerprint::Parse(std::string_view hex) {
  if (hex.size() != 16) {
    return absl::InvalidArgumentError(fmt::format("fingerprint \"{}\": want 16 hex digits", hex));
  }
  uint64_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return absl::InvalidArgumentError(fmt::format("fingerprint \"{}\": not hex", hex));
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return Fingerprint(v);
}

std::string Fingerprint::ToString() const { return fmt::format("{:016x}", value_); }

uint64_t AlertmanagerFingerprint(LabelView labels) {
  constexpr uint64_t kOffset = 14695981039346656037ULL;
  constexpr uint64_t kPrime = 1099511628211ULL;
  uint64_t h = kOffset;
  auto add = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= kPrime;
    }
    h ^= 0xff;
    h *= kPrime;
  };
  for (const Label& l : labels) {
    add(l.name);
    add(l.value);
  }
  return h;
}

}  // namespace quell::core
