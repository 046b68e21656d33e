// Failure drill: `quell run` as a real process, killed with SIGKILL right after the HTTP intake
// answered. With ingest.journal, what it answered 2xx for is in the next run (replayed into the
// restored state before the listener opens), a clean stop trims the journal, and the run after
// that finds the alerts in the state file alone. And under load with checkpoints running, each
// accepted body counts exactly once in the next run (a deploy gate's evidence).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/http_client.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t Segments(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) n += e.path().extension() == ".ndjson" ? 1 : 0;
  return n;
}

class CrashDrillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("quell_crash_drill_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "quell.yaml")
        << "server:\n  listen: \"127.0.0.1:0\"\n"
        << "ingest:\n  journal:\n    dir: " << (dir_ / "journal").string() << "\n"
        << "  dead_letter:\n    path: " << (dir_ / "dead.jsonl").string() << "\n"
        << "correlate:\n  state_file: " << (dir_ / "correlation.json").string() << "\n"
        << "  state_checkpoint_interval: 1h\n"  // No checkpoint before the kill.
        << "route:\n  receiver: discard\n  class: investigate\n  group_wait: 10m\n"
        << "receivers:\n  - name: discard\n"
        << "outbox:\n  dir: " << (dir_ / "outbox").string() << "\n"
        << "audit:\n  path: " << (dir_ / "audit.jsonl").string() << "\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts `quell run` with dir_/`config`; returns its port (0 on failure).
  uint16_t Start(int run, const std::string& config_name = "quell.yaml") {
    log_ = dir_ / ("stderr-" + std::to_string(run) + ".log");
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(log_.c_str(), "w", stderr);
      (void)f;
      std::string bin = std::string(QUELL_BINARY_DIR) + "/bin/quell";
      std::string config = (dir_ / config_name).string();
      ::execl(bin.c_str(), bin.c_str(), "run", "--config", config.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    uint16_t port = 0;
    quell::testing::WaitUntil(
        [&] {
          std::smatch m;
          std::string text = Read(log_);
          if (!std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"))) return false;
          port = static_cast<uint16_t>(std::stoi(m[1]));
          return true;
        },
        std::chrono::seconds(30));
    return port;
  }
  int Stop(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return status;
  }
  std::string Alerts(uint16_t port) {
    quell::testing::HttpClient c(port);
    auto r = c.Get("/api/v2/alerts");
    return r.ok() && r->status == 200 ? r->body : "error";
  }

  fs::path dir_, log_;
  pid_t pid_ = -1;
};

TEST_F(CrashDrillTest, WhatTheIntakeAcceptedSurvivesSigkill) {
  uint16_t port = Start(1);
  ASSERT_NE(port, 0) << Read(log_);
  {
    quell::testing::HttpClient c(port);
    auto am = c.Post("/api/v2/alerts",
                     R"([{"labels":{"alertname":"DiskFull","service":"billing","severity":"critical"},)"
                     R"("annotations":{"summary":"disk 97%"}}])");
    ASSERT_TRUE(am.ok());
    ASSERT_EQ(am->status, 200) << am->body;
    // Now, so that no shard's watermark has passed it.
    const std::string ms = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    auto dd = c.Post("/api/v1/datadog/webhook",
                     R"({"id":"7312345678901234567","last_updated":")" + ms +
                         R"(","event_type":"query_alert_monitor","title":"[Triggered] High error rate on checkout",)"
                         R"("date":")" + ms + R"(","body":"error rate above 5%"})");
    ASSERT_TRUE(dd.ok());
    ASSERT_EQ(dd->status, 202) << dd->body;
    ASSERT_THAT(Alerts(port), HasSubstr("DiskFull"));
  }
  int status = Stop(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(dir_ / "correlation.json"));  // Killed before any checkpoint.
  EXPECT_EQ(Segments(dir_ / "journal"), 1u);

  // Run 2: the journal is replayed before the listener serves.
  port = Start(2);
  ASSERT_NE(port, 0) << Read(log_);
  std::string alerts = Alerts(port);
  EXPECT_THAT(alerts, HasSubstr("DiskFull"));
  EXPECT_THAT(alerts, HasSubstr("disk 97%"));
  EXPECT_THAT(alerts, HasSubstr("High error rate on checkout"));
  EXPECT_THAT(Read(log_), HasSubstr("replayed the intake journal (1 segments"));
  {
    quell::testing::HttpClient c(port);
    auto m = c.Get("/metrics");
    ASSERT_TRUE(m.ok());
    EXPECT_THAT(m->body, HasSubstr("quell_intake_journal_segments "));
  }
  // A clean stop checkpoints the state, which covers the journal: it is trimmed.
  status = Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(dir_ / "correlation.json"));
  EXPECT_EQ(Segments(dir_ / "journal"), 0u);

  // Run 3: the state file alone brings the alerts back.
  port = Start(3);
  ASSERT_NE(port, 0) << Read(log_);
  alerts = Alerts(port);
  EXPECT_THAT(alerts, HasSubstr("DiskFull"));
  EXPECT_THAT(alerts, HasSubstr("High error rate on checkout"));
  EXPECT_THAT(Read(log_), Not(HasSubstr("replayed the intake journal")));
  status = Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << status;
}

// Exactly once across a crash under load: logs for a deploy gate stream in from two clients while
// checkpoints run (every second), the process is killed right after the last answer, and the next
// run's gate evidence counts every accepted log once: the restored checkpoint holds the bodies
// submitted before its cut and the journal replays the rest (ADR 0045). Before checkpoints were
// taken at a cut, the bodies in flight at the last checkpoint came back twice (a few per run).
TEST_F(CrashDrillTest, GateEvidenceCountsEachAcceptedBodyOnceAcrossSigkill) {
  std::ofstream(dir_ / "gates.yaml")
      << "server:\n  listen: \"127.0.0.1:0\"\n"
      << "ingest:\n  journal:\n    dir: " << (dir_ / "journal").string() << "\n"
      << "  dead_letter:\n    path: " << (dir_ / "dead.jsonl").string() << "\n"
      << "correlate:\n  state_file: " << (dir_ / "correlation.json").string() << "\n"
      << "  state_checkpoint_interval: 1s\n"
      << "route:\n  receiver: discard\n  class: investigate\n  group_wait: 10m\n"
      << "receivers:\n  - name: discard\n"
      << "outbox:\n  dir: " << (dir_ / "outbox").string() << "\n"
      << "audit:\n  path: " << (dir_ / "audit.jsonl").string() << "\n"
      << "gates:\n  - service: checkout\n    env: prod\n"
      << "    indicators:\n      - {name: errors, type: error_rate, source: logs}\n";
  uint16_t port = Start(1, "gates.yaml");
  ASSERT_NE(port, 0) << Read(log_);
  quell::testing::HttpClient c(port);
  for (const char* d : {R"({"service":"checkout","env":"prod","version":"v1","color":"blue"})",
                        R"({"service":"checkout","env":"prod","version":"v2","color":"green"})"}) {
    auto r = c.Post("/api/v1/deployments", d);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }
  // Each body: three logs of the canary (v2, green) and two of the baseline (v1, blue).
  std::string body = "[";
  for (int i = 0; i < 5; ++i) {
    body += i == 0 ? "" : ",";
    body += i < 3 ? R"({"message":"ok","service":"checkout","ddtags":"env:prod,version:v2,deployment.color:green"})"
                  : R"({"message":"ok","service":"checkout","ddtags":"env:prod,version:v1,deployment.color:blue"})";
  }
  body += "]";
  auto checkpoints = [&] {
    auto m = c.Get("/metrics");
    std::smatch match;
    const std::string text = m.ok() ? m->body : "";
    if (!std::regex_search(text, match, std::regex(R"re(quell_state_checkpoints_total\{outcome="success"\} ([0-9]+))re"))) {
      return 0;
    }
    return std::stoi(match[1]);
  };
  const int before = checkpoints();  // The deployments' own.
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&] {
      quell::testing::HttpClient client(port);
      while (!stop.load()) {
        auto r = client.Post("/api/v2/logs", body);
        (r.ok() && r->status == 202 ? accepted : refused).fetch_add(1);
      }
    });
  }
  // Three checkpoints under load, then the kill right after the last answer.
  EXPECT_TRUE(quell::testing::WaitUntil([&] { return checkpoints() >= before + 3; }, std::chrono::seconds(60)));
  stop.store(true);
  for (auto& t : clients) t.join();
  int status = Stop(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(refused.load(), 0);
  const int bodies = accepted.load();
  ASSERT_GT(bodies, 0);

  port = Start(2, "gates.yaml");
  ASSERT_NE(port, 0) << Read(log_);
  quell::testing::HttpClient c2(port);
  const std::regex samples_re(R"re("samples":\{"canary":([0-9]+),"baseline":([0-9]+),"min":[0-9]+,"canary_late":([0-9]+),"baseline_late":([0-9]+))re");
  long canary = 0, baseline = 0;
  std::string gate;
  EXPECT_TRUE(quell::testing::WaitUntil(
      [&] {
        auto g = c2.Get("/api/v1/gates/checkout");
        gate = g.ok() ? g->body : "";
        std::smatch m;
        if (!std::regex_search(gate, m, samples_re)) return false;
        canary = std::stol(m[1]) + std::stol(m[3]);
        baseline = std::stol(m[2]) + std::stol(m[4]);
        return canary >= 3L * bodies;
      },
      std::chrono::seconds(30)))
      << gate;
  EXPECT_EQ(canary, 3L * bodies) << bodies << " bodies accepted; " << gate;
  EXPECT_EQ(baseline, 2L * bodies) << bodies << " bodies accepted; " << gate;
  EXPECT_THAT(Read(log_), HasSubstr("replayed the intake journal"));
  status = Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << status;
}

}  // namespace
