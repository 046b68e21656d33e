// tests/integration/kafka_kcat_test.cc
//
// Compatibility with a real, independent Kafka client: Debian's kcat produces into the mock
// cluster (in-process, and the quell-mock-kafka tool's), and KafkaSource receives exactly what
// kcat sent, in order, with formats taken from kcat's -H headers.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/kafka/mock_cluster.h"
#include "tests/integration/kafka_test_util.h"
#include "tests/testing/status_matchers.h"

extern char** environ;

namespace quell::ingest {
namespace {

using kafka_test::RecordingSink;
using kafka_test::TestConfig;
using kafka_test::TestOptions;
using kafka_test::WaitFor;

bool HaveKcat() { return std::system("kcat -V >/dev/null 2>&1") == 0; }

// Runs kcat in producer mode with `lines` on stdin ("key|value" per line). Returns its exit code.
int KcatProduce(const std::string& brokers, const std::string& topic,
                const std::vector<std::string>& lines, const std::string& extra) {
  std::string cmd = fmt::format("kcat -P -b '{}' -t '{}' -p 0 -K '|' -X log_level=3 {}", brokers,
                                topic, extra);
  FILE* f = popen(cmd.c_str(), "w");
  if (f == nullptr) return -1;
  for (const std::string& l : lines) std::fprintf(f, "%s\n", l.c_str());
  int rc = pclose(f);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void ExpectSourceReceives(const std::string& brokers, const std::string& group,
                          const std::string& topic, const std::vector<std::string>& expected) {
  RecordingSink sink;
  KafkaSourceConfig cfg = TestConfig(brokers, group, topic);
  cfg.topics[0].format = core::Format::kUnknown;  // From kcat's -H quell-format header.
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() >= expected.size(); }));
  ASSERT_TRUE(WaitFor([&] {
    auto s = source->Stats();
    return !s.partitions.empty() && s.partitions[0].committed == static_cast<int64_t>(expected.size());
  }));
  EXPECT_EQ(sink.titles(), expected);
  EXPECT_EQ(source->Stats().dead_letters, 0u);
  source->Stop();
}

TEST(KafkaKcatTest, SourceReceivesExactlyWhatKcatProducedToTheInProcessMock) {
  if (!HaveKcat()) GTEST_SKIP() << "kcat is not installed (scripts/install-deps.sh installs it)";
  ASSERT_OK_AND_ASSIGN(auto cluster, MockCluster::Create(3));
  ASSERT_OK(cluster->CreateTopic("kcat-in", 1));
  std::vector<std::string> lines, expected;
  for (int i = 0; i < 200; ++i) {
    lines.push_back(fmt::format("key-{}|ok kcat-{:03}", i, i));
    expected.push_back(fmt::format("kcat-{:03}", i));
  }
  ASSERT_EQ(KcatProduce(cluster->bootstrap_servers(), "kcat-in", lines, "-H quell-format=quell"), 0);
  ExpectSourceReceives(cluster->bootstrap_servers(), "g-kcat", "kcat-in", expected);
}

// Starts quell-mock-kafka, reads the bootstrap servers from its first stdout line.
class MockKafkaTool {
 public:
  explicit MockKafkaTool(const std::string& path) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<std::string> args = {path, "--brokers", "3", "--topic", "tool-in:2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, path.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char buf[512];
    if (out != nullptr && std::fgets(buf, sizeof(buf), out) != nullptr) {
      bootstrap_ = buf;
      while (!bootstrap_.empty() && (bootstrap_.back() == '\n' || bootstrap_.back() == '\r')) {
        bootstrap_.pop_back();
      }
    }
    out_ = out;
  }
  ~MockKafkaTool() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (out_ != nullptr) std::fclose(out_);
  }
  // Stops the tool; true iff it exited with status 0 after SIGTERM.
  bool Terminate() {
    if (pid_ <= 0) return false;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string bootstrap_;
};

TEST(KafkaKcatTest, KcatProducesIntoTheQuellMockKafkaTool) {
  if (!HaveKcat()) GTEST_SKIP() << "kcat is not installed (scripts/install-deps.sh installs it)";
  const std::string tool = std::string(QUELL_BINARY_DIR) + "/bin/quell-mock-kafka";
  if (!std::filesystem::exists(tool)) GTEST_SKIP() << "build the quell-mock-kafka target first";
  MockKafkaTool mock(tool);
  ASSERT_THAT(mock.bootstrap(), ::testing::StartsWith("127.0.0.1:"));
  // The tool created the topic with 2 partitions; kcat's metadata listing shows it.
  FILE* f = popen(fmt::format("kcat -L -b '{}' -t tool-in -X log_level=3", mock.bootstrap()).c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string listing;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), f) != nullptr) listing += buf;
  pclose(f);
  EXPECT_THAT(listing, ::testing::HasSubstr("topic \"tool-in\" with 2 partitions"));

  std::vector<std::string> lines, expected;
  for (int i = 0; i < 50; ++i) {
    lines.push_back(fmt::format("k{}|ok tool-{:03}", i, i));
    expected.push_back(fmt::format("tool-{:03}", i));
  }
  ASSERT_EQ(KcatProduce(mock.bootstrap(), "tool-in", lines, "-H content-type=application/x-ndjson"), 0);
  ExpectSourceReceives(mock.bootstrap(), "g-tool", "tool-in", expected);
  EXPECT_TRUE(mock.Terminate());
}

}  // namespace
}  // namespace quell::ingest
