// `quell run --config FILE` as a real process: SIGHUP reloads, a change of the file reloads, a broken
// file is refused and counted while the old config keeps serving, SIGTERM stops it cleanly.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/http_client.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::trunc);
  out << s;
}

std::string Config(const fs::path& dir, const std::string& group_wait) {
  return "server:\n  listen: \"127.0.0.1:0\"\n"
         "route:\n  receiver: discard\n  class: investigate\n  group_wait: " + group_wait + "\n"
         "receivers:\n  - name: discard\n"
         "outbox:\n  dir: " + (dir / "outbox").string() + "\n"
         "audit:\n  path: " + (dir / "audit.jsonl").string() + "\n"
         "ingest:\n  dead_letter:\n    path: " + (dir / "dead.jsonl").string() + "\n";
}

std::string Metrics(uint16_t port) {
  quell::testing::HttpClient c(port);
  auto r = c.Get("/metrics");
  return r.ok() ? r->body : "";
}

TEST(ReloadSignalsTest, SighupFileChangeAndBrokenFile) {
  fs::path dir = fs::path(::testing::TempDir()) / ("quell_reload_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path config = dir / "quell.yaml";
  Write(config, Config(dir, "10s"));
  fs::path log = dir / "stderr.log";

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    std::string bin = std::string(QUELL_BINARY_DIR) + "/bin/quell";
    ::execl(bin.c_str(), bin.c_str(), "run", "--config", config.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  uint16_t port = 0;
  ASSERT_TRUE(quell::testing::WaitUntil(
      [&] {
        std::smatch m;
        std::string text = Read(log);
        if (!std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"))) return false;
        port = static_cast<uint16_t>(std::stoi(m[1]));
        return true;
      },
      std::chrono::seconds(30)))
      << Read(log);

  auto reloads = [&](const std::string& outcome, int n) {
    return quell::testing::WaitUntil(
        [&] {
          return Metrics(port).find("quell_config_reloads_total{outcome=\"" + outcome + "\"} " + std::to_string(n)) !=
                 std::string::npos;
        },
        std::chrono::seconds(20));
  };
  EXPECT_TRUE(reloads("success", 0));

  ::kill(pid, SIGHUP);
  EXPECT_TRUE(reloads("success", 1)) << Metrics(port);

  // The config file watch (checked every second) takes a changed file.
  Write(config, Config(dir, "20s"));
  EXPECT_TRUE(reloads("success", 2)) << Metrics(port);

  // A broken file is refused; the process keeps serving the old config.
  Write(config, Config(dir, "soon"));
  EXPECT_TRUE(reloads("failure", 1)) << Metrics(port);
  EXPECT_THAT(Metrics(port), HasSubstr("quell_config_last_reload_success 0"));
  EXPECT_THAT(Read(log), HasSubstr("config reload failed, keeping the running config"));
  EXPECT_THAT(Read(dir / "audit.jsonl"), HasSubstr(R"("principal":"file-watch")"));
  EXPECT_THAT(Read(dir / "audit.jsonl"), HasSubstr(R"("principal":"sighup")"));

  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fs::remove_all(dir);
}

}  // namespace
