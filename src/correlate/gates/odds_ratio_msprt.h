// src/correlate/gates/odds_ratio_msprt.h
//
// OddsRatioMsprt: an anytime-valid two-sample test that the canary's rate of "bad" trials (errors
// among requests, latency exceedances among requests) is no higher than the baseline's, allowing
// a tolerance. It is a mixture sequential probability ratio test (Robbins' mSPRT; Johari et al.,
// "Always valid inference"; Lindon et al., Netflix, "Rapid regression detection in software
// deployments through sequential testing") made exact for small counts by conditioning.
//
// Method. Data arrive in intervals. In interval i the canary has a_i trials with x_i bad, the
// baseline b_i trials with y_i bad. Given the interval's totals (a_i, b_i, m_i = x_i + y_i), x_i
// follows Fisher's noncentral hypergeometric law with odds ratio psi (canary odds / baseline
// odds); under psi = 1 it is the hypergeometric law of Fisher's exact test. The statistic is
//     E_t = sum_j w_j * prod_{i<=t} f(x_i; psi_j) / f(x_i; psi_0)
// over a fixed grid psi_j = psi_0 * {1.2, 1.5, 2, 3, 5, 10, 30} with equal weights w_j, where psi_0
// is the tolerated odds ratio (1 = "no worse"). Under H0: psi <= psi_0 each factor has conditional
// expectation <= 1 (monotone likelihood ratio), so E_t is a nonnegative supermartingale with
// E_0 = 1 and, by Ville's inequality, P(sup_t E_t >= 1/alpha) <= alpha: the test may be looked at
// after every interval (or every poll) forever without inflating the false-fail rate. p_value() =
// min(1, 1 / max_t E_t) is an always-valid p-value. No normal approximation is used, so the
// guarantee holds at any count, including a handful of requests.
//
// Requirements for validity: the interval boundaries must not depend on the outcomes (Quell
// closes intervals on event time), and within an interval each trial's outcome is independent
// with a common rate per color.
//
// Cost: Update is O((min(a_i, m_i) + 1) * grid size) exp/log operations; it allocates only when
// an interval's support exceeds every earlier one. A value type. Not thread-safe.
#ifndef QUELL_CORRELATE_GATES_ODDS_RATIO_MSPRT_H_
#define QUELL_CORRELATE_GATES_ODDS_RATIO_MSPRT_H_

#include <array>
#include <cstdint>
#include <vector>

namespace quell::gates {

class OddsRatioMsprt {
 public:
  static constexpr std::array<double, 7> kGrid = {1.2, 1.5, 2, 3, 5, 10, 30};

  // REQUIRES: null_odds_ratio > 0 (1 tests "canary no worse than baseline").
  explicit OddsRatioMsprt(double null_odds_ratio = 1.0);

  // Adds one interval. REQUIRES: canary_bad <= canary_trials, baseline_bad <= baseline_trials.
  // Intervals where either color has no trials, or nothing is bad, carry no information.
  void Update(uint64_t canary_trials, uint64_t canary_bad, uint64_t baseline_trials,
              uint64_t baseline_bad);

  // The current mixture likelihood ratio E_t (>= 0), and its natural log.
  double e_value() const;
  double log_e_value() const { return log_e_; }
  // max over all t so far of E_t.
  double max_e_value() const;
  double log_max_e_value() const { return log_max_e_; }
  // Always-valid p-value: min(1, 1 / max_t E_t).
  double p_value() const;
  // True iff max_t E_t >= 1 / alpha. REQUIRES: 0 < alpha < 1.
  bool Rejects(double alpha) const;

  double null_odds_ratio() const { return null_odds_ratio_; }
  uint64_t intervals() const { return intervals_; }

  // What a correlation-state snapshot keeps: Restore(saved()) on a test with the same null odds
  // ratio continues exactly where this one stopped.
  struct Saved {
    std::array<double, kGrid.size()> log_lr{};
    double log_e = 0;
    double log_max_e = 0;
    uint64_t intervals = 0;
  };
  Saved saved() const { return {log_lr_, log_e_, log_max_e_, intervals_}; }
  void Restore(const Saved& s) {
    log_lr_ = s.log_lr;
    log_e_ = s.log_e;
    log_max_e_ = s.log_max_e;
    intervals_ = s.intervals;
  }

 private:
  double null_odds_ratio_;
  std::array<double, kGrid.size()> log_lr_{};  // log prod f(psi_j) / f(psi_0), per grid point.
  double log_e_ = 0;
  double log_max_e_ = 0;
  uint64_t intervals_ = 0;
  std::vector<double> scratch_;  // Log weights of the support, reused.
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_ODDS_RATIO_MSPRT_H_
