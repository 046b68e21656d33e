#include "core/fingerprint.h"

#include <cstring>
#include <string>

#include "fmt/format.h"
#include "xxhash.h"

namespace quell::core {
namespace {

// Appends the length-prefixed encoding of one label. The buffer is thread_local and reused, so
// hashing allocates only while it grows to the largest label set seen by the thread.
inline void AppendField(std::string& buf, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  char len[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                 static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
  buf.append(len, 4);
  buf.append(s.data(), s.size());
}

std::string& ScratchBuffer() {
  thread_local std::string buf;
  buf.clear();
  return buf;
}

}  // namespace

Fingerprint Fingerprint::Of(LabelView labels) {
  std::string& buf = ScratchBuffer();
  for (const Label& l : labels) {
    AppendField(buf, l.name);
    AppendField(buf, l.value);
  }
  return Fingerprint(XXH3_64bits(buf.data(), buf.size()));
}

Fingerprint Fingerprint::OfSubset(LabelView labels, std::span<const std::string> names) {
  std::string& buf = ScratchBuffer();
  for (const std::string& name : names) {
    AppendField(buf, name);
    AppendField(buf, FindLabel(labels, name));
  }
  return Fingerprint(XXH3_64bits(buf.data(), buf.size()));
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
