// tests/integration/kafka_rebalance_test.cc
//
// KafkaSource under group and cluster churn on the mock cluster: a second instance joining the
// group (cooperative-sticky rebalance) and the first one leaving, and a broker going down and back
// while messages are produced and consumed. No message may be lost; duplicates stay within
// at-least-once bounds (0 expected with cooperative-sticky and sync commits on revocation).
#include <atomic>
#include <set>
#include <thread>

#include "gmock/gmock.h"
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

// On failure: what each partition got, and both sources' view of their partitions.
std::string Describe(const RecordingSink& sa, const RecordingSink& sb, KafkaSource* a, KafkaSource* b) {
  std::map<std::string, int> per;
  std::set<std::string> all;
  for (const auto& t : sa.titles()) all.insert(t);
  for (const auto& t : sb.titles()) all.insert(t);
  for (const auto& t : all) per[t.substr(0, t.find('-'))]++;
  std::string out;
  for (const auto& [p, n] : per) out += fmt::format("{}={} ", p, n);
  for (KafkaSource* s : {a, b}) {
    if (s == nullptr) continue;
    out += "| ";
    for (const auto& p : s->Stats().partitions) {
      out += fmt::format("[{} pos={} done={} com={} hw={} inflight={} paused={}] ", p.partition, p.position,
                         p.done, p.committed, p.high_watermark, p.in_flight_batches, p.paused);
    }
  }
  return out;
}

std::set<std::string> Union(const RecordingSink& a, const RecordingSink& b) {
  std::set<std::string> all;
  for (const auto& t : a.titles()) all.insert(t);
  for (const auto& t : b.titles()) all.insert(t);
  return all;
}

// Issue #4 (fixed): under load, 4 messages on each partition moved from A to B reached neither
// sink although marked done and committed. librdkafka 2.0.2's batch consume purged messages it
// had already counted when a rebalance paused the partitions mid-call; the source now consumes one
// message per call (tests/regress/issue_4_test.cc widens the window). offset_gaps catches a skip
// even where a re-read would hide it.
TEST(KafkaRebalanceTest, SecondInstanceJoinsThenFirstLeavesWithoutLoss) {
  constexpr int kPartitions = 6;
  ASSERT_OK_AND_ASSIGN(auto cluster, MockCluster::Create(3));
  ASSERT_OK(cluster->CreateTopic("rb", kPartitions));
  ASSERT_OK(ProduceRange(cluster.get(), "rb", kPartitions, 0, 100));

  KafkaSourceConfig cfg = TestConfig(cluster->bootstrap_servers(), "g-rb", "rb");
  cfg.batch_size = 50;
  RecordingSink sink_a, sink_b;
  ASSERT_OK_AND_ASSIGN(auto a, KafkaSource::Create(cfg, &sink_a, TestOptions()));
  ASSERT_OK(a->Start());
  ASSERT_TRUE(WaitFor([&] { return sink_a.count() == 100 * kPartitions; }));
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& p : a->Stats().partitions) {
      if (p.committed != 100) return false;
    }
    return a->Stats().partitions.size() == kPartitions;
  }));

  // Keep producing while B joins (the mock holds the rebalance for a few seconds), and for 50
  // more rounds after B owns partitions: partitions move from A to B mid-stream.
  std::atomic<bool> b_assigned{false};
  std::atomic<int> produced_to{100};
  absl::Status produce_status;
  std::thread producer;
  struct JoinOnExit {
    std::thread* t;
    std::atomic<bool>* done;
    ~JoinOnExit() {  // Also when an ASSERT returns early: let the producer finish, then join.
      done->store(true);
      if (t->joinable()) t->join();
    }
  } join_on_exit{&producer, &b_assigned};
  producer = std::thread([&] {
    int after = 0;
    for (int i = 100; after < 50 && i < 5000; ++i) {
      produce_status = ProduceRange(cluster.get(), "rb", kPartitions, i, i + 1);
      if (!produce_status.ok()) return;
      produced_to = i + 1;
      if (b_assigned) ++after;
    }
  });
  ASSERT_OK_AND_ASSIGN(auto b, KafkaSource::Create(cfg, &sink_b, TestOptions()));
  ASSERT_OK(b->Start());
  ASSERT_TRUE(WaitFor([&] {
    return !a->Stats().partitions.empty() && !b->Stats().partitions.empty() &&
           a->Stats().partitions.size() + b->Stats().partitions.size() == kPartitions;
  }));
  b_assigned = true;
  producer.join();
  ASSERT_OK(produce_status);
  const int n = produced_to;
  ASSERT_TRUE(WaitFor([&] { return Union(sink_a, sink_b).size() == static_cast<size_t>(n * kPartitions); },
                      std::chrono::seconds(60)))
      << "n=" << n << " " << Describe(sink_a, sink_b, a.get(), b.get());
  EXPECT_GT(sink_b.count(), 0u);
  EXPECT_GE(a->Stats().revoked, 1u);

  // A leaves: B takes every partition and reads on from A's commits.
  a->Stop();
  ASSERT_TRUE(WaitFor([&] { return b->Stats().partitions.size() == kPartitions; },
                      std::chrono::seconds(60)));
  ASSERT_OK(ProduceRange(cluster.get(), "rb", kPartitions, n, n + 100));
  const size_t expected = static_cast<size_t>((n + 100) * kPartitions);
  ASSERT_TRUE(WaitFor([&] { return Union(sink_a, sink_b).size() == expected; }));

  const size_t total = sink_a.count() + sink_b.count();
  const size_t duplicates = total - expected;
  // The mock sometimes answers the revocation's commit REBALANCE_IN_PROGRESS (a member still
  // joining or syncing); B then re-reads from A's last auto-commit: duplicates, as at-least-once
  // allows. Otherwise the hand-over must be exact.
  if (a->Stats().revocation_commit_failures == 0) {
    EXPECT_EQ(duplicates, 0u) << "cooperative-sticky with a committed revocation gives none";
  }
  EXPECT_EQ(a->Stats().offset_gaps, 0u);
  EXPECT_EQ(b->Stats().offset_gaps, 0u);
  b->Stop();
}

TEST(KafkaRebalanceTest, BrokerDownAndBackWhileConsumingLosesNothing) {
  constexpr int kPartitions = 3;
  ASSERT_OK_AND_ASSIGN(auto cluster, MockCluster::Create(3));
  ASSERT_OK(cluster->CreateTopic("bd", kPartitions));
  ASSERT_OK(ProduceRange(cluster.get(), "bd", kPartitions, 0, 100));

  RecordingSink sink;
  KafkaSourceConfig cfg = TestConfig(cluster->bootstrap_servers(), "g-bd", "bd");
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 100 * kPartitions; }));

  // The mock spreads partition leaders over the brokers: broker 1 leads at least one of them.
  const uint64_t errors_before = source->Stats().consume_errors;
  ASSERT_OK(cluster->SetBrokerDown(1));
  for (int i = 100; i < 200; ++i) {
    for (int p = 0; p < kPartitions; ++p) {
      ASSERT_OK(cluster->Produce("bd", p, "", fmt::format("ok p{}-{:05}", p, i)));
    }
  }
  // Let the outage overlap consumption before the broker comes back: wait until the consumer
  // reports the lost connection (a consume error) or partitions led by live brokers delivered
  // messages produced during the outage. Either alone proved timing-dependent on the mock (26 Nov CI:
  // once no error within 30 s, once errors but no traffic on the other brokers within 30 s).
  ASSERT_TRUE(WaitFor([&] {
    return source->Stats().consume_errors > errors_before || sink.count() >= 100 * kPartitions + 100;
  }));
  ASSERT_OK(cluster->SetBrokerUp(1));
  ASSERT_OK(cluster->Flush());
  ASSERT_TRUE(WaitFor([&] { return sink.count() >= 200 * kPartitions; }));
  std::vector<std::string> titles = sink.titles();
  std::set<std::string> distinct(titles.begin(), titles.end());
  EXPECT_EQ(distinct.size(), 200u * kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(distinct.count(fmt::format("p{}-{:05}", p, i))) << "lost p" << p << " #" << i;
    }
  }
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& p : source->Stats().partitions) {
      if (p.committed != 200) return false;
    }
    return true;
  }));
  source->Stop();
}

}  // namespace
}  // namespace quell::ingest
