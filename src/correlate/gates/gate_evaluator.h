// src/correlate/gates/gate_evaluator.h
//
// GateEvaluator: deploy gates. It keeps evidence per gate, service, env and version over
// event-time intervals, fed from SignalBatches; learns and is told about deployments; hears about
// incidents attributed to deploys; and answers, for a canary (green) version, whether it is
// healthy next to its baseline (blue): pass, fail, pending or inconclusive, with a 0-100 score
// and per-indicator evidence (GateVerdict). Every verdict change of a tracked canary is sent to
// the NotificationSink as a kGateVerdict notification.
//
// Operation. Signals of a gate's service (and env) with a version are counted into the interval
// (gate `interval`, aligned to the Unix epoch) holding their event time: requests and errors
// (error_rate), a DDSketch of durations (latency), sums of metric points (metric). The evaluator's
// clock `now` is the larger of the latest event time seen (moved after each whole batch) and the
// last AdvanceTo(); an interval
// closes when now - lateness passes its end, and a signal for a closed interval counts as late
// (reported, not used). Each tracked canary consumes closed intervals in order from its deploy
// time and feeds its sequential tests (OddsRatioMsprt, BernoulliMsprt; alpha split evenly over
// the gate's tests, so the gate's false-fail probability is at most alpha however often anyone
// polls). Because the tests see closed intervals only, the verdict is a deterministic function of
// the signals and `now`, never of when or how often Evaluate is called.
//
// Future timestamps (ADR 0042, ADR 0061). One signal must not drag the clock of every gate into
// the future (everything after it would be late, stale, and every canary inconclusive). With
// `max_future_skew` > 0 (the engine's correlate.max_future_skew) and a known observed time:
//   - a signal whose event time is more than max_future_skew past its observed time is taken at
//     its observed time (its evidence interval, last-seen time and any deployment it teaches),
//     and counted in stats().future_clamped (quell_gate_future_clamped_total);
//   - no signal moves the clock past its own observed time (a time a little ahead, within the
//     skew, still counts in its own interval, which closes once the clock gets there).
// Signals without an observed time are taken at their event time.
//
// Verdict rules, first match wins (docs/gates.md has the long form):
//   fail          a paging incident attributed to the canary; a critical indicator failed; or the
//                 score fell below score.marginal. Fail is final for that canary.
//   pending       no baseline, no data or stale data for either color, too few samples, a
//                 critical indicator without data, less than min_duration, or a marginal score;
//                 inconclusive instead once max_duration has passed (also final).
//   pass          otherwise (not final: a later failure turns it into fail).
//
// Threading: every public method is thread-safe (one internal mutex); Observe is the hot path
// (no allocation per signal once a version's interval exists). The sink's Send is called without
// the lock held. `*sink` must outlive the evaluator (may be null: no notifications).
#ifndef QUELL_CORRELATE_GATES_GATE_EVALUATOR_H_
#define QUELL_CORRELATE_GATES_GATE_EVALUATOR_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/deployment.h"
#include "core/event_time.h"
#include "core/notification_sink.h"
#include "core/signal_batch.h"
#include "correlate/gates/attributed_incident.h"
#include "correlate/gates/deployment_registry.h"
#include "correlate/gates/gate_config.h"
#include "correlate/gates/gate_verdict.h"

namespace quell::gates {

struct GateEvaluatorOptions {
  // Label (OTel resource attribute) holding the deployment color when Signal::color is unset.
  std::string color_attribute = "deployment.color";
  // Receiver named in gate-verdict notifications.
  std::string receiver = "gates";
  // Learn deployments from signals' version/color (and deploy signals).
  bool learn_deployments = true;
  // Tracked canaries kept at most; the oldest decided ones are dropped first.
  size_t max_tracked = 1000;
  // correlate.max_future_skew (the app passes the engine's setting): a signal whose event time is
  // further than this past its observed time is taken at its observed time. 0 = trust event times.
  absl::Duration max_future_skew = absl::Minutes(15);
};

// Counters since construction (process lifetime, not checkpointed).
struct GateEvaluatorStats {
  // Signals whose event time was more than max_future_skew past their observed time (taken at
  // their observed time instead).
  uint64_t future_clamped = 0;
  // Restore() found the saved clock more than max_future_skew ahead of the wall clock and set
  // it back (a checkpoint of a binary without the future-skew guard): 0 or 1.
  uint64_t restored_clock_clamped = 0;
};

// What Evaluate looks up. Empty env/version/gate: resolved (see Evaluate).
struct GateQuery {
  std::string service;
  std::string env;
  std::string version;
  std::string gate;
};

class GateEvaluator {
 public:
  GateEvaluator(GatesConfig config, GateEvaluatorOptions options, core::NotificationSink* sink);
  ~GateEvaluator();
  GateEvaluator(const GateEvaluator&) = delete;
  GateEvaluator& operator=(const GateEvaluator&) = delete;

  // Swaps in new gate definitions. Evidence of a gate whose name, interval and indicator
  // selections are unchanged is kept, and its tracked canaries are re-evaluated from that
  // evidence under the new thresholds.
  void Reload(GatesConfig config);

  // Counts the batch's signals into evidence; learns deployments. Does not keep views into it.
  void Observe(const core::SignalBatch& batch);
  // Registers a deployment (POST /api/v1/deployments, fanned out by the app).
  void AddDeployment(const core::Deployment& deployment);
  // An incident attributed to a deploy opened or closed.
  void OnIncident(const AttributedIncident& incident);
  // Moves the event-time clock forward (the app's live-mode timer); never backwards.
  void AdvanceTo(core::EventTime now);

  // The verdict for `query`. Resolution: gate = the named gate, else the first gate whose service
  // matches exactly, else a "*" gate; env = query, else the gate's env, else the deployment's;
  // version = query, else the latest canary-colored deployment of service/env.
  // NotFound when no gate covers the service, when the named gate does not exist, or when it
  // guards another service or env than the query's; a canary that is not known yet gives a
  // pending verdict with reason "no data".
  [[nodiscard]] absl::StatusOr<GateVerdict> Evaluate(const GateQuery& query);
  // Overrides the verdict of the canary `query` resolves to (as Evaluate resolves it) until
  // ClearOverride; `override.verdict` must be pass or fail and `override.at` is set to now().
  // Returns the new verdict (a change is notified like any other). NotFound as Evaluate, and when
  // no canary version (or no deployment or signal of it) is known; InvalidArgument for a pending
  // or inconclusive override or an empty reason.
  [[nodiscard]] absl::StatusOr<GateVerdict> SetOverride(const GateQuery& query, GateOverride override);
  // Removes the override of the canary `query` resolves to; the computed verdict applies again.
  // The answer's `cleared_override` is the override removed (for the audit log).
  // NotFound as SetOverride, or when that canary has no override.
  [[nodiscard]] absl::StatusOr<GateVerdict> ClearOverride(const GateQuery& query);

  // Current verdicts of all tracked canaries.
  std::vector<GateVerdict> TrackedVerdicts();

  std::vector<core::Deployment> Deployments() const;
  core::EventTime now() const;
  GateEvaluatorStats stats() const;

  // Deploy-gate state across restarts (stored in the runtime's correlation state file beside the
  // engine's shards, ADR 0044). Serialize() writes the clock, the deployments, the attributed
  // incidents, every gate's evidence (series and their interval buckets) and every tracked canary
  // (baseline, progress, sequential-test state, verdict, override, final verdict) as one JSON
  // object. Restore() loads it into an evaluator that has observed nothing yet:
  //   - a gate whose definition is unchanged continues exactly where it stopped: same verdicts,
  //     e-values and evidence, and no notification is repeated;
  //   - a gate whose definition changed is treated as Reload treats it (evidence kept when its
  //     interval and indicator selections are unchanged; tracked canaries re-evaluated);
  //   - saved gates that no longer exist are dropped, with their canaries.
  // `wall_now` (the app's wall clock at start; zero: not checked): a saved clock more than
  // max_future_skew ahead of it (written by a binary without the future-skew guard) is set back
  // to `wall_now`; the canaries' progress goes back with it (intervals the bad clock had closed
  // are open again) and evidence in those intervals is dropped (it came from future timestamps).
  // Final verdicts stay final. Counted in stats().restored_clock_clamped.
  // DataLoss (nothing restored) for a document that is not a saved gate state.
  std::string Serialize() const;
  [[nodiscard]] absl::Status Restore(std::string_view json, core::WallTime wall_now = core::WallTime());

 private:
  struct State;
  // Sets (`override` given) or clears the override of the canary `query` resolves to.
  absl::StatusOr<GateVerdict> ChangeOverride(const GateQuery& query, std::optional<GateOverride> override);

  std::unique_ptr<State> state_;
  core::NotificationSink* sink_;
  mutable std::mutex mu_;
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_GATE_EVALUATOR_H_
