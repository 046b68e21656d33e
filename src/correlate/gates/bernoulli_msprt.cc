#include "correlate/gates/bernoulli_msprt.h"

#include <algorithm>
#include <cmath>

#include "core/status_macros.h"
#include "correlate/gates/log_math.h"

namespace quell::gates {

BernoulliMsprt::BernoulliMsprt(double p0) : p0_(p0) {
  QUELL_CHECK(p0 > 0 && p0 < 1, "BernoulliMsprt: p0 must be in (0, 1)");
  const double odds0 = p0 / (1 - p0);
  for (size_t j = 0; j < kGrid.size(); ++j) {
    const double odds = odds0 * kGrid[j];
    const double p = odds / (1 + odds);
    log_up_[j] = std::log(p / p0);
    log_down_[j] = std::log((1 - p) / (1 - p0));
  }
}

void BernoulliMsprt::Update(uint64_t trials, uint64_t bad) {
  QUELL_CHECK(bad <= trials, "BernoulliMsprt::Update: more bad than trials");
  trials_ += trials;
  bad_ += bad;
  std::array<double, kGrid.size()> terms;
  const double log_w = -std::log(static_cast<double>(kGrid.size()));
  for (size_t j = 0; j < kGrid.size(); ++j) {
    terms[j] = log_w + static_cast<double>(bad_) * log_up_[j] +
               static_cast<double>(trials_ - bad_) * log_down_[j];
  }
  log_e_ = LogSumExp(terms);
  log_max_e_ = std::max(log_max_e_, log_e_);
}

double BernoulliMsprt::e_value() const { return BoundedExp(log_e_); }
double BernoulliMsprt::max_e_value() const { return BoundedExp(log_max_e_); }
double BernoulliMsprt::p_value() const { return std::min(1.0, std::exp(-log_max_e_)); }
bool BernoulliMsprt::Rejects(double alpha) const { return log_max_e_ >= -std::log(alpha); }

}  // namespace quell::gates
