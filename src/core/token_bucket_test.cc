#include "core/token_bucket.h"

#include "gtest/gtest.h"

namespace quell::core {
namespace {

TEST(TokenBucketTest, BurstThenRate) {
  TokenBucket b(/*rate_per_second=*/2, /*burst=*/3);
  int64_t t = 1'000'000'000;
  EXPECT_TRUE(b.TryTake(t));
  EXPECT_TRUE(b.TryTake(t));
  EXPECT_TRUE(b.TryTake(t));
  EXPECT_FALSE(b.TryTake(t));
  EXPECT_EQ(b.WaitFor(t), absl::Milliseconds(500));
  EXPECT_FALSE(b.TryTake(t + 400'000'000));
  EXPECT_TRUE(b.TryTake(t + 500'000'000));
  // Never more than burst, however long idle.
  t += 3600'000'000'000;
  EXPECT_TRUE(b.TryTake(t, 3));
  EXPECT_FALSE(b.TryTake(t));
}

}  // namespace
}  // namespace quell::core
