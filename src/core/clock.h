// src/core/clock.h
//
// The wall clock, injected. Nothing in correlate/ reads the wall clock; components that need it
// (live-mode idle watermark advance, HTTP rate limits, outbox ages, retry backoff) take a
// `const Clock*` that must outlive them. Tests use ManualClock and never sleep.
#ifndef QUELL_CORE_CLOCK_H_
#define QUELL_CORE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/event_time.h"

namespace quell::core {

// Thread-safe: Now() may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime Now() const override { return WallTime::FromAbsl(absl::Now()); }
  // A process-wide instance, never destroyed.
  static const SystemClock* Get() {
    static const SystemClock* const kClock = new SystemClock();
    return kClock;
  }
};

// A clock that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime::FromUnixNanos(0)) : ns_(start.unix_nanos()) {}
  WallTime Now() const override { return WallTime::FromUnixNanos(ns_.load(std::memory_order_acquire)); }
  void Set(WallTime t) { ns_.store(t.unix_nanos(), std::memory_order_release); }
  void Advance(absl::Duration d) { ns_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_acq_rel); }

 private:
  std::atomic<int64_t> ns_;
};

}  // namespace quell::core

#endif  // QUELL_CORE_CLOCK_H_
