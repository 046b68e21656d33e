// src/sinks/retry_policy_test.cc
#include "sinks/retry_policy.h"

#include "gtest/gtest.h"

namespace quell::sinks {
namespace {

TEST(RetryPolicyTest, CapGrowsExponentiallyUpToMax) {
  RetryPolicy p(RetryConfig{absl::Seconds(1), absl::Seconds(10), 2.0}, 1);
  EXPECT_EQ(p.Cap(1), absl::Seconds(1));
  EXPECT_EQ(p.Cap(2), absl::Seconds(2));
  EXPECT_EQ(p.Cap(4), absl::Seconds(8));
  EXPECT_EQ(p.Cap(5), absl::Seconds(10));
  EXPECT_EQ(p.Cap(500), absl::Seconds(10));
}

TEST(RetryPolicyTest, FullJitterIsWithinCapAndSeeded) {
  RetryPolicy a(RetryConfig{}, 42), b(RetryConfig{}, 42), c(RetryConfig{}, 43);
  bool differs = false;
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int i = 1; i <= 200; ++i) {
    int attempt = 1 + i % 6;
    absl::Duration x = a.Backoff(attempt), y = b.Backoff(attempt), z = c.Backoff(attempt);
    EXPECT_EQ(x, y);
    differs |= x != z;
    EXPECT_GE(x, absl::ZeroDuration());
    EXPECT_LE(x, a.Cap(attempt));
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_TRUE(differs);
  EXPECT_LT(lo, absl::Milliseconds(500));  // Full jitter reaches near zero...
  EXPECT_GT(hi, absl::Seconds(10));        // ...and near the cap.
}

TEST(RetryPolicyTest, RetryAfterIsAFloor) {
  RetryPolicy p(RetryConfig{}, 7);
  for (int i = 0; i < 50; ++i) EXPECT_GE(p.Backoff(1, absl::Seconds(30)), absl::Seconds(30));
}

TEST(RetryPolicyTest, ParsesRetryAfterSecondsAndDates) {
  core::WallTime now = core::WallTime::FromAbsl(absl::FromUnixSeconds(1445412480));  // 2015-10-21 07:28:00Z
  EXPECT_EQ(ParseRetryAfter("120", now), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 5 ", now), absl::Seconds(5));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), absl::Seconds(30));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("99999999999", now), absl::Hours(24));
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
}

}  // namespace
}  // namespace quell::sinks
