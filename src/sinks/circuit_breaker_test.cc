// src/sinks/circuit_breaker_test.cc
#include "sinks/circuit_breaker.h"

#include "gtest/gtest.h"

namespace quell::sinks {
namespace {

using State = CircuitBreaker::State;

TEST(CircuitBreakerTest, OpensAfterThresholdAndProbesAfterCooldown) {
  CircuitBreaker cb(CircuitConfig{3, absl::Seconds(30)});
  core::WallTime t0 = core::WallTime::FromUnixNanos(1'000'000'000'000);
  EXPECT_TRUE(cb.Allow(t0));
  cb.OnFailure(t0);
  cb.OnFailure(t0);
  EXPECT_EQ(cb.state(), State::kClosed);
  cb.OnFailure(t0);
  EXPECT_EQ(cb.state(), State::kOpen);
  EXPECT_FALSE(cb.Allow(t0 + absl::Seconds(29)));
  EXPECT_TRUE(cb.Allow(t0 + absl::Seconds(30)));  // The probe.
  EXPECT_EQ(cb.state(), State::kHalfOpen);
  EXPECT_FALSE(cb.Allow(t0 + absl::Seconds(30)));  // Only one probe.
  cb.OnFailure(t0 + absl::Seconds(31));           // Probe failed: open again.
  EXPECT_EQ(cb.state(), State::kOpen);
  EXPECT_FALSE(cb.Allow(t0 + absl::Seconds(60)));
  EXPECT_TRUE(cb.Allow(t0 + absl::Seconds(61)));
  cb.OnSuccess();
  EXPECT_EQ(cb.state(), State::kClosed);
  EXPECT_TRUE(cb.Allow(t0 + absl::Seconds(61)));
  EXPECT_TRUE(cb.Allow(t0 + absl::Seconds(61)));
}

TEST(CircuitBreakerTest, SuccessResetsTheCount) {
  CircuitBreaker cb(CircuitConfig{2, absl::Seconds(1)});
  core::WallTime t;
  cb.OnFailure(t);
  cb.OnSuccess();
  cb.OnFailure(t);
  EXPECT_EQ(cb.state(), State::kClosed);
}

TEST(CircuitBreakerTest, NeutralReleasesTheProbe) {
  CircuitBreaker cb(CircuitConfig{1, absl::Seconds(1)});
  core::WallTime t;
  cb.OnFailure(t);
  EXPECT_TRUE(cb.Allow(t + absl::Seconds(1)));
  EXPECT_FALSE(cb.Allow(t + absl::Seconds(1)));
  cb.OnNeutral();
  EXPECT_TRUE(cb.Allow(t + absl::Seconds(1)));
}

}  // namespace
}  // namespace quell::sinks
