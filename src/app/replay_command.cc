// src/app/replay_command.cc: `quell replay` (commands.h).
#include <fstream>
#include <optional>
#include <string>

#include "app/backtest.h"
#include "app/commands.h"
#include "app/quell_config.h"
#include "sinks/notification_json.h"

namespace quell::app {
namespace {

absl::StatusOr<QuellConfig> Load(const std::string& path) {
  return path.empty() ? LoadEmbeddedDefault() : LoadConfig(path);
}

void Summary(std::FILE* err, const char* what, const BacktestRun& run) {
  uint64_t firing = 0;
  for (const core::Notification& n : run.notifications) firing += n.status == core::NotificationStatus::kFiring;
  std::fprintf(err,
               "replay%s: %llu signals accepted, %llu records rejected; %llu alerts in, %llu incidents, %zu notifications "
               "(%llu firing)\n",
               what, static_cast<unsigned long long>(run.replay.accepted),
               static_cast<unsigned long long>(run.replay.rejected), static_cast<unsigned long long>(run.stats.alerts_in),
               static_cast<unsigned long long>(run.stats.incidents_opened), run.notifications.size(),
               static_cast<unsigned long long>(firing));
}

// Writes one JSON line per notification to `output` ("-" = `out`). False (reported) on error.
bool WriteNotifications(const BacktestRun& run, const std::string& output, std::FILE* out, std::FILE* err) {
  std::FILE* f = out;
  if (output != "-") {
    f = std::fopen(output.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(err, "replay: cannot write %s\n", output.c_str());
      return false;
    }
  }
  std::string line;
  for (const core::Notification& n : run.notifications) {
    line = sinks::NotificationToJson(n);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), f);
  }
  if (f != out) std::fclose(f);
  return true;
}

}  // namespace

int RunReplay(const ReplayCommandOptions& o, std::FILE* out, std::FILE* err) {
  if (o.baseline.empty() && (!o.report_json.empty() || o.fail_on_new)) {
    std::fprintf(err, "replay: --report-json and --fail-on-new compare with a --baseline config\n");
    return 1;
  }
  absl::StatusOr<QuellConfig> cfg = Load(o.config);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  std::optional<QuellConfig> baseline_cfg;
  if (!o.baseline.empty()) {
    absl::StatusOr<QuellConfig> b = Load(o.baseline);
    if (!b.ok()) {
      std::fprintf(err, "%s\n", std::string(b.status().message()).c_str());
      return 1;
    }
    baseline_cfg = *std::move(b);
  }
  absl::StatusOr<BacktestRun> run = ReplayForBacktest(*cfg, o.input);
  if (!run.ok()) {
    std::fprintf(err, "replay: %s\n", std::string(run.status().message()).c_str());
    return 1;
  }
  if (!o.output.empty() && !WriteNotifications(*run, o.output, out, err)) return 1;
  if (!baseline_cfg) {
    Summary(err, "", *run);
    return 0;
  }
  absl::StatusOr<BacktestRun> base = ReplayForBacktest(*baseline_cfg, o.input);
  if (!base.ok()) {
    std::fprintf(err, "replay: %s\n", std::string(base.status().message()).c_str());
    return 1;
  }
  Summary(err, " (baseline)", *base);
  Summary(err, " (candidate)", *run);
  const BacktestComparison comparison = CompareBacktests(*base, *run);
  std::string report = FormatBacktestReport(o.input, *base, *run, comparison);
  std::fwrite(report.data(), 1, report.size(), out);
  if (!o.report_json.empty()) {
    std::ofstream json(o.report_json, std::ios::trunc);
    json << BacktestReportJson(o.input, *base, *run, comparison) << "\n";
    if (!json) {
      std::fprintf(err, "replay: cannot write %s\n", o.report_json.c_str());
      return 1;
    }
  }
  if (o.fail_on_new && !comparison.only_candidate.empty()) {
    std::fprintf(err, "replay: %zu alert(s) would be notified to a receiver that the baseline did not notify\n",
                 comparison.only_candidate.size());
    return 3;
  }
  return 0;
}

}  // namespace quell::app
