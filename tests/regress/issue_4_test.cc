// tests/regress/issue_4_test.cc
//
// Issue #4: messages marked done and committed without reaching the sink after a rebalance.
//
// Cause: librdkafka 2.0.x's batch consume (rd_kafka_consume_batch_queue) advanced a partition's
// app offset for every message it popped, at pop time. When a rebalance started while a batch
// call was still waiting to fill its array, the library paused the assigned partitions from its
// own thread; the pause barrier then purged the already-popped messages of those partitions from
// the array (never returned to the caller), but the pause had saved the advanced app offset as
// the place to resume fetching. Those messages were skipped: the source never saw them, and its
// next message's offset moved `done` past them (librdkafka v2.0.0 "Known Issues", fixed in v2.1.0
// by PR #4208). The source now takes one message per consume call (nothing is popped but not
// returned) and counts any offset gap it sees.
//
// The test makes the window wide: a long poll_timeout and a large batch_size keep the old batch
// call waiting with popped messages for seconds, while a producer trickles messages and a second
// instance joins (two incremental rebalances pause the first instance's partitions). With the old
// consume loop nearly every run lost messages here; the 20 ms poll of the integration test only
// hit it under load.
#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "ingest/kafka/mock_cluster.h"
#include "tests/integration/kafka_test_util.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using kafka_test::ProduceRange;
using kafka_test::RecordingSink;
using kafka_test::TestConfig;
using kafka_test::TestOptions;
using kafka_test::WaitFor;

TEST(Issue4Test, RebalanceDuringAWaitingConsumeCallLosesNoMessage) {
  constexpr int kPartitions = 4;
  ASSERT_OK_AND_ASSIGN(auto cluster, MockCluster::Create(1));
  ASSERT_OK(cluster->CreateTopic("r4", kPartitions));

  KafkaSourceConfig cfg = TestConfig(cluster->bootstrap_servers(), "g-r4", "r4");
  cfg.poll_timeout = absl::Seconds(2);  // The old batch call waited this long to fill its array.
  cfg.batch_size = 100000;
  RecordingSink sink_a, sink_b;
  ASSERT_OK_AND_ASSIGN(auto a, KafkaSource::Create(cfg, &sink_a, TestOptions()));
  ASSERT_OK(a->Start());
  ASSERT_TRUE(WaitFor([&] { return a->Stats().partitions.size() == kPartitions; }));

  // Trickle messages (one round per partition, flushed) until B has owned partitions for a while.
  std::atomic<bool> stop{false};
  std::atomic<int> produced{0};
  absl::Status produce_status;
  std::thread producer([&] {
    for (int i = 0; !stop.load() && i < 20000; ++i) {
      produce_status = ProduceRange(cluster.get(), "r4", kPartitions, i, i + 1);
      if (!produce_status.ok()) return;
      produced = i + 1;
    }
  });
  struct JoinOnExit {
    std::thread* t;
    std::atomic<bool>* stop;
    ~JoinOnExit() {
      stop->store(true);
      if (t->joinable()) t->join();
    }
  } join_on_exit{&producer, &stop};

  ASSERT_TRUE(WaitFor([&] { return produced.load() >= 20; }));
  ASSERT_OK_AND_ASSIGN(auto b, KafkaSource::Create(cfg, &sink_b, TestOptions()));
  ASSERT_OK(b->Start());
  ASSERT_TRUE(WaitFor([&] {
    return !b->Stats().partitions.empty() &&
           a->Stats().partitions.size() + b->Stats().partitions.size() == kPartitions;
  }));
  const int at_assignment = produced.load();
  ASSERT_TRUE(WaitFor([&] { return produced.load() >= at_assignment + 50; }));
  stop = true;
  producer.join();
  ASSERT_OK(produce_status);
  const int n = produced.load();

  auto missing = [&] {
    std::set<std::string> all;
    for (const auto& t : sink_a.titles()) all.insert(t);
    for (const auto& t : sink_b.titles()) all.insert(t);
    std::string out;
    int count = 0;
    for (int p = 0; p < kPartitions; ++p) {
      for (int i = 0; i < n; ++i) {
        std::string id = fmt::format("p{}-{:05}", p, i);
        if (all.count(id) == 0 && ++count <= 8) out += id + " ";
      }
    }
    return count == 0 ? std::string() : fmt::format("{} missing: {}", count, out);
  };
  EXPECT_TRUE(WaitFor([&] { return missing().empty(); }, std::chrono::seconds(30))) << missing();
  EXPECT_EQ(a->Stats().offset_gaps, 0u);
  EXPECT_EQ(b->Stats().offset_gaps, 0u);
  b->Stop();
  a->Stop();
}

}  // namespace
}  // namespace quell::ingest
