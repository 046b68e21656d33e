// src/core/unaligned.h
//
// Loads and stores of 4- and 8-byte words at any address, in the machine's byte order (memcpy:
// one instruction on x86-64 and ARM64, no alignment or aliasing trouble). For the hot paths that
// compare or copy short strings a word at a time (label sorting, fingerprint encoding, key lookup).
// Thread-safety: stateless functions.
#ifndef QUELL_CORE_UNALIGNED_H_
#define QUELL_CORE_UNALIGNED_H_

#include <cstdint>
#include <cstring>

namespace quell::core {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline void Store64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline void Store32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }

}  // namespace quell::core

#endif  // QUELL_CORE_UNALIGNED_H_
