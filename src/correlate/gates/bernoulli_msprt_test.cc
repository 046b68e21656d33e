#include "correlate/gates/bernoulli_msprt.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace quell::gates {
namespace {

TEST(BernoulliMsprtTest, ExactLikelihoodRatio) {
  BernoulliMsprt t(0.1);
  t.Update(3, 2);
  double expected = 0;
  for (double g : BernoulliMsprt::kGrid) {
    const double odds = g * 0.1 / 0.9, p = odds / (1 + odds);
    expected += std::pow(p / 0.1, 2) * (1 - p) / 0.9;
  }
  expected /= BernoulliMsprt::kGrid.size();
  EXPECT_NEAR(t.e_value(), expected, 1e-9);
}

TEST(BernoulliMsprtTest, OrderAndGroupingDoNotMatter) {
  BernoulliMsprt a(0.05), b(0.05);
  a.Update(100, 9);
  b.Update(40, 1);
  b.Update(60, 8);
  EXPECT_NEAR(a.log_e_value(), b.log_e_value(), 1e-9);
}

TEST(BernoulliMsprtTest, RepeatedLooksAtTheNullBoundaryStayBelowAlpha) {
  std::mt19937_64 rng(5);
  constexpr int kRuns = 500;
  int rejections = 0;
  for (int run = 0; run < kRuns; ++run) {
    BernoulliMsprt t(0.05);
    std::binomial_distribution<uint64_t> bad(50, 0.05);
    for (int i = 0; i < 100; ++i) {
      t.Update(50, bad(rng));
      if (t.Rejects(0.05)) {
        ++rejections;
        break;
      }
    }
  }
  EXPECT_LE(rejections, kRuns * 5 / 100);
}

TEST(BernoulliMsprtTest, RejectsAClearExcess) {
  BernoulliMsprt t(0.01);
  t.Update(1000, 60);
  EXPECT_TRUE(t.Rejects(0.001));
  BernoulliMsprt ok(0.01);
  ok.Update(1000, 8);
  EXPECT_FALSE(ok.Rejects(0.05));
}

TEST(BernoulliMsprtTest, RestoredStateContinuesExactly) {
  std::mt19937_64 rng(9);
  std::binomial_distribution<uint64_t> bad(300, 0.08);
  BernoulliMsprt whole(0.05), first(0.05), second(0.05);
  for (int i = 0; i < 20; ++i) {
    const uint64_t x = bad(rng);
    whole.Update(300, x);
    (i < 7 ? first : second).Update(300, x);
    if (i == 6) second.Restore(first.saved());
  }
  EXPECT_EQ(second.log_e_value(), whole.log_e_value());
  EXPECT_EQ(second.log_max_e_value(), whole.log_max_e_value());
  EXPECT_EQ(second.trials(), whole.trials());
  EXPECT_EQ(second.bad(), whole.bad());
}

}  // namespace
}  // namespace quell::gates
