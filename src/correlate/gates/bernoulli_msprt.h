// src/correlate/gates/bernoulli_msprt.h
//
// BernoulliMsprt: an anytime-valid one-sample test of H0: p <= p0 for a stream of Bernoulli
// trials (a canary's error rate against an absolute limit; the share of a canary's requests above
// an absolute latency limit against 1 - q). A mixture SPRT over a fixed grid of alternatives
// odds(p_j) = odds(p0) * {1.2, 1.5, 2, 3, 5, 10, 30} with equal weights:
//     E_t = sum_j w_j * (p_j / p0)^X * ((1 - p_j) / (1 - p0))^(N - X)
// with N trials and X bad so far. Under H0 E_t is a nonnegative supermartingale with E_0 = 1, so
// P(sup_t E_t >= 1/alpha) <= alpha at any sample size (Ville's inequality); the likelihood is exact
// (no normal approximation). The statistic depends only on (N, X), so the order and grouping of
// updates do not matter. A value type. Not thread-safe.
#ifndef QUELL_CORRELATE_GATES_BERNOULLI_MSPRT_H_
#define QUELL_CORRELATE_GATES_BERNOULLI_MSPRT_H_

#include <array>
#include <cstdint>

namespace quell::gates {

class BernoulliMsprt {
 public:
  static constexpr std::array<double, 7> kGrid = {1.2, 1.5, 2, 3, 5, 10, 30};

  // REQUIRES: 0 < p0 < 1.
  explicit BernoulliMsprt(double p0);

  // REQUIRES: bad <= trials.
  void Update(uint64_t trials, uint64_t bad);

  double e_value() const;
  double log_e_value() const { return log_e_; }
  double max_e_value() const;
  double log_max_e_value() const { return log_max_e_; }
  double p_value() const;
  // True iff max_t E_t >= 1 / alpha. REQUIRES: 0 < alpha < 1.
  bool Rejects(double alpha) const;

  double p0() const { return p0_; }
  uint64_t trials() const { return trials_; }
  uint64_t bad() const { return bad_; }

  // What a correlation-state snapshot keeps: Restore(saved()) on a test with the same p0 continues
  // exactly where this one stopped.
  struct Saved {
    uint64_t trials = 0;
    uint64_t bad = 0;
    double log_e = 0;
    double log_max_e = 0;
  };
  Saved saved() const { return {trials_, bad_, log_e_, log_max_e_}; }
  void Restore(const Saved& s) {
    trials_ = s.trials;
    bad_ = s.bad;
    log_e_ = s.log_e;
    log_max_e_ = s.log_max_e;
  }

 private:
  double p0_;
  std::array<double, kGrid.size()> log_up_{};    // log(p_j / p0)
  std::array<double, kGrid.size()> log_down_{};  // log((1 - p_j) / (1 - p0))
  uint64_t trials_ = 0;
  uint64_t bad_ = 0;
  double log_e_ = 0;
  double log_max_e_ = 0;
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_BERNOULLI_MSPRT_H_
