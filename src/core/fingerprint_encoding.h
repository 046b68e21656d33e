// src/core/fingerprint_encoding.h
//
// The bytes that a Fingerprint hashes (fingerprint.h has the definition), written by
// FingerprintEncoder: for each label in name order, u32 little-endian len(name) || name ||
// u32 little-endian len(value) || value. Fingerprint::Of encodes a whole label set with it; a
// caller that already walks a sorted label set for another reason (SignalBatch::Append checking
// the order) adds each label as it goes and hashes once at the end, instead of walking the set
// twice.
//
// Speed: a string of up to 32 bytes (every label name and most values) is copied as one 32-byte
// block, without a branch on its length: its excess bytes are overwritten by the next field or
// lie in the buffer's slack. The block may be read past the end of the string when that read
// stays on the string's page (page_local_reads.h); the bytes past the end are never hashed.
//
// Thread-safety: an encoder is a value on its user's stack; not shared.
#ifndef QUELL_CORE_FINGERPRINT_ENCODING_H_
#define QUELL_CORE_FINGERPRINT_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/fingerprint.h"
#include "core/label.h"
#include "core/page_local_reads.h"
#include "core/unaligned.h"

namespace quell::core {

namespace fingerprint_internal {

// Copies n bytes, reading only inside [src, src+n): two overlapping words below 16 bytes, else
// memcpy. An empty view may hold nullptr: nothing is read.
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

// Writes `n` as 4 little-endian bytes at `w` (one store).
inline void StoreLength(char* w, size_t n) {
  const uint32_t v = static_cast<uint32_t>(n);
  const char le[4] = {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff),
                      static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 24) & 0xff)};
  std::memcpy(w, le, 4);
}

// Bytes a buffer needs past the end of the encoding it holds (PutField's 32-byte blocks).
inline constexpr size_t kSlack = 32;

// Writes one length-prefixed string at `w` and returns the end of it. REQUIRES: kSlack bytes
// writable past that end.
inline char* PutField(char* w, std::string_view s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  StoreLength(w, n);
  if (n - 1 < 32 && ReadStaysOnPage<32>(s.data())) [[likely]] {  // 1-32 bytes (an empty view may be null).
    Copy32(w + 4, s.data());
  } else {
    CopyBytes(w + 4, s.data(), s.size());
  }
  return w + 4 + n;
}

// XXH3_64bits (seed 0) of `n` bytes (fingerprint.cc: xxHash inlined there).
uint64_t Hash(const char* p, size_t n);

}  // namespace fingerprint_internal

// Encodes labels one at a time, in the order given, into an inline buffer, then hashes them.
// REQUIRES: labels added in ascending name order with unique names (the encoding says nothing of
// order: a caller that adds them out of order gets another set's hash).
class FingerprintEncoder {
 public:
  // Largest encoding the inline buffer holds (8 bytes of lengths per label plus its bytes); a set
  // beyond it goes to Fingerprint::Of, which uses a growing thread-local buffer.
  static constexpr size_t kCapacity = 480;

  FingerprintEncoder() = default;
  FingerprintEncoder(const FingerprintEncoder&) = delete;  // w_ points into buf_.
  FingerprintEncoder& operator=(const FingerprintEncoder&) = delete;

  // Appends one label. Returns false, having written nothing, when it would not fit kCapacity;
  // the encoder then holds a prefix of the set and must not be finished.
  bool Add(const Label& l) {
    if (l.name.size() + l.value.size() + 8 > static_cast<size_t>(buf_ + kCapacity - w_)) [[unlikely]] return false;
    w_ = fingerprint_internal::PutField(w_, l.name);
    w_ = fingerprint_internal::PutField(w_, l.value);
    return true;
  }
  // Add(l) for the common label: name and value of 1-32 bytes each, both readable as 32-byte
  // blocks (ReadStaysOnPage<32>), with room for both blocks. Also sets `*name_prefix` to the name's
  // first 8 bytes, zero past its end, as a little-endian word (LoadPrefix64), from the same load.
  // Returns false, having written nothing, for any other label: the caller then takes Add.
  bool AddShort(const Label& l, uint64_t* name_prefix) {
    const char* name = l.name.data();
    const char* value = l.value.data();
    const size_t name_size = l.name.size(), value_size = l.value.size();
    if (name_size - 1 >= 32 || value_size - 1 >= 32 || !ReadStaysOnPage<32>(name) || !ReadStaysOnPage<32>(value) ||
        static_cast<size_t>(buf_ + kCapacity - w_) < 8 + 32 + 32) {
      return false;
    }
    char* w = w_;  // In a register: stores through char* could otherwise alias w_ (and reload it).
    fingerprint_internal::StoreLength(w, name_size);
    *name_prefix = Copy32Prefix64(w + 4, name, name_size);
    w += 4 + name_size;
    fingerprint_internal::StoreLength(w, value_size);
    Copy32(w + 4, value);
    w_ = w + 4 + value_size;
    return true;
  }
  // The fingerprint of the labels added (of the empty set when none).
  Fingerprint Finish() const {
    return Fingerprint::FromValue(fingerprint_internal::Hash(buf_, static_cast<size_t>(w_ - buf_)));
  }

 private:
  char buf_[kCapacity + fingerprint_internal::kSlack];
  char* w_ = buf_;
};

}  // namespace quell::core

#endif  // QUELL_CORE_FINGERPRINT_ENCODING_H_
