#include "correlate/gates/odds_ratio_msprt.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/status_macros.h"
#include "correlate/gates/log_math.h"

namespace quell::gates {
namespace {

// log Z(psi) = log sum_k exp(t_k + k * log_psi) for k = lo + index.
double LogNormalizer(const std::vector<double>& t, size_t n, uint64_t lo, double log_psi) {
  double hi = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < n; ++i) hi = std::max(hi, t[i] + static_cast<double>(lo + i) * log_psi);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(t[i] + static_cast<double>(lo + i) * log_psi - hi);
  return hi + std::log(sum);
}

}  // namespace

OddsRatioMsprt::OddsRatioMsprt(double null_odds_ratio) : null_odds_ratio_(null_odds_ratio) {
  QUELL_CHECK(null_odds_ratio > 0, "OddsRatioMsprt: null odds ratio must be > 0");
}

void OddsRatioMsprt::Update(uint64_t a, uint64_t x, uint64_t b, uint64_t y) {
  QUELL_CHECK(x <= a && y <= b, "OddsRatioMsprt::Update: more bad than trials");
  ++intervals_;
  const uint64_t m = x + y;
  const uint64_t lo = m > b ? m - b : 0;
  const uint64_t hi = std::min(a, m);
  if (a == 0 || b == 0 || m == 0 || lo == hi) return;  // A single possible outcome: no evidence.
  const size_t n = static_cast<size_t>(hi - lo + 1);
  if (scratch_.size() < n) scratch_.resize(n);
  // t_k = log C(a, k) + log C(b, m - k) up to a constant (which cancels in the normalizer).
  scratch_[0] = 0;
  for (uint64_t k = lo; k < hi; ++k) {
    const double ak = static_cast<double>(a - k), k1 = static_cast<double>(k + 1);
    const double mk = static_cast<double>(m - k), bk = static_cast<double>(b - m + k + 1);
    scratch_[k - lo + 1] = scratch_[k - lo] + std::log(ak / k1) + std::log(mk / bk);
  }
  const double log_psi0 = std::log(null_odds_ratio_);
  const double log_f0 = static_cast<double>(x) * log_psi0 - LogNormalizer(scratch_, n, lo, log_psi0);
  std::array<double, kGrid.size()> terms;
  const double log_w = -std::log(static_cast<double>(kGrid.size()));
  for (size_t j = 0; j < kGrid.size(); ++j) {
    const double log_psi = log_psi0 + std::log(kGrid[j]);
    const double log_f = static_cast<double>(x) * log_psi - LogNormalizer(scratch_, n, lo, log_psi);
    log_lr_[j] += log_f - log_f0;
    terms[j] = log_w + log_lr_[j];
  }
  log_e_ = LogSumExp(terms);
  log_max_e_ = std::max(log_max_e_, log_e_);
}

double OddsRatioMsprt::e_value() const { return BoundedExp(log_e_); }
double OddsRatioMsprt::max_e_value() const { return BoundedExp(log_max_e_); }
double OddsRatioMsprt::p_value() const { return std::min(1.0, std::exp(-log_max_e_)); }
bool OddsRatioMsprt::Rejects(double alpha) const { return log_max_e_ >= -std::log(alpha); }

}  // namespace quell::gates
