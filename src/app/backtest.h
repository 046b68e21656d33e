// src/app/backtest.h
//
// Backtesting rules on a recorded stream (`quell replay REC [--config NEW] [--baseline OLD]`).
//
// ReplayForBacktest replays a Quell NDJSON record file (docs/formats.md: what `quell record` and
// the intake journal write), or every *.ndjson file of a directory in name order (an intake
// journal's segments), through a fresh engine built from one config, in event time only (a
// ManualClock frozen at 0, so the live idle ticker never fires), flushes every timer up to a day
// past the last event, and returns every notification the engine would have sent -- sorted by
// (time, dedup key, sequence), so the result does not depend on shard threads -- with the engine's
// and the replayer's counts. Nothing is delivered: no receiver, no outbox, no HTTP.
//
// CompareBacktests sets two runs of the same stream side by side, for the platform team's question
// "what would this rule change do to on-call?": the engine's counts (incidents, notifications,
// firing notifications, each suppression reason), firing notifications by receiver, and which
// alerts would be notified firing to which receiver under only one of the configs. Alerts are
// identified by their label fingerprint (Alertmanager's), which does not depend on routes or
// grouping, so a change of group_by does not make every alert look new. For the (alert, receiver)
// pairs notified under both, the shift of the first firing notification's time is summarized
// (how many moved, median and largest shift): a longer group_wait shows there.
// FormatBacktestReport renders the comparison as plain text.
#ifndef QUELL_APP_BACKTEST_H_
#define QUELL_APP_BACKTEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/quell_config.h"
#include "core/notification.h"
#include "correlate/shard.h"
#include "ingest/ndjson_replayer.h"

namespace quell::app {

struct BacktestRun {
  std::string config_name;                       // What the report calls this run (its file).
  std::vector<core::Notification> notifications;  // Sorted by (time, dedup key, sequence).
  correlate::ShardStats stats;
  ingest::ReplayStats replay;
};

// Errors: the replayer's (NotFound when `input` cannot be opened, or is a directory without
// *.ndjson files).
[[nodiscard]] absl::StatusOr<BacktestRun> ReplayForBacktest(const QuellConfig& config, const std::string& input);

// One alert notified firing to one receiver under one config only.
struct BacktestAlertChange {
  std::string receiver;
  std::string labels;      // LabelSet::ToString() of the alert.
  core::EventTime first;   // Its first firing notification to that receiver.
};

struct BacktestComparison {
  struct Count {
    std::string name;
    uint64_t baseline = 0;
    uint64_t candidate = 0;
  };
  std::vector<Count> counts;        // Engine counts, in a fixed order (suppressions only when non-zero).
  std::vector<Count> by_receiver;   // Firing notifications per receiver, by name.
  std::vector<BacktestAlertChange> only_baseline;   // By first time, then labels.
  std::vector<BacktestAlertChange> only_candidate;
  uint64_t notified_by_both = 0;    // (alert, receiver) pairs notified firing under both.
  uint64_t moved = 0;               // Of those, how many have a different first time.
  absl::Duration median_shift;      // Candidate minus baseline, over the moved ones (0 if none).
  absl::Duration largest_shift;     // The one of largest magnitude, with its sign.
};

BacktestComparison CompareBacktests(const BacktestRun& baseline, const BacktestRun& candidate);

// Text for humans; lists at most `max_listed` alerts per direction ("... and N more").
std::string FormatBacktestReport(const std::string& input, const BacktestRun& baseline, const BacktestRun& candidate,
                                 const BacktestComparison& comparison, size_t max_listed = 50);

// The same comparison as one JSON object, every alert listed, for a rule change's CI job:
//   {"input","baseline","candidate","counts":[{"name","baseline","candidate"}],"by_receiver":[...],
//    "only_baseline":[{"receiver","labels","first"}],"only_candidate":[...],"notified_by_both",
//    "moved","median_shift_seconds","largest_shift_seconds"}
std::string BacktestReportJson(const std::string& input, const BacktestRun& baseline, const BacktestRun& candidate,
                               const BacktestComparison& comparison);

}  // namespace quell::app

#endif  // QUELL_APP_BACKTEST_H_
