// src/sinks/kafka/kafka_sink_test.cc
//
// KafkaSink against librdkafka's mock cluster: incidents keyed by dedup key with the notification
// JSON as value, gate verdicts as their own JSON, send_resolved, delivery failures reported as
// retryable without leaking secrets, and config errors with positions.
#include "sinks/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/kafka/mock_cluster.h"
#include "sinks/notification_json.h"
#include "sinks/secret_check.h"
#include "sinks/send_resolved_receiver.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

// Waits for one Deliver outcome.
class Outcome {
 public:
  DeliveryCallback Callback() {
    return [this](DeliveryOutcome o) {
      std::lock_guard<std::mutex> l(mu_);
      ++calls_;
      out_ = std::move(o);
      cv_.notify_all();
    };
  }
  // The outcome, or DeadlineExceeded when none came within `timeout`.
  absl::Status Wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return calls_ > 0; })) {
      return absl::DeadlineExceededError("no delivery report");
    }
    return out_.status;
  }
  int calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  DeliveryOutcome out_;
};

struct Read {
  std::string key, value;
  std::map<std::string, std::string> headers;
};

// Reads `want` messages from the start of `topic`; `*total` gets the sum of the partitions' high
// watermarks (everything ever produced).
std::vector<Read> ReadTopic(const std::string& brokers, const std::string& topic, int partitions,
                            size_t want, int64_t* total) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "sink-test-reader", err, sizeof(err));
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  std::vector<Read> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Read r;
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* h = nullptr;
      if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* v;
        size_t n;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          r.headers[name] = std::string(static_cast<const char*>(v), n);
        }
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  *total = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      *total += hi;
    }
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

core::Notification Incident(std::string dedup, core::NotificationStatus status) {
  core::Notification n;
  n.kind = core::NotificationKind::kIncident;
  n.status = status;
  n.receiver = "bus";
  n.dedup_key = std::move(dedup);
  n.incident_id = "inc-1";
  n.sequence = 1;
  n.summary = "High error rate on checkout";
  n.severity = core::Severity::kCritical;
  n.common_labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"service", "checkout"}};
  return n;
}

absl::StatusOr<KafkaSinkConfig> ParseYaml(const std::string& yaml) {
  auto node = core::YamlNode::LoadString(yaml, "quell.yaml");
  if (!node.ok()) return node.status();
  return ParseKafkaSinkConfig(*node);
}

TEST(KafkaSinkTest, PublishesIncidentsKeyedByDedupKeyAndGateVerdictsAsIs) {
  ASSERT_OK_AND_ASSIGN(auto cluster, ingest::MockCluster::Create(3));
  ASSERT_OK(cluster->CreateTopic("incidents", 3));
  KafkaSinkConfig cfg;
  cfg.topic = "incidents";
  cfg.brokers = cluster->bootstrap_servers();
  cfg.send_resolved = false;
  // As app/ builds it: send_resolved is applied around the sink (SendResolvedReceiver).
  ASSERT_OK_AND_ASSIGN(auto sink, BuildKafkaReceiver("bus", 0, cfg));
  ASSERT_NE(dynamic_cast<SendResolvedReceiver*>(sink.get()), nullptr);
  EXPECT_EQ(sink->type(), "kafka");
  EXPECT_EQ(sink->id(), "bus/kafka/0");

  core::Notification firing = Incident("dk-checkout-1", core::NotificationStatus::kFiring);
  Outcome o1, o2, o3, o4;
  sink->Deliver(firing, o1.Callback());
  core::Notification gate;
  gate.kind = core::NotificationKind::kGateVerdict;
  gate.dedup_key = "gate-deploy-42";
  gate.gate_verdict_json = R"({"verdict":"fail","deploy":"checkout@1.2.3"})";
  sink->Deliver(gate, o2.Callback());
  // send_resolved: false -> reported OK without publishing.
  sink->Deliver(Incident("dk-checkout-1", core::NotificationStatus::kResolved), o3.Callback());
  // ... but a passing verdict (status resolved) is published all the same.
  core::Notification pass = gate;
  pass.status = core::NotificationStatus::kResolved;
  pass.dedup_key = "gate-deploy-43";
  pass.gate_verdict_json = R"({"verdict":"pass","deploy":"checkout@1.2.4"})";
  sink->Deliver(pass, o4.Callback());
  EXPECT_OK(o1.Wait());
  EXPECT_OK(o2.Wait());
  EXPECT_OK(o3.Wait());
  EXPECT_OK(o4.Wait());
  EXPECT_EQ(o1.calls(), 1);

  int64_t total = 0;
  auto got = ReadTopic(cluster->bootstrap_servers(), "incidents", 3, 3, &total);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(total, 3) << "the resolved notification must not be published";
  std::map<std::string, Read> by_key;
  for (auto& r : got) by_key[r.key] = r;
  ASSERT_TRUE(by_key.count("dk-checkout-1"));
  EXPECT_EQ(by_key["dk-checkout-1"].value, NotificationToJson(firing));
  ASSERT_OK_AND_ASSIGN(core::Notification back, NotificationFromJson(by_key["dk-checkout-1"].value));
  EXPECT_EQ(back.dedup_key, "dk-checkout-1");
  EXPECT_EQ(back.summary, firing.summary);
  EXPECT_EQ(by_key["dk-checkout-1"].headers["quell-kind"], "incident");
  EXPECT_EQ(by_key["dk-checkout-1"].headers["quell-status"], "firing");
  EXPECT_EQ(by_key["dk-checkout-1"].headers["content-type"], "application/json");
  ASSERT_TRUE(by_key.count("gate-deploy-42"));
  EXPECT_EQ(by_key["gate-deploy-42"].value, gate.gate_verdict_json);
  EXPECT_EQ(by_key["gate-deploy-42"].headers["quell-kind"], "gate_verdict");
  ASSERT_TRUE(by_key.count("gate-deploy-43"));
  EXPECT_EQ(by_key["gate-deploy-43"].value, pass.gate_verdict_json);
  EXPECT_EQ(by_key["gate-deploy-43"].headers["quell-status"], "resolved");
}

TEST(KafkaSinkTest, SendResolvedTrueIsTheBareSink) {
  KafkaSinkConfig cfg;
  cfg.topic = "incidents";
  cfg.brokers = "127.0.0.1:1";  // Never reached: nothing is delivered.
  core::KafkaProperty quiet;
  quiet.name = "log_level";
  quiet.literal = "0";
  cfg.properties.push_back(quiet);
  ASSERT_OK_AND_ASSIGN(auto sink, BuildKafkaReceiver("bus", 2, cfg));
  EXPECT_NE(dynamic_cast<KafkaSink*>(sink.get()), nullptr);
  EXPECT_EQ(sink->id(), "bus/kafka/2");
  cfg.send_resolved = false;
  ASSERT_OK_AND_ASSIGN(auto wrapped, BuildKafkaReceiver("bus", 3, cfg));
  auto* srr = dynamic_cast<SendResolvedReceiver*>(wrapped.get());
  ASSERT_NE(srr, nullptr);
  EXPECT_NE(dynamic_cast<const KafkaSink*>(&srr->inner()), nullptr);
  EXPECT_EQ(wrapped->id(), "bus/kafka/3");
  // Errors are KafkaSink::Create's.
  cfg.brokers.clear();
  EXPECT_THAT(BuildKafkaReceiver("bus", 4, cfg), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KafkaSinkTest, UnreachableClusterIsRetryableAndLeaksNoSecret) {
  ASSERT_EQ(setenv("QUELL_TEST_SINK_KAFKA_PW", "pa55-w0rd-xyz", 1), 0);
  ASSERT_OK_AND_ASSIGN(KafkaSinkConfig cfg, ParseYaml(R"(topic: incidents
brokers: 127.0.0.1:1
delivery_timeout: 300ms
properties:
  security.protocol: SASL_PLAINTEXT
  sasl.mechanisms: PLAIN
  sasl.username: quell
  sasl.password: {env: QUELL_TEST_SINK_KAFKA_PW}
  log_level: 0
)"));
  ASSERT_OK_AND_ASSIGN(auto sink, KafkaSink::Create("bus", 1, cfg));
  core::Notification n = Incident("dk-2", core::NotificationStatus::kFiring);
  n.summary = "patient MRN-12345678 summary";
  Outcome o;
  sink->Deliver(n, o.Callback());
  absl::Status s = o.Wait();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("kafka receiver \"bus\"")));
  EXPECT_TRUE(IsRetryable(s));
  EXPECT_OK(CheckNoSecretIn(s, {"pa55-w0rd-xyz", "MRN-12345678"}));
}

TEST(KafkaSinkTest, DestructorReportsEveryPendingDelivery) {
  KafkaSinkConfig cfg;
  cfg.topic = "t";
  cfg.brokers = "127.0.0.1:1";  // Nothing listens: the message stays queued.
  cfg.delivery_timeout = absl::Seconds(1);
  core::KafkaProperty quiet;
  quiet.name = "log_level";
  quiet.literal = "0";
  cfg.properties.push_back(quiet);
  Outcome o;
  {
    ASSERT_OK_AND_ASSIGN(auto sink, KafkaSink::Create("bus", 0, cfg));
    sink->Deliver(Incident("dk-3", core::NotificationStatus::kFiring), o.Callback());
  }
  // Reported before the destructor returned.
  EXPECT_EQ(o.calls(), 1);
  EXPECT_THAT(o.Wait(std::chrono::milliseconds(1)), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(KafkaSinkTest, ConfigErrorsPointAtTheLine) {
  EXPECT_THAT(ParseYaml("brokers: k\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("topic")));
  EXPECT_THAT(ParseYaml("topic: t\ntopik: u\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:2:1")));
  auto s = ParseYaml("topic: t\nproperties:\n  sasl.password: literal-pw\n");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("never literally")));
  EXPECT_OK(CheckNoSecretIn(s.status(), {"literal-pw"}));
  EXPECT_THAT(ParseYaml("topic: t\nproperties:\n  enable.idempotence: false\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("quell.yaml:3:3"), HasSubstr("managed by Quell"))));
  ASSERT_OK_AND_ASSIGN(KafkaSinkConfig c, ParseYaml("topic: t\n"));
  EXPECT_TRUE(c.brokers.empty());
  EXPECT_TRUE(c.send_resolved);
  EXPECT_THAT(KafkaSink::Create("bus", 0, c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("brokers: empty")));
}

}  // namespace
}  // namespace quell::sinks
