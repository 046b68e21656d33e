#include "app/backtest.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/ndjson_record_writer.h"
#include "tests/testing/status_matchers.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The platform team's change: inhibit warnings while a critical alert of the same service fires,
// and wait a minute instead of 30 s before the first page.
constexpr char kBaseline[] = R"(correlate:
  shards: 1
  allowed_lateness: 0s
route:
  receiver: pages
  runbook: default.md
  group_by: [alertname, service]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: pages
)";

constexpr char kCandidate[] = R"(correlate:
  shards: 1
  allowed_lateness: 0s
route:
  receiver: pages
  runbook: default.md
  group_by: [alertname, service]
  group_wait: 1m
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['team="db"']
      receiver: db-oncall
receivers:
  - name: pages
  - name: db-oncall
inhibit_rules:
  - name: critical-mutes-warnings
    source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
)";

std::string Alert(const std::string& labels, const std::string& starts_at) {
  return R"([{"labels":{)" + labels + R"(},"startsAt":")" + starts_at + R"("}])";
}

class BacktestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quell_backtest_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string runbooks = std::string("runbooks:\n  dir: ") + QUELL_SOURCE_DIR + "/runbooks\n";
    std::ofstream(dir_ / "old.yaml") << kBaseline << runbooks;
    std::ofstream(dir_ / "new.yaml") << kCandidate << runbooks;
    std::ofstream rec(dir_ / "rec.ndjson");
    std::string line;
    auto add = [&](int64_t seconds, const std::string& body) {
      ingest::RecordWriter::FormatRecord(core::Format::kAlertmanager,
                                         core::EventTime::FromUnixNanos((1767600000 + seconds) * 1'000'000'000),
                                         body, &line);
      rec << line;
    };
    // 2026-01-05T08:00:00Z = 1767600000.
    add(0, Alert(R"("alertname":"ApiDown","service":"api","severity":"critical")", "2026-01-05T08:00:00Z"));
    add(5, Alert(R"("alertname":"ApiLatency","service":"api","severity":"warning")", "2026-01-05T08:00:05Z"));
    add(10, Alert(R"("alertname":"DiskFull","service":"db","severity":"critical","team":"db")",
                  "2026-01-05T08:00:10Z"));
    add(11, "this line is not JSON");
  }
  void TearDown() override { fs::remove_all(dir_); }

  BacktestRun Run(const std::string& config) {
    absl::StatusOr<QuellConfig> cfg = LoadConfig((dir_ / config).string());
    EXPECT_TRUE(cfg.ok()) << cfg.status();
    absl::StatusOr<BacktestRun> run = ReplayForBacktest(*cfg, (dir_ / "rec.ndjson").string());
    EXPECT_TRUE(run.ok()) << run.status();
    return *std::move(run);
  }

  fs::path dir_;
};

TEST_F(BacktestTest, ComparisonNamesTheAlertsThatWouldNoLongerPageAndTheDelay) {
  const BacktestRun base = Run("old.yaml");
  const BacktestRun cand = Run("new.yaml");
  EXPECT_EQ(base.replay.accepted, 3u);
  EXPECT_EQ(base.replay.rejected, 1u);
  const BacktestComparison c = CompareBacktests(base, cand);

  // ApiLatency is inhibited under the candidate: notified only under the baseline.
  ASSERT_EQ(c.only_baseline.size(), 2u);
  EXPECT_EQ(c.only_baseline[0].receiver, "pages");
  EXPECT_THAT(c.only_baseline[0].labels, HasSubstr("ApiLatency"));
  EXPECT_EQ(core::FormatRfc3339(c.only_baseline[0].first.ToAbsl()), "2026-01-05T08:00:35Z");
  // DiskFull moved from `pages` to `db-oncall`: one pair on each side.
  EXPECT_EQ(c.only_baseline[1].receiver, "pages");
  EXPECT_THAT(c.only_baseline[1].labels, HasSubstr("DiskFull"));
  ASSERT_EQ(c.only_candidate.size(), 1u);
  EXPECT_EQ(c.only_candidate[0].receiver, "db-oncall");
  EXPECT_THAT(c.only_candidate[0].labels, HasSubstr("DiskFull"));
  EXPECT_EQ(core::FormatRfc3339(c.only_candidate[0].first.ToAbsl()), "2026-01-05T08:01:10Z");
  // ApiDown pages under both, 30 s later under the candidate (group_wait 1m).
  EXPECT_EQ(c.notified_by_both, 1u);
  EXPECT_EQ(c.moved, 1u);
  EXPECT_EQ(c.median_shift, absl::Seconds(30));
  EXPECT_EQ(c.largest_shift, absl::Seconds(30));

  auto count = [&](const std::string& name) {
    for (const auto& n : c.counts) {
      if (n.name == name) return std::make_pair(n.baseline, n.candidate);
    }
    return std::make_pair(uint64_t{999}, uint64_t{999});
  };
  EXPECT_EQ(count("alerts in"), std::make_pair(uint64_t{3}, uint64_t{3}));
  EXPECT_EQ(count("firing notifications"), std::make_pair(uint64_t{3}, uint64_t{2}));
  EXPECT_EQ(count("suppressed: inhibited").first, 0u);
  EXPECT_GE(count("suppressed: inhibited").second, 1u);
  ASSERT_EQ(c.by_receiver.size(), 2u);
  EXPECT_EQ(c.by_receiver[0].name, "db-oncall");
  EXPECT_EQ(c.by_receiver[0].baseline, 0u);
  EXPECT_EQ(c.by_receiver[0].candidate, 1u);
  EXPECT_EQ(c.by_receiver[1].name, "pages");
  EXPECT_EQ(c.by_receiver[1].baseline, 3u);
  EXPECT_EQ(c.by_receiver[1].candidate, 1u);

  const std::string report = FormatBacktestReport("rec.ndjson", base, cand, c, 1);
  EXPECT_THAT(report, HasSubstr("Backtest of rec.ndjson: 4 lines, 3 signals accepted, 1 records rejected"));
  EXPECT_THAT(report, HasSubstr("Alerts notified firing only under the candidate (1; first notification, receiver, labels):"));
  EXPECT_THAT(report, HasSubstr("2026-01-05T08:01:10Z  db-oncall  {alertname=\"DiskFull\""));
  EXPECT_THAT(report, HasSubstr("... and 1 more"));  // max_listed 1 of the baseline's 2.
  EXPECT_THAT(report, HasSubstr("the first notification moved for 1: median +30s, largest +30s"));
}

// A directory of segments (an intake journal's) replays as their concatenation, in name order.
TEST_F(BacktestTest, ADirectoryReplaysItsFilesInNameOrder) {
  std::ifstream in(dir_ / "rec.ndjson");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l + "\n");
  ASSERT_EQ(lines.size(), 4u);
  fs::create_directories(dir_ / "journal");
  std::ofstream(dir_ / "journal" / "intake-00000000000000000002.ndjson") << lines[2] << lines[3];
  std::ofstream(dir_ / "journal" / "intake-00000000000000000001.ndjson") << lines[0] << lines[1];
  std::ofstream(dir_ / "journal" / "notes.txt") << "not a segment";
  absl::StatusOr<QuellConfig> cfg = LoadConfig((dir_ / "new.yaml").string());
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  absl::StatusOr<BacktestRun> from_dir = ReplayForBacktest(*cfg, (dir_ / "journal").string());
  ASSERT_TRUE(from_dir.ok()) << from_dir.status();
  const BacktestRun from_file = Run("new.yaml");
  EXPECT_EQ(from_dir->replay.accepted, 3u);
  EXPECT_EQ(from_dir->replay.rejected, 1u);
  const BacktestComparison c = CompareBacktests(from_file, *from_dir);
  EXPECT_TRUE(c.only_baseline.empty());
  EXPECT_TRUE(c.only_candidate.empty());
  EXPECT_EQ(c.moved, 0u);
  fs::create_directories(dir_ / "empty");
  absl::StatusOr<BacktestRun> none = ReplayForBacktest(*cfg, (dir_ / "empty").string());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(BacktestTest, TheSameConfigTwiceChangesNothing) {
  const BacktestRun a = Run("new.yaml");
  const BacktestRun b = Run("new.yaml");
  const BacktestComparison c = CompareBacktests(a, b);
  EXPECT_TRUE(c.only_baseline.empty());
  EXPECT_TRUE(c.only_candidate.empty());
  EXPECT_EQ(c.notified_by_both, 2u);
  EXPECT_EQ(c.moved, 0u);
  for (const auto& n : c.counts) EXPECT_EQ(n.baseline, n.candidate) << n.name;
  ASSERT_EQ(a.notifications.size(), b.notifications.size());
  for (size_t i = 0; i < a.notifications.size(); ++i) {
    EXPECT_EQ(a.notifications[i].dedup_key, b.notifications[i].dedup_key);
    EXPECT_EQ(a.notifications[i].time, b.notifications[i].time);
  }
}

std::string ReadBack(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

TEST_F(BacktestTest, ReplayCommandWritesNotificationsOrTheReport) {
  const std::string rec = (dir_ / "rec.ndjson").string();
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  ReplayCommandOptions plain;
  plain.config = (dir_ / "new.yaml").string();
  plain.input = rec;
  ASSERT_EQ(RunReplay(plain, out, err), 0);
  const std::string lines = ReadBack(out);
  // ApiDown and DiskFull, firing and then resolved (resolve_timeout: the alerts carry no endsAt).
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 4);
  EXPECT_THAT(lines, HasSubstr(R"("receiver":"db-oncall")"));
  EXPECT_THAT(ReadBack(err), HasSubstr("replay: 3 signals accepted, 1 records rejected; 3 alerts in, 3 "
                                       "incidents, 4 notifications (2 firing)"));
  std::fclose(out);
  std::fclose(err);

  // With a baseline: the report on `out`, notifications only where asked.
  out = std::tmpfile();
  err = std::tmpfile();
  const std::string written = (dir_ / "candidate.jsonl").string();
  ReplayCommandOptions compare = plain;
  compare.output = written;
  compare.baseline = (dir_ / "old.yaml").string();
  compare.report_json = (dir_ / "report.json").string();
  ASSERT_EQ(RunReplay(compare, out, err), 0);
  const std::string report = ReadBack(out);
  EXPECT_THAT(report, HasSubstr("baseline:  " + (dir_ / "old.yaml").string()));
  EXPECT_THAT(report, HasSubstr("Alerts notified firing only under the baseline"));
  EXPECT_THAT(report, Not(HasSubstr(R"("dedup_key")")));
  EXPECT_THAT(ReadBack(err), HasSubstr("replay (baseline): 3 signals accepted"));
  std::ifstream in(written);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_THAT(ss.str(), HasSubstr(R"("receiver":"db-oncall")"));
  std::fclose(out);
  std::fclose(err);
  // The JSON report lists every alert (no "and N more"), readable by a CI job.
  std::ifstream report_in(dir_ / "report.json");
  std::stringstream report_json;
  report_json << report_in.rdbuf();
  EXPECT_THAT(report_json.str(), HasSubstr(R"("only_candidate":[{"receiver":"db-oncall","labels":"{alertname=\"DiskFull\")"));
  EXPECT_THAT(report_json.str(), HasSubstr(R"("first":"2026-01-05T08:01:10Z")"));
  EXPECT_THAT(report_json.str(), HasSubstr(R"("median_shift_seconds":30)"));
  EXPECT_THAT(report_json.str(), HasSubstr(R"({"name":"firing notifications","baseline":3,"candidate":2})"));

  // --fail-on-new: the candidate notifies db-oncall about DiskFull, which the baseline did not.
  out = std::tmpfile();
  err = std::tmpfile();
  ReplayCommandOptions gate = plain;
  gate.output.clear();
  gate.baseline = (dir_ / "old.yaml").string();
  gate.fail_on_new = true;
  EXPECT_EQ(RunReplay(gate, out, err), 3);
  EXPECT_THAT(ReadBack(err), HasSubstr("1 alert(s) would be notified to a receiver that the baseline did not notify"));
  std::fclose(out);
  std::fclose(err);
  // The same config as its own baseline: nothing is new.
  out = std::tmpfile();
  err = std::tmpfile();
  gate.config = (dir_ / "old.yaml").string();
  gate.baseline = (dir_ / "old.yaml").string();
  EXPECT_EQ(RunReplay(gate, out, err), 0);
  std::fclose(out);
  std::fclose(err);
  // Without a baseline these options are refused.
  out = std::tmpfile();
  err = std::tmpfile();
  ReplayCommandOptions lone = plain;
  lone.fail_on_new = true;
  EXPECT_EQ(RunReplay(lone, out, err), 1);
  EXPECT_THAT(ReadBack(err), HasSubstr("compare with a --baseline"));
  std::fclose(out);
  std::fclose(err);

  // A baseline that does not load is an error naming its position.
  std::ofstream(dir_ / "bad.yaml") << "route:\n  receiver: pages\n  group_wait: soon\nreceivers:\n  - name: pages\n";
  out = std::tmpfile();
  err = std::tmpfile();
  ReplayCommandOptions bad = plain;
  bad.output.clear();
  bad.baseline = (dir_ / "bad.yaml").string();
  EXPECT_EQ(RunReplay(bad, out, err), 1);
  EXPECT_THAT(ReadBack(err), HasSubstr("bad.yaml:3:"));
  std::fclose(out);
  std::fclose(err);
}

}  // namespace
}  // namespace quell::app
