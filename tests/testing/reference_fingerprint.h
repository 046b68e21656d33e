// tests/testing/reference_fingerprint.h
//
// The fingerprint as fingerprint.h defines it, computed the plain way (the encoding built in a
// std::string, then libxxhash's XXH3_64bits), for checking the optimized encoders against.
// REQUIRES: labels sorted by name with unique names, as Fingerprint::Of requires.
#ifndef QUELL_TESTS_TESTING_REFERENCE_FINGERPRINT_H_
#define QUELL_TESTS_TESTING_REFERENCE_FINGERPRINT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/label.h"
#include "xxhash.h"

namespace quell::testing {

inline uint64_t ReferenceFingerprint(core::LabelView labels) {
  std::string buf;
  auto put = [&](std::string_view s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) buf.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    buf.append(s);
  };
  for (const core::Label& l : labels) {
    put(l.name);
    put(l.value);
  }
  return XXH3_64bits(buf.data(), buf.size());
}

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_REFERENCE_FINGERPRINT_H_
