// tests/integration/kafka_source_test.cc
//
// KafkaSource against librdkafka's in-process mock cluster with real produced messages: complete
// consumption of a multi-partition topic with commits only after `done` (contiguously), per
// partition order, backpressure (pause, hold, resume), dead letters with their headers,
// header-based format detection, and commits held back to the last durable state checkpoint.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "app/checkpoint_commit_gate.h"
#include "gtest/gtest.h"
#include "ingest/kafka/mock_cluster.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"
#include "tests/integration/kafka_test_util.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using kafka_test::RawConsumer;
using kafka_test::RecordingSink;
using kafka_test::TestConfig;
using kafka_test::TestOptions;
using kafka_test::WaitFor;
using ::testing::HasSubstr;

// Titles "p<k>-<nnnn>": checks that each partition's titles arrive in increasing order.
void ExpectPerPartitionOrder(const std::vector<std::string>& titles) {
  std::map<std::string, std::string> last;
  for (const std::string& t : titles) {
    std::string part = t.substr(0, t.find('-'));
    auto it = last.find(part);
    if (it != last.end()) {
      EXPECT_LT(it->second, t) << "out of order in " << part;
    }
    last[part] = t;
  }
}

int64_t CommittedOf(const KafkaSourceStats& s, int32_t partition) {
  for (const KafkaPartitionStats& p : s.partitions) {
    if (p.partition == partition) return p.committed;
  }
  return -100;
}

class KafkaSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = MockCluster::Create(3);
    ASSERT_OK(c.status());
    cluster_ = std::move(c).value();
  }
  std::unique_ptr<MockCluster> cluster_;
};

TEST_F(KafkaSourceTest, ConsumesEveryPartitionAndCommitsOnlyContiguouslyDoneOffsets) {
  constexpr int kPartitions = 4, kPerPartition = 150;
  ASSERT_OK(cluster_->CreateTopic("events", kPartitions));
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < kPerPartition; ++i) {
      ASSERT_OK(cluster_->Produce("events", p, "", fmt::format("ok p{}-{:04}", p, i)));
    }
  }
  ASSERT_OK(cluster_->Flush());

  RecordingSink sink;
  sink.set_defer_done(true);
  KafkaSourceConfig cfg = TestConfig(cluster_->bootstrap_servers(), "g-commit", "events");
  cfg.batch_size = 64;  // Several batches per partition.
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() == kPartitions * kPerPartition; }));
  std::vector<std::string> titles = sink.titles();
  EXPECT_EQ(std::set<std::string>(titles.begin(), titles.end()).size(), titles.size());
  ExpectPerPartitionOrder(titles);

  // Nothing is done yet: nothing may be committed.
  KafkaSourceStats st = source->Stats();
  EXPECT_EQ(st.commits, 0u);
  ASSERT_EQ(st.partitions.size(), static_cast<size_t>(kPartitions));
  for (const KafkaPartitionStats& p : st.partitions) {
    EXPECT_EQ(p.committed, -1);
    EXPECT_EQ(p.position, kPerPartition);
    EXPECT_GT(p.in_flight_batches, 0u);
  }
  RawConsumer raw(cluster_->bootstrap_servers(), "g-commit");
  for (int64_t c : raw.Committed("events", kPartitions)) EXPECT_LT(c, 0);

  // Complete every batch except the first one delivered: its partition must not commit at all
  // (later batches of it are done, but not contiguously); every other partition commits fully.
  std::vector<std::string> firsts = sink.deferred_first_titles();
  ASSERT_GE(firsts.size(), static_cast<size_t>(kPartitions + 1));
  const int32_t held_partition = firsts[0][1] - '0';
  std::vector<size_t> order;
  for (size_t i = firsts.size(); i-- > 1;) order.push_back(i);  // Out of order on purpose.
  sink.FireDeferred(order);
  ASSERT_TRUE(WaitFor([&] {
    KafkaSourceStats s = source->Stats();
    for (int p = 0; p < kPartitions; ++p) {
      if (p != held_partition && CommittedOf(s, p) != kPerPartition) return false;
    }
    return true;
  }));
  std::vector<int64_t> committed = raw.Committed("events", kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    if (p == held_partition) {
      EXPECT_LT(committed[p], 0) << "partition " << p << " committed past an unfinished batch";
    } else {
      EXPECT_EQ(committed[p], kPerPartition) << "partition " << p;
    }
  }
  EXPECT_EQ(CommittedOf(source->Stats(), held_partition), -1);

  sink.FireAllDeferred();
  ASSERT_TRUE(WaitFor([&] { return CommittedOf(source->Stats(), held_partition) == kPerPartition; }));
  EXPECT_EQ(raw.Committed("events", kPartitions)[held_partition], kPerPartition);

  // Lag: every partition is consumed and committed up to its high watermark.
  ASSERT_TRUE(WaitFor([&] {
    for (const KafkaPartitionStats& p : source->Stats().partitions) {
      if (p.high_watermark != kPerPartition || p.lag != 0) return false;
    }
    return true;
  }));
  source->Stop();
  EXPECT_EQ(source->Stats().messages, static_cast<uint64_t>(kPartitions * kPerPartition));
}

// `consumers: 3`: three consumers of one source join the group, the partitions end up split
// between all three, and every message arrives (at least once: the joins rebalance while
// consuming) and is committed.
TEST_F(KafkaSourceTest, SeveralConsumersSplitThePartitionsAndLoseNothing) {
  constexpr int kPartitions = 6, kPerPartition = 200;
  ASSERT_OK(cluster_->CreateTopic("multi", kPartitions));
  ASSERT_OK(kafka_test::ProduceRange(cluster_.get(), "multi", kPartitions, 0, kPerPartition));

  RecordingSink sink;
  KafkaSourceConfig cfg = TestConfig(cluster_->bootstrap_servers(), "g-multi", "multi");
  cfg.consumers = 3;
  cfg.batch_size = 50;
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  auto unique_titles = [&] {
    std::vector<std::string> t = sink.titles();
    return std::set<std::string>(t.begin(), t.end()).size();
  };
  ASSERT_TRUE(WaitFor([&] { return unique_titles() == static_cast<size_t>(kPartitions * kPerPartition); },
                      std::chrono::seconds(60)));
  // Every partition owned once, by one of three consumers, each owning some, all committed.
  ASSERT_TRUE(WaitFor(
      [&] {
        KafkaSourceStats s = source->Stats();
        std::set<int32_t> partitions, owners;
        for (const KafkaPartitionStats& p : s.partitions) {
          if (p.committed != kPerPartition) return false;
          partitions.insert(p.partition);
          owners.insert(p.consumer);
        }
        return s.partitions.size() == static_cast<size_t>(kPartitions) &&
               partitions.size() == static_cast<size_t>(kPartitions) && owners.size() == 3;
      },
      std::chrono::seconds(60)))
      << "partitions not split between the three consumers, or not all committed";
  RawConsumer raw(cluster_->bootstrap_servers(), "g-multi");
  for (int64_t c : raw.Committed("multi", kPartitions)) EXPECT_EQ(c, kPerPartition);
  source->Stop();
  KafkaSourceStats st = source->Stats();
  EXPECT_GE(st.messages, static_cast<uint64_t>(kPartitions * kPerPartition));
  EXPECT_EQ(st.signals, sink.count());
}

TEST_F(KafkaSourceTest, RefusingSinkPausesThePartitionThenEverythingArrivesInOrder) {
  constexpr int kPartitions = 2, kPerPartition = 300;
  ASSERT_OK(cluster_->CreateTopic("bp", kPartitions));
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < kPerPartition; ++i) {
      ASSERT_OK(cluster_->Produce("bp", p, "", fmt::format("ok p{}-{:04}", p, i)));
    }
  }
  ASSERT_OK(cluster_->Flush());

  RecordingSink sink;
  sink.set_refuse(true);
  KafkaSourceConfig cfg = TestConfig(cluster_->bootstrap_servers(), "g-bp", "bp");
  cfg.batch_size = 50;
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] {
    KafkaSourceStats s = source->Stats();
    int paused = 0;
    for (const auto& p : s.partitions) paused += p.paused ? 1 : 0;
    return sink.refusals() >= 10 && paused == kPartitions;
  }));
  EXPECT_EQ(sink.count(), 0u);
  // Held: at most one batch per partition was read past (bounded memory).
  for (const auto& p : source->Stats().partitions) EXPECT_LE(p.position, 50);

  sink.set_refuse(false);
  ASSERT_TRUE(WaitFor([&] { return sink.count() >= kPartitions * kPerPartition; }));
  std::vector<std::string> titles = sink.titles();
  EXPECT_EQ(titles.size(), static_cast<size_t>(kPartitions * kPerPartition));
  EXPECT_EQ(std::set<std::string>(titles.begin(), titles.end()).size(), titles.size());
  ExpectPerPartitionOrder(titles);
  ASSERT_TRUE(WaitFor([&] {
    KafkaSourceStats s = source->Stats();
    for (const auto& p : s.partitions) {
      if (p.paused || p.committed != kPerPartition) return false;
    }
    return true;
  }));
  EXPECT_GE(source->Stats().pauses, 2u);
}

TEST_F(KafkaSourceTest, MalformedMessagesGoToTheDeadLetterTopicWhileGoodRecordsFlow) {
  ASSERT_OK(cluster_->CreateTopic("in", 2));
  ASSERT_OK(cluster_->CreateTopic("dlq", 1));
  // Partition 0: good, bad, partly bad, empty, good.
  ASSERT_OK(cluster_->Produce("in", 0, "k0", "ok p0-a1"));
  ASSERT_OK(cluster_->Produce("in", 0, "k1", "{not json"));
  ASSERT_OK(cluster_->Produce("in", 0, "k2", "ok p0-a2\nbroken\nok p0-a3"));
  ASSERT_OK(cluster_->Produce("in", 0, "k3", ""));
  ASSERT_OK(cluster_->Produce("in", 0, "k4", "ok p0-a4"));
  // Partition 1 (format auto): by quell-format, content-type parameter, ndjson, then no header.
  ASSERT_OK(cluster_->Flush());

  KafkaSourceConfig cfg = TestConfig(cluster_->bootstrap_servers(), "g-dlq", "in");
  cfg.dead_letter_topic = "dlq";
  KafkaTopicConfig fmt_auto;
  fmt_auto.pattern = "^hdr-.*";
  fmt_auto.is_regex = true;
  cfg.topics.push_back(fmt_auto);
  ASSERT_OK(cluster_->CreateTopic("hdr-1", 1));
  ASSERT_OK(cluster_->Produce("hdr-1", 0, "", "ok h1", {{"quell-format", "quell"}}));
  ASSERT_OK(cluster_->Produce("hdr-1", 0, "", "ok h2", {{"content-type", "text/plain; format=quell"}}));
  ASSERT_OK(cluster_->Produce("hdr-1", 0, "", "ok h3", {{"content-type", "application/x-ndjson"}}));
  ASSERT_OK(cluster_->Produce("hdr-1", 0, "kx", "ok h4"));
  ASSERT_OK(cluster_->Flush());

  RecordingSink sink;
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() >= 7; }));
  ASSERT_TRUE(WaitFor([&] {
    KafkaSourceStats s = source->Stats();
    int64_t in0 = -1, hdr = -1;
    for (const auto& p : s.partitions) {
      if (p.topic == "in" && p.partition == 0) in0 = p.committed;
      if (p.topic == "hdr-1") hdr = p.committed;
    }
    return in0 == 5 && hdr == 4;  // Committed past the dead-lettered ones once acknowledged.
  }));
  std::vector<std::string> titles = sink.titles();
  std::vector<std::string> in_titles, hdr_titles;
  for (const auto& t : titles) (t[0] == 'p' ? in_titles : hdr_titles).push_back(t);
  EXPECT_THAT(in_titles, ::testing::ElementsAre("p0-a1", "p0-a2", "p0-a3", "p0-a4"));
  EXPECT_THAT(hdr_titles, ::testing::ElementsAre("h1", "h2", "h3"));

  KafkaSourceStats st = source->Stats();
  EXPECT_EQ(st.dead_letters, 4u);
  EXPECT_EQ(st.dead_letters_by_reason[static_cast<int>(core::RejectReason::kMalformedJson)], 2u);
  EXPECT_EQ(st.dead_letters_by_reason[static_cast<int>(core::RejectReason::kEmptyBody)], 1u);
  EXPECT_EQ(st.dead_letters_by_reason[static_cast<int>(core::RejectReason::kUnsupported)], 1u);
  EXPECT_EQ(st.dead_letter_failures, 0u);
  // Each rejection reached the sink's count once (quell_ingest_parse_errors_total), also those of
  // polls that submitted nothing and the message of an unknown format.
  EXPECT_EQ(sink.rejections(), 4u);

  RawConsumer raw(cluster_->bootstrap_servers(), "g-dlq-reader");
  auto dead = raw.ReadAll("dlq", 1, 4);
  ASSERT_EQ(dead.size(), 4u);
  std::map<std::string, RawConsumer::Message> by_key;
  for (auto& m : dead) by_key[m.key] = m;
  ASSERT_TRUE(by_key.count("k1"));
  const auto& whole = by_key["k1"];
  EXPECT_EQ(whole.value, "{not json");
  EXPECT_EQ(whole.headers.at("quell-reason"), "malformed_json");
  EXPECT_EQ(whole.headers.at("quell-source-topic"), "in");
  EXPECT_EQ(whole.headers.at("quell-source-partition"), "0");
  EXPECT_EQ(whole.headers.at("quell-source-offset"), "1");
  EXPECT_EQ(whole.headers.at("quell-byte-offset"), "0");
  EXPECT_EQ(whole.headers.at("quell-format"), "quell");

  ASSERT_TRUE(by_key.count("k2"));
  const auto& partly = by_key["k2"];
  EXPECT_EQ(partly.value, "ok p0-a2\nbroken\nok p0-a3");
  EXPECT_EQ(partly.headers.at("quell-reason"), "malformed_json");
  EXPECT_EQ(partly.headers.at("quell-source-offset"), "2");
  EXPECT_EQ(partly.headers.at("quell-byte-offset"), "9");  // "ok p0-a2\n" is 9 bytes.
  EXPECT_EQ(partly.headers.at("quell-rejected-records"), "1");
  EXPECT_THAT(partly.headers.at("quell-rejections"), HasSubstr("record 1"));

  ASSERT_TRUE(by_key.count("k3"));
  EXPECT_EQ(by_key["k3"].value, "");
  EXPECT_EQ(by_key["k3"].headers.at("quell-reason"), "empty_body");
  EXPECT_EQ(by_key["k3"].headers.at("quell-source-offset"), "3");

  ASSERT_TRUE(by_key.count("kx"));
  EXPECT_EQ(by_key["kx"].value, "ok h4");
  EXPECT_EQ(by_key["kx"].headers.at("quell-reason"), "unsupported");
  EXPECT_EQ(by_key["kx"].headers.at("quell-source-topic"), "hdr-1");
  EXPECT_EQ(by_key["kx"].headers.count("quell-format"), 0u);
}

// With correlate.state_file the runtime's CheckpointCommitGate is the source's before_commit hook:
// done offsets are committed only once a checkpoint that holds their messages is durable, so a
// crash re-reads what the last checkpoint missed (ADR 0044).
TEST_F(KafkaSourceTest, CommitsWaitForTheCheckpointThatCoversThem) {
  constexpr int kPartitions = 2, kPerPartition = 20;
  ASSERT_OK(cluster_->CreateTopic("gated", kPartitions));
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < kPerPartition; ++i) ASSERT_OK(cluster_->Produce("gated", p, "", fmt::format("ok p{}-{:04}", p, i)));
  }
  ASSERT_OK(cluster_->Flush());
  RecordingSink sink;  // Fires done at once: every batch is processed.
  app::CheckpointCommitGate gate;
  KafkaSourceOptions opts = TestOptions();
  opts.before_commit = [&](std::span<KafkaCommitOffset> offsets) { return gate.Limit(offsets); };
  ASSERT_OK_AND_ASSIGN(auto source,
                       KafkaSource::Create(TestConfig(cluster_->bootstrap_servers(), "g-gated", "gated"), &sink, opts));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() == kPartitions * kPerPartition; }));
  // The hook has seen both partitions done to their end, and held them back: no checkpoint yet.
  auto reported_to_end = [&] {
    app::CheckpointCommitGate::Offsets r = gate.Begin();
    return r.size() == kPartitions && r.begin()->second == kPerPartition && r.rbegin()->second == kPerPartition;
  };
  ASSERT_TRUE(WaitFor(reported_to_end));
  RawConsumer raw(cluster_->bootstrap_servers(), "g-gated");
  for (int64_t c : raw.Committed("gated", kPartitions)) EXPECT_LT(c, 0);
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(CommittedOf(source->Stats(), p), -1);

  gate.Durable(gate.Begin());  // A checkpoint holding everything done so far is on disk.
  ASSERT_TRUE(WaitFor([&] {
    KafkaSourceStats s = source->Stats();
    return CommittedOf(s, 0) == kPerPartition && CommittedOf(s, 1) == kPerPartition;
  }));
  for (int64_t c : raw.Committed("gated", kPartitions)) EXPECT_EQ(c, kPerPartition);
  source->Stop();
}

TEST_F(KafkaSourceTest, RealAlertmanagerParserThroughTheDefaultFactory) {
  ASSERT_OK(cluster_->CreateTopic("am", 1));
  ASSERT_OK(cluster_->Produce("am", 0, "",
                              R"([{"labels":{"alertname":"HighErrorRate","service":"checkout"},)"
                              R"("startsAt":"2026-01-01T00:00:00Z"},)"
                              R"({"labels":{"alertname":"DiskFull","service":"db"}}])"));
  ASSERT_OK(cluster_->Produce("am", 0, "", R"({"labels":{"alertname":"NotAnArray"}})"));
  ASSERT_OK(cluster_->Produce("am", 0, "", R"([{"labels":{"alertname":"Later"}}])"));
  ASSERT_OK(cluster_->Flush());

  RecordingSink sink;
  KafkaSourceConfig cfg = TestConfig(cluster_->bootstrap_servers(), "g-am", "am");
  cfg.topics[0].format = core::Format::kAlertmanager;
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink));  // ingest::MakeParser.
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() >= 3; }, std::chrono::seconds(60)));
  EXPECT_THAT(sink.titles(), ::testing::ElementsAre("HighErrorRate", "DiskFull", "Later"));
  ASSERT_TRUE(WaitFor([&] {
    auto s = source->Stats();
    return !s.partitions.empty() && s.partitions[0].committed == 3;
  }));
  KafkaSourceStats st = source->Stats();
  EXPECT_EQ(st.dead_letters, 1u);
  EXPECT_EQ(st.dead_letters_by_reason[static_cast<int>(core::RejectReason::kWrongType)], 1u);
  EXPECT_EQ(st.signals, 3u);
}

// Protobuf wire format for the OTLP test messages: a length-delimited field and a varint field.
std::string Ld(int field, std::string_view bytes) {
  std::string out(1, static_cast<char>((field << 3) | 2));
  out.push_back(static_cast<char>(bytes.size()));  // The test messages stay under 128 bytes.
  return out + std::string(bytes);
}
std::string Vi(int field, uint8_t v) { return std::string{static_cast<char>(field << 3), static_cast<char>(v)}; }

// ExportLogsServiceRequest {resource_logs {scope_logs {log_records {severity_number 17, event_name}}}}.
std::string ProtobufLogs(const std::vector<std::string>& event_names) {
  std::string records;
  for (const std::string& n : event_names) records += Ld(2, Vi(2, 17) + Ld(12, n));
  return Ld(1, Ld(2, records));
}

// The OpenTelemetry Collector's Kafka exporter writes OTLP in binary protobuf by default
// (`otlp_proto`): a topic configured `encoding: protobuf`, or a message whose content-type says
// so, is read through OtlpProtobufParser; a broken one is dead-lettered as malformed_protobuf.
TEST_F(KafkaSourceTest, OtlpProtobufMessagesByTopicEncodingAndByHeader) {
  ASSERT_OK(cluster_->CreateTopic("otlp", 1));
  ASSERT_OK(cluster_->CreateTopic("auto-1", 1));
  ASSERT_OK(cluster_->CreateTopic("dlq", 1));
  ASSERT_OK(cluster_->Produce("otlp", 0, "", ProtobufLogs({"e1", "e2"})));
  ASSERT_OK(cluster_->Produce("otlp", 0, "bad", std::string("\x0a\x05\x01", 3)));
  ASSERT_OK(cluster_->Produce("otlp", 0, "", ProtobufLogs({"e3"})));
  ASSERT_OK(cluster_->Produce("auto-1", 0, "", ProtobufLogs({"h1"}),
                              {{"quell-format", "otlp_logs"}, {"content-type", "application/x-protobuf"}}));
  ASSERT_OK(cluster_->Flush());

  RecordingSink sink;
  KafkaSourceConfig cfg = TestConfig(cluster_->bootstrap_servers(), "g-otlp-pb", "otlp");
  cfg.topics[0].format = core::Format::kOtlpLogs;
  cfg.topics[0].protobuf = true;
  KafkaTopicConfig by_header;
  by_header.pattern = "^auto-.*";
  by_header.is_regex = true;
  cfg.topics.push_back(by_header);
  cfg.dead_letter_topic = "dlq";
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink));  // ingest::MakeParser.
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return sink.count() >= 4; }, std::chrono::seconds(60)));
  std::vector<std::string> titles = sink.titles();
  std::sort(titles.begin(), titles.end());
  EXPECT_THAT(titles, ::testing::ElementsAre("e1", "e2", "e3", "h1"));
  ASSERT_TRUE(WaitFor([&] {
    auto s = source->Stats();
    int64_t otlp = -1;
    for (const auto& p : s.partitions) {
      if (p.topic == "otlp") otlp = p.committed;
    }
    return otlp == 3;  // Past the dead-lettered message once the dead letter is acknowledged.
  }));
  KafkaSourceStats st = source->Stats();
  EXPECT_EQ(st.dead_letters, 1u);
  EXPECT_EQ(st.dead_letters_by_reason[static_cast<int>(core::RejectReason::kMalformedProtobuf)], 1u);

  RawConsumer raw(cluster_->bootstrap_servers(), "g-otlp-pb-dlq");
  auto dead = raw.ReadAll("dlq", 1, 1);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].key, "bad");
  EXPECT_EQ(dead[0].value, std::string("\x0a\x05\x01", 3));
  EXPECT_EQ(dead[0].headers.at("quell-reason"), "malformed_protobuf");
  EXPECT_EQ(dead[0].headers.at("quell-byte-offset"), "0");
  EXPECT_EQ(dead[0].headers.at("quell-format"), "otlp_logs");
  EXPECT_EQ(dead[0].headers.at("content-type"), "application/x-protobuf");
}

// Flags a librdkafka debug line (forwarded by the source's log callback to spdlog) that
// contains `needle`, and keeps every line so that a failing test can show them. Installed as
// spdlog's default logger for its lifetime.
class LogWatcher : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LogWatcher(std::string needle) : needle_(std::move(needle)) {}
  bool seen() const { return seen_.load(); }
  std::string Transcript() {
    std::lock_guard<std::mutex> l(this->mutex_);
    std::string out;
    for (const std::string& line : lines_) out.append(line).push_back('\n');
    return out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    lines_.emplace_back(text);
    if (text.find(needle_) != std::string_view::npos) seen_.store(true);
  }
  void flush_() override {}

 private:
  const std::string needle_;
  std::atomic<bool> seen_{false};
  std::vector<std::string> lines_;  // Guarded by base_sink's mutex_.
};

struct ScopedDefaultLogger {
  explicit ScopedDefaultLogger(std::shared_ptr<spdlog::sinks::sink> sink)
      : previous(spdlog::default_logger()) {
    auto l = std::make_shared<spdlog::logger>("kafka-test", std::move(sink));
    l->set_level(spdlog::level::debug);
    spdlog::set_default_logger(l);
  }
  ~ScopedDefaultLogger() { spdlog::set_default_logger(previous); }
  std::shared_ptr<spdlog::logger> previous;
};

// librdkafka 2.0.2 aborts in rd_kafka_destroy (rd_kafka_sticky_assignor_state_destroy) when a
// cooperative-sticky consumer is destroyed after its first JoinGroup response and before its
// first SyncGroup response (librdkafka #4381). The mock holds the SyncGroup response for 2 s and
// the source is stopped and destroyed inside that window: Stop must wait for the assignment.
TEST(KafkaSourceStopTest, StopDuringTheFirstJoinWaitsForTheAssignment) {
  constexpr int16_t kSyncGroupApiKey = 14;
  ASSERT_OK_AND_ASSIGN(auto cluster, MockCluster::Create(1));
  ASSERT_OK(cluster->CreateTopic("sj", 2));
  ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(cluster->raw(), 1, kSyncGroupApiKey, 1,
                                                         RD_KAFKA_RESP_ERR_NO_ERROR, 2000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  auto watcher = std::make_shared<LogWatcher>("JoinGroup response");
  ScopedDefaultLogger logger(watcher);

  RecordingSink sink;
  KafkaSourceConfig cfg = TestConfig(cluster->bootstrap_servers(), "g-sj", "sj");
  // The assignment normally follows the JoinGroup response by the mock's 2 s; one CI run on a
  // loaded machine saw none within 10 s. The deadline is generous: the test is about waiting for
  // the assignment at all (and not forever), not about how fast the mock answers.
  cfg.revoke_timeout = absl::Seconds(30);
  for (const char* k : {"debug", "log_level"}) {
    core::KafkaProperty p;
    p.name = k;
    p.literal = std::string_view(k) == "debug" ? "cgrp" : "7";
    cfg.properties.push_back(p);
  }
  ASSERT_OK_AND_ASSIGN(auto source, KafkaSource::Create(cfg, &sink, TestOptions()));
  ASSERT_OK(source->Start());
  ASSERT_TRUE(WaitFor([&] { return watcher->seen(); }));
  EXPECT_EQ(source->Stats().assigned, 0u);  // Still inside the window.
  const auto before = std::chrono::steady_clock::now();
  source->Stop();
  EXPECT_EQ(source->Stats().assigned, 2u);  // Stop waited for the first assignment...
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(30));  // ...not longer.
  source.reset();  // rd_kafka_destroy: aborted here before the guard.
  if (HasFailure()) ADD_FAILURE() << "librdkafka's log:\n" << watcher->Transcript();
}

}  // namespace
}  // namespace quell::ingest
