// src/correlate/gates/gate_verdict.h
//
// GateVerdict: the answer to "is the canary healthy next to the baseline?" for one gate, service,
// env and canary version at one event time, with the evidence behind it. ToJson() renders the
// document served by GET /api/v1/gates/{service} and carried in gate-verdict notifications; its
// field names are a stable contract (Argo Rollouts reads `$.verdict`; docs/gates.md lists all).
//
// Verdicts: pass (promote), fail (roll back), pending (keep waiting: not enough, missing or stale
// evidence), inconclusive (the gate ran out of time without deciding). Plain value.
#ifndef QUELL_CORRELATE_GATES_GATE_VERDICT_H_
#define QUELL_CORRELATE_GATES_GATE_VERDICT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_time.h"
#include "correlate/gates/gate_config.h"

namespace quell::gates {

enum class Verdict : uint8_t { kPending = 0, kPass, kFail, kInconclusive };
std::string_view VerdictName(Verdict v);  // "pending", "pass", "fail", "inconclusive"

// One color's side of an indicator.
struct ColorEvidence {
  std::string version;
  uint64_t samples = 0;                // Requests (error_rate, latency) or metric points.
  uint64_t bad = 0;                    // Errors (error_rate); 0 otherwise.
  std::optional<double> value;         // Error rate, latency quantile (ns) or metric mean.
  std::optional<double> lower;         // Latency: the sketch's bounds on the quantile.
  std::optional<double> upper;
};

// The sequential test behind an indicator (absent for metric indicators).
struct TestEvidence {
  std::string test;                    // "odds_ratio_msprt" or "bernoulli_msprt".
  double e_value = 1;                  // Current mixture likelihood ratio.
  double max_e_value = 1;              // Its running maximum (what the decision uses).
  double p_value = 1;                  // Always-valid p-value, min(1, 1/max_e_value).
  double alpha = 0;                    // This test's share of the gate's alpha.
  double null_ratio = 1;               // Tolerated odds ratio (relative threshold) or p0.
  bool rejected = false;
};

struct IndicatorVerdict {
  std::string name;
  IndicatorType type = IndicatorType::kErrorRate;
  std::string group;
  bool critical = false;
  double weight = 1;
  Verdict verdict = Verdict::kPending;  // pass, fail or pending (no or too little data).
  std::string reason;                   // Why, for fail and pending.
  double quantile = 0;                  // Latency only.
  ColorEvidence baseline;
  ColorEvidence canary;
  std::optional<double> effect;         // canary / baseline (rates, quantiles, means).
  std::optional<TestEvidence> comparison;  // Canary vs baseline.
  std::optional<TestEvidence> absolute;    // Canary vs the absolute threshold.
  std::optional<double> threshold_absolute;
  std::optional<double> threshold_relative;
  core::EventTime failed_at;            // Zero unless failed.
};

// A verdict set by a person (POST /api/v1/gates/{service}/override): it replaces the computed
// verdict of one canary until cleared, e.g. to promote past a known-noisy indicator or to stop a
// rollout by hand. The evidence keeps being computed and reported beside it.
struct GateOverride {
  Verdict verdict = Verdict::kPass;     // pass or fail.
  std::string reason;                   // Required: why (shown in the verdict and the audit log).
  std::string by;                       // Who (the API token's principal).
  core::EventTime at;                   // When it was set (evaluator clock).
};

struct GateVerdict {
  std::string gate;
  std::string service;
  std::string env;
  std::string version;                  // The canary (green) version.
  std::string baseline_version;         // Empty when none is known yet.
  Verdict verdict = Verdict::kPending;
  std::optional<double> score;          // 0-100; absent before any indicator has data.
  std::vector<std::string> reasons;
  core::EventTime started_at;           // The canary's deploy time (gate clock starts).
  core::EventTime window_start;         // Evidence window [start, end) in event time.
  core::EventTime window_end;
  core::EventTime evaluated_at;         // The evaluator's event-time clock.
  uint64_t canary_samples = 0;
  uint64_t baseline_samples = 0;
  uint64_t canary_late = 0;             // Signals that arrived after their interval closed.
  uint64_t baseline_late = 0;
  core::EventTime canary_last_seen;
  core::EventTime baseline_last_seen;
  int64_t min_samples = 0;
  double alpha = 0;
  ScoreThresholds score_thresholds;
  std::vector<IndicatorVerdict> indicators;
  // Set when a person overrode this canary's verdict: `verdict` is then the override's and
  // `computed_verdict` what the evidence says.
  std::optional<GateOverride> manual_override;
  Verdict computed_verdict = Verdict::kPending;
  // Set only on the answer of GateEvaluator::ClearOverride: the override it removed (rendered as
  // "cleared_override", written to the audit log).
  std::optional<GateOverride> cleared_override;

  // The JSON document (stable field names; see docs/gates.md).
  std::string ToJson() const;
};

// A JSON error answer with the same top-level shape (verdict, reasons), for the API:
// {"verdict":"<v>","score":null,"reasons":["<reason>"],"error":"<reason>"}.
std::string VerdictErrorJson(Verdict verdict, std::string_view reason);

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_GATE_VERDICT_H_
