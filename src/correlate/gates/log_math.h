// src/correlate/gates/log_math.h
//
// Small numeric helpers shared by the sequential tests: log-sum-exp over a span and a bounded
// exp for reporting. Pure functions, thread-safe.
#ifndef QUELL_CORRELATE_GATES_LOG_MATH_H_
#define QUELL_CORRELATE_GATES_LOG_MATH_H_

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace quell::gates {

// log(sum_i exp(v_i)); -inf for an empty span.
inline double LogSumExp(std::span<const double> values) {
  double hi = -std::numeric_limits<double>::infinity();
  for (double v : values) hi = std::max(hi, v);
  if (!std::isfinite(hi)) return hi;
  double sum = 0;
  for (double v : values) sum += std::exp(v - hi);
  return hi + std::log(sum);
}

// exp(x) capped at 1e300 so that reports stay finite JSON numbers.
inline double BoundedExp(double x) { return x > 690.0 ? 1e300 : std::exp(x); }

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_LOG_MATH_H_
