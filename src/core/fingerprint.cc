#include "core/fingerprint.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/fingerprint_encoding.h"
#include "fmt/format.h"
// xxHash's header-only mode: XXH3 inlined here instead of called in libxxhash (same algorithm,
// same values; the pinned fingerprints in fingerprint_test hold).
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace quell::core {

namespace fingerprint_internal {
uint64_t Hash(const char* p, size_t n) { return XXH3_64bits(p, n); }
}  // namespace fingerprint_internal

namespace {

using fingerprint_internal::kSlack;
using fingerprint_internal::PutField;

// A thread_local buffer of at least `n` bytes: hashing allocates only while it grows to the
// largest label set seen by the thread.
char* ScratchBytes(size_t n) {
  thread_local std::vector<char> buf(1024);
  if (buf.size() < n) buf.resize(std::max(n, buf.size() * 2));
  return buf.data();
}

// Of for a set whose encoding outgrows FingerprintEncoder's buffer: sized first, then encoded in
// the thread's scratch buffer.
[[gnu::noinline]] Fingerprint OfLarge(LabelView labels) {
  size_t total = 0;
  for (const Label& l : labels) total += 8 + l.name.size() + l.value.size();
  char* const buf = ScratchBytes(total + kSlack);
  char* w = buf;
  for (const Label& l : labels) {
    w = PutField(w, l.name);
    w = PutField(w, l.value);
  }
  return Fingerprint::FromValue(XXH3_64bits(buf, static_cast<size_t>(w - buf)));
}

}  // namespace

[[gnu::hot]] Fingerprint Fingerprint::Of(LabelView labels) {
  FingerprintEncoder e;
  for (const Label& l : labels) {
    if (!e.Add(l)) [[unlikely]] return OfLarge(labels);
  }
  return e.Finish();
}

Fingerprint Fingerprint::OfSubset(LabelView labels, std::span<const std::string> names) {
  size_t total = 0;
  for (const std::string& name : names) total += 8 + name.size() + FindLabel(labels, name).size();
  char* const buf = ScratchBytes(total + kSlack);
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
