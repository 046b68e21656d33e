// src/core/fingerprint.h
//
// A Fingerprint names one alert: a 64-bit hash of its label set. Definition (kFingerprintVersion 1):
//
//   XXH3_64bits(seed 0) over, for each label in ascending byte order of name:
//       u32 little-endian len(name) || name || u32 little-endian len(value) || value
//
// Length prefixes make {a="bc"} and {ab="c"} differ. It is stable across processes, hosts and
// releases while kFingerprintVersion holds, so it may key shard state, travel in changelog topics
// and serve as a PagerDuty dedup key. Never derive it from absl::Hash (seeded per process). Pinned
// values live in fingerprint_test.cc. A plain value: cheap to copy, safe to share across threads.
//
// AlertmanagerFingerprint is Prometheus Alertmanager's own (FNV-1a 64 over name, 0xFF, value,
// 0xFF per label in name order), reported in Alertmanager-compatible APIs and webhook payloads so
// tools that compare fingerprints with a real Alertmanager agree.
#ifndef QUELL_CORE_FINGERPRINT_H_
#define QUELL_CORE_FINGERPRINT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/label.h"

namespace quell::core {

inline constexpr int kFingerprintVersion = 1;

class Fingerprint {
 public:
  constexpr Fingerprint() = default;
  // REQUIRES: `labels` sorted by name, names unique (SignalBatch and LabelSet ensure both).
  static Fingerprint Of(LabelView labels);
  // Hashes only `names` (a route's group_by, an inhibit rule's equal), in the order given, which
  // must be sorted; a name missing from `labels` counts as an empty value.
  static Fingerprint OfSubset(LabelView labels, std::span<const std::string> names);
  static constexpr Fingerprint FromValue(uint64_t v) { return Fingerprint(v); }
  // Parses ToString()'s 16 lower- or upper-case hex digits.
  [[nodiscard]] static absl::StatusOr<Fingerprint> Parse(std::string_view hex);

  constexpr uint64_t value() const { return value_; }
  std::string ToString() const;  // 16 lower-case hex digits, zero-padded.
  constexpr bool operator==(const Fingerprint&) const = default;
  constexpr auto operator<=>(const Fingerprint&) const = default;

  template <typename H>
  friend H AbslHashValue(H h, const Fingerprint& f) {
    return H::combine(std::move(h), f.value_);
  }

 private:
  constexpr explicit Fingerprint(uint64_t v) : value_(v) {}
  uint64_t value_ = 0;
};

// Prometheus Alertmanager's model.LabelSet.Fingerprint(). REQUIRES: sorted by name.
uint64_t AlertmanagerFingerprint(LabelView labels);

}  // namespace quell::core

#endif  // QUELL_CORE_FINGERPRINT_H_
