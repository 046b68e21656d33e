// src/app/backtest.cc
#include "app/backtest.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/notification_sink.h"
#include "correlate/compiled_rules.h"
#include "correlate/sharded_engine.h"
#include "correlate/silencer.h"
#include "fmt/format.h"

namespace quell::app {
namespace {

// Tracks the largest event time submitted, to flush every timer after the input ends.
class MaxTimeSink final : public core::BatchSink {
 public:
  explicit MaxTimeSink(core::BatchSink* next) : next_(next) {}
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    core::EventTime m = max_;
    for (const core::Signal& s : batch->signals()) m = std::max({m, s.event_time, s.end_time});
    absl::Status st = next_->Submit(batch, std::move(done));
    if (st.ok()) max_ = m;
    return st;
  }
  core::EventTime max() const { return max_; }

 private:
  core::BatchSink* next_;
  core::EventTime max_;
};

// (receiver, alert labels) -> first firing notification time.
using FirstNotified = std::map<std::pair<std::string, std::string>, core::EventTime>;

FirstNotified FirstFiring(const BacktestRun& run) {
  FirstNotified first;
  for (const core::Notification& n : run.notifications) {
    if (n.status != core::NotificationStatus::kFiring || n.kind == core::NotificationKind::kGateVerdict) continue;
    for (const core::NotifiedAlert& a : n.alerts) {
      if (a.resolved) continue;
      first.emplace(std::make_pair(n.receiver, a.labels.ToString()), n.time);  // Sorted by time: keeps the first.
    }
  }
  return first;
}

std::vector<BacktestAlertChange> OnlyIn(const FirstNotified& a, const FirstNotified& b) {
  std::vector<BacktestAlertChange> out;
  for (const auto& [key, t] : a) {
    if (b.count(key) == 0) out.push_back(BacktestAlertChange{key.first, key.second, t});
  }
  std::sort(out.begin(), out.end(), [](const BacktestAlertChange& x, const BacktestAlertChange& y) {
    if (x.first != y.first) return x.first < y.first;
    if (x.labels != y.labels) return x.labels < y.labels;
    return x.receiver < y.receiver;
  });
  return out;
}

std::string Signed(int64_t v) { return v > 0 ? fmt::format("+{}", v) : fmt::format("{}", v); }

std::string SignedDuration(absl::Duration d) {
  return d > absl::ZeroDuration() ? "+" + absl::FormatDuration(d) : absl::FormatDuration(d);
}

}  // namespace

absl::StatusOr<BacktestRun> ReplayForBacktest(const QuellConfig& config, const std::string& input) {
  BacktestRun run;
  run.config_name = config.path;
  // Event time only: the wall clock is frozen at 0 so the live-mode idle ticker never fires.
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));
  core::CollectingNotificationSink sink;
  correlate::Silencer silencer;
  correlate::ShardedEngine engine(correlate::CompiledRules::Build(config.rules), &sink, &silencer, &clock,
                                  config.rules.settings.shards);
  MaxTimeSink tracker(&engine);
  ingest::ReplayOptions ropts;
  ropts.parser.datadog_webhook_mapping = &config.datadog_webhook;
  ingest::Replayer replayer(&tracker, &clock, ropts, [](core::WallTime) {});
  // A directory (an intake journal's, or a set of recordings): its *.ndjson files in name order,
  // which is the journal's segment order.
  std::vector<std::string> files{input};
  std::error_code ec;
  if (std::filesystem::is_directory(input, ec)) {
    files.clear();
    for (const auto& e : std::filesystem::directory_iterator(input, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".ndjson") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) return absl::NotFoundError(fmt::format("{}: no .ndjson files in this directory", input));
  }
  for (const std::string& f : files) {
    absl::Status s = replayer.ReplayFile(f);
    if (!s.ok()) return s;
  }
  engine.Drain();
  // Flush every pending timer: group_wait, repeat and resolve timers up to a day past the input.
  engine.AdvanceWatermark(tracker.max() + absl::Hours(24));
  engine.Drain();
  run.notifications = sink.Take();
  std::stable_sort(run.notifications.begin(), run.notifications.end(),
                   [](const core::Notification& a, const core::Notification& b) {
                     if (a.time != b.time) return a.time < b.time;
                     if (a.dedup_key != b.dedup_key) return a.dedup_key < b.dedup_key;
                     return a.sequence < b.sequence;
                   });
  run.stats = engine.Stats();
  run.replay = replayer.stats();
  return run;
}

BacktestComparison CompareBacktests(const BacktestRun& baseline, const BacktestRun& candidate) {
  BacktestComparison c;
  const correlate::ShardStats& a = baseline.stats;
  const correlate::ShardStats& b = candidate.stats;
  auto count = [&](std::string name, uint64_t x, uint64_t y) { c.counts.push_back({std::move(name), x, y}); };
  count("alerts in", a.alerts_in, b.alerts_in);
  count("incidents opened", a.incidents_opened, b.incidents_opened);
  count("notifications", a.notifications, b.notifications);
  count("firing notifications", a.pages, b.pages);
  count("storm pages", a.storm_pages, b.storm_pages);
  for (size_t r = 0; r < correlate::kSuppressReasons; ++r) {
    if (a.suppressed[r] == 0 && b.suppressed[r] == 0) continue;
    count(fmt::format("suppressed: {}", correlate::SuppressReasonName(static_cast<correlate::SuppressReason>(r))),
          a.suppressed[r], b.suppressed[r]);
  }
  if (a.late != 0 || b.late != 0) count("late", a.late, b.late);

  std::map<std::string, std::pair<uint64_t, uint64_t>> receivers;
  for (const core::Notification& n : baseline.notifications) {
    if (n.status == core::NotificationStatus::kFiring) ++receivers[n.receiver].first;
  }
  for (const core::Notification& n : candidate.notifications) {
    if (n.status == core::NotificationStatus::kFiring) ++receivers[n.receiver].second;
  }
  for (const auto& [name, v] : receivers) c.by_receiver.push_back({name, v.first, v.second});

  const FirstNotified fa = FirstFiring(baseline);
  const FirstNotified fb = FirstFiring(candidate);
  c.only_baseline = OnlyIn(fa, fb);
  c.only_candidate = OnlyIn(fb, fa);
  std::vector<absl::Duration> shifts;
  for (const auto& [key, t] : fa) {
    auto it = fb.find(key);
    if (it == fb.end()) continue;
    ++c.notified_by_both;
    if (it->second != t) shifts.push_back(absl::Nanoseconds(it->second.unix_nanos() - t.unix_nanos()));
  }
  c.moved = shifts.size();
  if (!shifts.empty()) {
    std::sort(shifts.begin(), shifts.end());
    c.median_shift = shifts[shifts.size() / 2];
    c.largest_shift = -shifts.front() > shifts.back() ? shifts.front() : shifts.back();
  }
  return c;
}

std::string FormatBacktestReport(const std::string& input, const BacktestRun& baseline, const BacktestRun& candidate,
                                 const BacktestComparison& c, size_t max_listed) {
  std::string out;
  auto line = [&](std::string_view name, const std::string& x, const std::string& y, const std::string& change) {
    fmt::format_to(std::back_inserter(out), "  {:<34} {:>12} {:>12} {:>10}\n", name, x, y, change);
  };
  fmt::format_to(std::back_inserter(out), "Backtest of {}: {} lines, {} signals accepted, {} records rejected\n",
                 input, candidate.replay.lines, candidate.replay.accepted, candidate.replay.rejected);
  fmt::format_to(std::back_inserter(out), "  baseline:  {}\n  candidate: {}\n\n", baseline.config_name,
                 candidate.config_name);
  line("", "baseline", "candidate", "change");
  for (const auto& n : c.counts) {
    line(n.name, std::to_string(n.baseline), std::to_string(n.candidate),
         Signed(static_cast<int64_t>(n.candidate) - static_cast<int64_t>(n.baseline)));
  }
  if (!c.by_receiver.empty()) {
    out += "\nFiring notifications by receiver:\n";
    for (const auto& n : c.by_receiver) {
      line(n.name, std::to_string(n.baseline), std::to_string(n.candidate),
           Signed(static_cast<int64_t>(n.candidate) - static_cast<int64_t>(n.baseline)));
    }
  }
  auto list = [&](std::string_view title, const std::vector<BacktestAlertChange>& changes) {
    fmt::format_to(std::back_inserter(out), "\n{} ({}{}):\n", title, changes.size(),
                   changes.empty() ? "" : "; first notification, receiver, labels");
    for (size_t i = 0; i < changes.size() && i < max_listed; ++i) {
      const BacktestAlertChange& ch = changes[i];
      fmt::format_to(std::back_inserter(out), "  {}  {}  {}\n", core::FormatRfc3339(ch.first.ToAbsl()), ch.receiver,
                     ch.labels);
    }
    if (changes.size() > max_listed) fmt::format_to(std::back_inserter(out), "  ... and {} more\n", changes.size() - max_listed);
  };
  list("Alerts notified firing only under the baseline", c.only_baseline);
  list("Alerts notified firing only under the candidate", c.only_candidate);
  fmt::format_to(std::back_inserter(out), "\nAlerts notified firing to the same receiver under both: {}", c.notified_by_both);
  if (c.moved == 0) {
    out += c.notified_by_both > 0 ? ", all at the same time\n" : "\n";
  } else {
    fmt::format_to(std::back_inserter(out), "; the first notification moved for {}: median {}, largest {}\n", c.moved,
                   SignedDuration(c.median_shift), SignedDuration(c.largest_shift));
  }
  return out;
}

std::string BacktestReportJson(const std::string& input, const BacktestRun& baseline, const BacktestRun& candidate,
                               const BacktestComparison& c) {
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("input", input);
  w.Field("baseline", baseline.config_name);
  w.Field("candidate", candidate.config_name);
  auto counts = [&](std::string_view key, const std::vector<BacktestComparison::Count>& list) {
    w.Key(key);
    w.BeginArray();
    for (const auto& n : list) {
      w.BeginObject();
      w.Field("name", n.name);
      w.Field("baseline", n.baseline);
      w.Field("candidate", n.candidate);
      w.EndObject();
    }
    w.EndArray();
  };
  counts("counts", c.counts);
  counts("by_receiver", c.by_receiver);
  auto changes = [&](std::string_view key, const std::vector<BacktestAlertChange>& list) {
    w.Key(key);
    w.BeginArray();
    for (const BacktestAlertChange& ch : list) {
      w.BeginObject();
      w.Field("receiver", ch.receiver);
      w.Field("labels", ch.labels);
      w.Field("first", core::FormatRfc3339(ch.first.ToAbsl()));
      w.EndObject();
    }
    w.EndArray();
  };
  changes("only_baseline", c.only_baseline);
  changes("only_candidate", c.only_candidate);
  w.Field("notified_by_both", c.notified_by_both);
  w.Field("moved", c.moved);
  w.Key("median_shift_seconds");
  w.Double(absl::ToDoubleSeconds(c.median_shift));
  w.Key("largest_shift_seconds");
  w.Double(absl::ToDoubleSeconds(c.largest_shift));
  w.EndObject();
  return out;
}

}  // namespace quell::app
