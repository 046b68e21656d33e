#include <algorithm>
#include <fstream>
#include <mutex>
#include <vector>

#include "app/commands.h"
#include "app/quell_config.h"
#include "core/clock.h"
#include "core/notification_sink.h"
#include "correlate/compiled_rules.h"
#include "correlate/sharded_engine.h"
#include "correlate/silencer.h"
#include "ingest/ndjson_replayer.h"
#include "sinks/notification_json.h"

namespace quell::app {
namespace {

// Collects notifications; they are sorted by (time, dedup key, sequence) before writing, so the
// output does not depend on shard thread interleaving.
class CollectingSink final : public core::NotificationSink {
 public:
  void Send(core::Notification n) override {
    std::lock_guard<std::mutex> lock(mu_);
    out_.push_back(std::move(n));
  }
  std::vector<core::Notification> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(out_);
  }

 private:
  std::mutex mu_;
  std::vector<core::Notification> out_;
};

// Tracks the largest event time seen, to flush every timer after the input ends.
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

}  // namespace

int RunReplay(const std::string& config_path, const std::string& input, const std::string& output, std::FILE* err) {
  absl::StatusOr<QuellConfig> cfg = config_path.empty() ? LoadEmbeddedDefault() : LoadConfig(config_path);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  // Event time only: the wall clock is frozen at 0 so the live-mode idle ticker never fires.
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));
  CollectingSink sink;
  correlate::Silencer silencer;
  correlate::ShardedEngine engine(correlate::CompiledRules::Build(cfg->rules), &sink, &silencer, &clock,
                                  cfg->rules.settings.shards);
  MaxTimeSink tracker(&engine);
  ingest::ReplayOptions ropts;
  ropts.parser.datadog_webhook_mapping = &cfg->datadog_webhook;
  ingest::Replayer replayer(&tracker, &clock, ropts, [](core::WallTime) {});
  absl::Status s = replayer.ReplayFile(input);
  if (!s.ok()) {
    std::fprintf(err, "replay: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  engine.Drain();
  // Flush every pending timer: group_wait, repeat and resolve timers up to a day past the input.
  engine.AdvanceWatermark(tracker.max() + absl::Hours(24));
  engine.Drain();
  std::vector<core::Notification> notes = sink.Take();
  std::stable_sort(notes.begin(), notes.end(), [](const core::Notification& a, const core::Notification& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.dedup_key != b.dedup_key) return a.dedup_key < b.dedup_key;
    return a.sequence < b.sequence;
  });
  std::ofstream file;
  std::FILE* out = stdout;
  if (output != "-" && !output.empty()) {
    out = std::fopen(output.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(err, "replay: cannot write %s\n", output.c_str());
      return 1;
    }
  }
  std::string line;
  uint64_t pages = 0;
  for (const core::Notification& n : notes) {
    line = sinks::NotificationToJson(n);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), out);
    if (n.status == core::NotificationStatus::kFiring) ++pages;
  }
  if (out != stdout) std::fclose(out);
  correlate::ShardStats st = engine.Stats();
  std::fprintf(err, "replay: %llu records accepted, %llu rejected; %llu alerts in, %llu incidents, %zu notifications (%llu firing)\n",
               static_cast<unsigned long long>(replayer.stats().accepted),
               static_cast<unsigned long long>(replayer.stats().rejected),
               static_cast<unsigned long long>(st.alerts_in), static_cast<unsigned long long>(st.incidents_opened),
               notes.size(), static_cast<unsigned long long>(pages));
  return 0;
}

}  // namespace quell::app
