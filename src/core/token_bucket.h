// src/core/token_bucket.h
//
// A token bucket on an injected time axis: `rate` tokens per second, at most `burst` stored.
// Used for HTTP per-key rate limits (wall time), receiver rate limits (wall time) and the
// engine's per-receiver page limits (event time): the caller passes the time, so the bucket never
// reads a clock. Not thread-safe; wrap it or keep one per thread.
#ifndef QUELL_CORE_TOKEN_BUCKET_H_
#define QUELL_CORE_TOKEN_BUCKET_H_

#include <algorithm>
#include <cstdint>

#include "absl/time/time.h"

namespace quell::core {

class TokenBucket {
 public:
  // REQUIRES: rate_per_second > 0, burst >= 1. Starts full.
  TokenBucket(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst), tokens_(burst) {}

  // Takes `n` tokens at time `now_ns` (nanoseconds on any monotonic axis). Returns true iff they
  // were available.
  bool TryTake(int64_t now_ns, double n = 1) {
    Refill(now_ns);
    if (tokens_ + 1e-9 < n) return false;
    tokens_ -= n;
    return true;
  }
  // How long until `n` tokens are available (zero if now).
  absl::Duration WaitFor(int64_t now_ns, double n = 1) {
    Refill(now_ns);
    if (tokens_ >= n) return absl::ZeroDuration();
    return absl::Seconds((n - tokens_) / rate_);
  }
  double tokens() const { return tokens_; }

 private:
  void Refill(int64_t now_ns) {
    if (last_ns_ == INT64_MIN) last_ns_ = now_ns;
    if (now_ns > last_ns_) {
      tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * 1e-9 * rate_);
      last_ns_ = now_ns;
    }
  }
  double rate_;
  double burst_;
  double tokens_;
  int64_t last_ns_ = INT64_MIN;
};

}  // namespace quell::core

#endif  // QUELL_CORE_TOKEN_BUCKET_H_
