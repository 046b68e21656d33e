#include "correlate/gates/odds_ratio_msprt.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace quell::gates {
namespace {

double Choose(int n, int k) {
  if (k < 0 || k > n) return 0;
  return std::round(std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0)));
}

// P(x | a, b, m) under Fisher's noncentral hypergeometric law with odds ratio psi.
double NoncentralPmf(int a, int b, int m, int x, double psi) {
  double z = 0;
  for (int k = 0; k <= m; ++k) z += Choose(a, k) * Choose(b, m - k) * std::pow(psi, k);
  return Choose(a, x) * Choose(b, m - x) * std::pow(psi, x) / z;
}

TEST(OddsRatioMsprtTest, StartsAtOneAndIgnoresUninformativeIntervals) {
  OddsRatioMsprt t;
  EXPECT_EQ(t.e_value(), 1);
  EXPECT_EQ(t.p_value(), 1);
  t.Update(100, 0, 100, 0);  // Nothing bad.
  t.Update(0, 0, 50, 5);     // No canary trials.
  t.Update(3, 3, 0, 0);      // No baseline trials.
  EXPECT_EQ(t.e_value(), 1);
  EXPECT_FALSE(t.Rejects(0.05));
}

TEST(OddsRatioMsprtTest, MatchesTheExactLikelihoodRatioAtTinyCounts) {
  // a = b = 2, both bad trials in the canary: f(2; psi) = psi^2 / (1 + 4 psi + psi^2).
  OddsRatioMsprt t;
  t.Update(2, 2, 2, 0);
  double expected = 0;
  for (double g : OddsRatioMsprt::kGrid) expected += 6 * g * g / (1 + 4 * g + g * g);
  expected /= OddsRatioMsprt::kGrid.size();
  EXPECT_NEAR(t.e_value(), expected, 1e-9);
}

// E_0[E_1] = 1 exactly: the statistic is a martingale under the null, for any traffic split.
TEST(OddsRatioMsprtTest, OneStepExpectationUnderTheNullIsOne) {
  for (auto [a, b, m] : {std::tuple{5, 5, 3}, std::tuple{10, 3, 4}, std::tuple{1, 20, 6},
                         std::tuple{7, 9, 16}}) {
    for (double psi0 : {1.0, 1.5}) {
      double expectation = 0;
      for (int x = std::max(0, m - b); x <= std::min(a, m); ++x) {
        OddsRatioMsprt t(psi0);
        t.Update(a, x, b, m - x);
        expectation += NoncentralPmf(a, b, m, x, psi0) * t.e_value();
      }
      EXPECT_NEAR(expectation, 1.0, 1e-9) << a << " " << b << " " << m << " psi0=" << psi0;
    }
  }
}

// A/A with many looks: the false rejection rate stays below alpha (Ville's inequality).
TEST(OddsRatioMsprtTest, RepeatedLooksDoNotInflateFalseRejections) {
  std::mt19937_64 rng(1234);
  constexpr int kRuns = 400, kIntervals = 60;
  constexpr double kAlpha = 0.05;
  int rejections = 0;
  for (int run = 0; run < kRuns; ++run) {
    OddsRatioMsprt t;
    std::binomial_distribution<uint64_t> errors(500, 0.02);
    for (int i = 0; i < kIntervals; ++i) {
      t.Update(500, errors(rng), 500, errors(rng));
      if (t.Rejects(kAlpha)) {
        ++rejections;
        break;
      }
    }
  }
  EXPECT_LE(rejections, static_cast<int>(kRuns * kAlpha));
}

TEST(OddsRatioMsprtTest, DetectsATripledErrorRateQuickly) {
  std::mt19937_64 rng(99);
  int detected = 0;
  for (int run = 0; run < 100; ++run) {
    OddsRatioMsprt t;
    std::binomial_distribution<uint64_t> base(500, 0.01), canary(500, 0.03);
    for (int i = 0; i < 12 && !t.Rejects(0.01); ++i) t.Update(500, canary(rng), 500, base(rng));
    if (t.Rejects(0.01)) ++detected;
  }
  EXPECT_GE(detected, 99);
}

TEST(OddsRatioMsprtTest, ToleranceAbsorbsSmallIncreasesButNotLargeOnes) {
  OddsRatioMsprt strict(1.0), tolerant(2.0);
  for (int i = 0; i < 30; ++i) {
    strict.Update(1000, 15, 1000, 10);    // Odds ratio ~1.5.
    tolerant.Update(1000, 15, 1000, 10);
  }
  EXPECT_TRUE(strict.Rejects(0.01));
  EXPECT_FALSE(tolerant.Rejects(0.01));
  OddsRatioMsprt tolerant2(2.0);
  for (int i = 0; i < 30; ++i) tolerant2.Update(1000, 60, 1000, 10);  // ~6x.
  EXPECT_TRUE(tolerant2.Rejects(0.01));
}

TEST(OddsRatioMsprtTest, ACanaryBetterThanBaselineNeverRejects) {
  OddsRatioMsprt t;
  for (int i = 0; i < 100; ++i) t.Update(1000, 5, 1000, 30);
  EXPECT_FALSE(t.Rejects(0.5));
  EXPECT_LT(t.e_value(), 1e-6);
  EXPECT_EQ(t.p_value(), 1);
}

TEST(OddsRatioMsprtTest, MaxEValueIsMonotone) {
  OddsRatioMsprt t;
  t.Update(100, 10, 100, 1);
  const double peak = t.max_e_value();
  t.Update(1000, 0, 1000, 50);
  EXPECT_LT(t.e_value(), peak);
  EXPECT_EQ(t.max_e_value(), peak);
  EXPECT_NEAR(t.p_value(), 1 / peak, 1e-12);
}

// A test restored from saved() continues exactly as the uninterrupted one.
TEST(OddsRatioMsprtTest, RestoredStateContinuesExactly) {
  std::mt19937_64 rng(5);
  std::binomial_distribution<uint64_t> canary(400, 0.03), baseline(400, 0.01);
  OddsRatioMsprt whole(1.0), first(1.0), second(1.0);
  for (int i = 0; i < 30; ++i) {
    const uint64_t x = canary(rng), y = baseline(rng);
    whole.Update(400, x, 400, y);
    (i < 12 ? first : second).Update(400, x, 400, y);
    if (i == 11) second.Restore(first.saved());
  }
  EXPECT_EQ(second.log_e_value(), whole.log_e_value());
  EXPECT_EQ(second.log_max_e_value(), whole.log_max_e_value());
  EXPECT_EQ(second.intervals(), whole.intervals());
  EXPECT_EQ(second.Rejects(0.005), whole.Rejects(0.005));
}

}  // namespace
}  // namespace quell::gates
