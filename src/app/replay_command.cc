// src/app/replay_command.cc: `quell replay` (commands.h).
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

int RunReplay(const std::string& config_path, const std::string& input, const std::string& output,
              const std::string& baseline_path, std::FILE* out, std::FILE* err) {
  absl::StatusOr<QuellConfig> cfg = Load(config_path);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
    return 1;
  }
  std::optional<QuellConfig> baseline_cfg;
  if (!baseline_path.empty()) {
    absl::StatusOr<QuellConfig> b = Load(baseline_path);
    if (!b.ok()) {
      std::fprintf(err, "%s\n", std::string(b.status().message()).c_str());
      return 1;
    }
    baseline_cfg = *std::move(b);
  }
  absl::StatusOr<BacktestRun> run = ReplayForBacktest(*cfg, input);
  if (!run.ok()) {
    std::fprintf(err, "replay: %s\n", std::string(run.status().message()).c_str());
    return 1;
  }
  if (!output.empty() && !WriteNotifications(*run, output, out, err)) return 1;
  if (!baseline_cfg) {
    Summary(err, "", *run);
    return 0;
  }
  absl::StatusOr<BacktestRun> base = ReplayForBacktest(*baseline_cfg, input);
  if (!base.ok()) {
    std::fprintf(err, "replay: %s\n", std::string(base.status().message()).c_str());
    return 1;
  }
  Summary(err, " (baseline)", *base);
  Summary(err, " (candidate)", *run);
  std::string report = FormatBacktestReport(input, *base, *run, CompareBacktests(*base, *run));
  std::fwrite(report.data(), 1, report.size(), out);
  return 0;
}

}  // namespace quell::app
