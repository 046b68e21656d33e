// tests/integration/kafka_state_commit_test.cc
//
// The whole runtime with a Kafka source (librdkafka's in-process mock cluster) and
// correlate.state_file (ADR 0044): offsets are committed only once a checkpoint of the
// correlation state holds their messages, and the next run starts from that state and from those
// offsets, so nothing is read twice into it and nothing is missing from it.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/quell_config.h"
#include "app/runtime.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/kafka/mock_cluster.h"
#include "tests/integration/kafka_test_util.h"
#include "tests/testing/status_matchers.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;
using ingest::kafka_test::RawConsumer;
using ingest::kafka_test::WaitFor;

int64_t DoneOf(const ingest::KafkaSource& source) {
  ingest::KafkaSourceStats s = source.Stats();
  return s.partitions.size() == 1 ? s.partitions[0].done : -100;
}

TEST(KafkaStateCommitTest, OffsetsAreCommittedOnlyOnceTheStateHoldingThemIsOnDisk) {
  ASSERT_OK_AND_ASSIGN(auto cluster, ingest::MockCluster::Create(1));
  ASSERT_OK(cluster->CreateTopic("am", 1));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(cluster->Produce("am", 0, "", fmt::format(R"([{{"labels":{{"alertname":"Disk{}","service":"db"}}}}])", i)));
  }
  ASSERT_OK(cluster->Flush());

  const fs::path dir = fs::path(::testing::TempDir()) / fmt::format("quell_kafka_state_{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string state_path = (dir / "correlation.json").string();
  const std::string config_path = (dir / "quell.yaml").string();
  std::ofstream(config_path) << fmt::format(R"(server:
  listen: "127.0.0.1:0"
ingest:
  dead_letter: {{path: {0}/dead.jsonl}}
  kafka:
    brokers: "{1}"
    group_id: quell-state
    topics: [{{name: am, format: alertmanager}}]
    poll_timeout: 20ms
    commit_interval: 20ms
    properties: {{session.timeout.ms: "6000", heartbeat.interval.ms: "200", log_level: "3"}}
route: {{receiver: pages, runbook: default.md, group_by: [alertname], group_wait: 0s}}
correlate: {{state_file: {2}, state_checkpoint_interval: 5s}}
receivers: [{{name: pages, file_configs: [{{path: {0}/pages.jsonl}}]}}]
outbox: {{dir: {0}/outbox}}
runbooks: {{dir: {3}/runbooks}}
audit: {{path: {0}/audit.jsonl}}
)",
                                            dir.string(), cluster->bootstrap_servers(), state_path, QUELL_SOURCE_DIR);
  const core::WallTime start = core::WallTime::FromUnixNanos(1795662000000000000);  // 2026-11-26T03:00:00Z
  core::ManualClock clock(start);
  RuntimeOptions opts;
  opts.replay_sample = false;
  opts.clock = &clock;
  RawConsumer raw(cluster->bootstrap_servers(), "quell-state");
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path));
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    ASSERT_NE(rt.kafka_source(), nullptr);
    ASSERT_TRUE(WaitFor([&] { return DoneOf(*rt.kafka_source()) == 3; }, std::chrono::seconds(60)));
    EXPECT_EQ(rt.engine()->Alerts().size(), 3u);
    // The source asked to commit 3 and was held back: no checkpoint holds those messages yet.
    ASSERT_TRUE(WaitFor([&] {
      CheckpointCommitGate::Offsets reported = rt.commit_gate().Begin();
      return reported.size() == 1 && reported.begin()->second == 3;
    }));
    EXPECT_LT(raw.Committed("am", 1)[0], 0);
    EXPECT_FALSE(fs::exists(state_path));

    clock.Set(start + absl::Seconds(6));
    rt.RunHousekeeping();  // The checkpoint: the state file, then the commit.
    ASSERT_TRUE(fs::exists(state_path));
    ASSERT_TRUE(WaitFor([&] { return raw.Committed("am", 1)[0] == 3; }));
    rt.Stop();
  }
  // The next run: the alerts come from the state file, and the group resumes after them.
  ASSERT_OK(cluster->Produce("am", 0, "", R"([{"labels":{"alertname":"Disk3","service":"db"}}])"));
  ASSERT_OK(cluster->Flush());
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path));
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    EXPECT_EQ(rt.engine()->Alerts().size(), 3u);  // Restored before the consumer joined.
    ASSERT_TRUE(WaitFor([&] { return DoneOf(*rt.kafka_source()) == 4; }, std::chrono::seconds(60)));
    EXPECT_EQ(rt.engine()->Alerts().size(), 4u);
    EXPECT_EQ(rt.kafka_source()->Stats().messages, 1u);  // Only the new message was read.
    ASSERT_TRUE(WaitFor([&] {  // The source has asked to commit 4.
      CheckpointCommitGate::Offsets reported = rt.commit_gate().Begin();
      return !reported.empty() && reported.begin()->second == 4;
    }));
    rt.Stop();
  }
  EXPECT_EQ(raw.Committed("am", 1)[0], 4);  // Stop checkpointed, then committed, what it had done.

  // A crash between a checkpoint and the commit that follows it: the state file holds messages
  // 0-3, the group's committed offset is older (1 here). The state file's own mark of what it
  // holds wins: only the new message is read, nothing is read into the state twice.
  ASSERT_TRUE(ingest::kafka_test::CommitAsGroupMember(cluster->bootstrap_servers(), "quell-state", "am", 0, 1));
  ASSERT_EQ(raw.Committed("am", 1)[0], 1);
  ASSERT_OK(cluster->Produce("am", 0, "", R"([{"labels":{"alertname":"Disk4","service":"db"}}])"));
  ASSERT_OK(cluster->Flush());
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path));
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    EXPECT_EQ(rt.engine()->Alerts().size(), 4u);
    ASSERT_TRUE(WaitFor([&] { return DoneOf(*rt.kafka_source()) == 5; }, std::chrono::seconds(60)));
    EXPECT_EQ(rt.engine()->Alerts().size(), 5u);
    EXPECT_EQ(rt.kafka_source()->Stats().messages, 1u);  // Disk4 alone (4 without the state's mark).
    ASSERT_TRUE(WaitFor([&] {  // The source has asked to commit 5.
      CheckpointCommitGate::Offsets reported = rt.commit_gate().Begin();
      return !reported.empty() && reported.begin()->second == 5;
    }));
    // The restored mark counts as durable: the group's offset moves up to it and past, once the
    // new message is in a checkpoint (Stop's).
    rt.Stop();
  }
  EXPECT_EQ(raw.Committed("am", 1)[0], 5);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace quell::app
