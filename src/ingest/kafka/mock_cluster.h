// src/ingest/kafka/mock_cluster.h
//
// MockCluster: an in-process Kafka cluster for tests, benchmarks and the quell-mock-kafka tool, an
// RAII wrapper over librdkafka's mock cluster (rdkafka_mock.h): N brokers listening on 127.0.0.1
// ephemeral ports, speaking the Kafka protocol to any client (librdkafka, kcat). It also owns a
// producer connected to it for seeding topics.
//
// What the 2.0.2 mock does and does not do is listed in /work/shared/kafka.md and docs/kafka.md:
// consumer groups (a new group's first join is held ~3 s), broker down/up, headers, idempotent
// producer work; each partition keeps only ~5 MiB; transactions are broken; topics are created
// by CreateTopic or auto-creation (not by the Admin API).
//
// Thread-safety: CreateTopic, SetBrokerDown/Up and Produce/Flush may be called from any thread
// (librdkafka serialises them). The cluster must outlive every client connected to it.
#ifndef QUELL_INGEST_KAFKA_MOCK_CLUSTER_H_
#define QUELL_INGEST_KAFKA_MOCK_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace quell::ingest {

class MockCluster {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Starts a cluster of `brokers` brokers (ids 1..brokers). Errors: Internal when librdkafka
  // cannot create it (no free ports).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MockCluster>> Create(int brokers = 3);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:port,127.0.0.1:port,...": pass as bootstrap.servers / KafkaSourceConfig::brokers.
  const std::string& bootstrap_servers() const { return bootstrap_; }

  // Creates `topic` with `partitions` partitions. Errors: InvalidArgument (exists, bad counts).
  [[nodiscard]] absl::Status CreateTopic(std::string_view topic, int partitions,
                                         int replication_factor = 1);

  // Takes broker `id` (1-based) down / brings it back: connections drop, requests fail.
  [[nodiscard]] absl::Status SetBrokerDown(int32_t id);
  [[nodiscard]] absl::Status SetBrokerUp(int32_t id);

  // Queues one message on `topic` (`partition` -1: by key hash, or round robin when key is
  // empty). Asynchronous: call Flush to wait for acknowledgement. Errors: the enqueue failure
  // (e.g. ResourceExhausted when the local queue is full: Flush and retry).
  [[nodiscard]] absl::Status Produce(std::string_view topic, int32_t partition, std::string_view key,
                                     std::string_view value, const Headers& headers = {});
  // Waits until every produced message is acknowledged. Errors: DeadlineExceeded, or Internal
  // naming the first delivery failure since the last Flush.
  [[nodiscard]] absl::Status Flush(absl::Duration timeout = absl::Seconds(30));

  rd_kafka_mock_cluster_t* raw() { return cluster_; }

 private:
  MockCluster() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

  rd_kafka_t* handle_ = nullptr;    // Owns the mock cluster's threads (a producer handle).
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* producer_ = nullptr;  // Connected to the cluster; seeds topics.
  std::string bootstrap_;
  std::string first_delivery_error_;  // Guarded by the producer's poll thread (Flush caller).
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_KAFKA_MOCK_CLUSTER_H_
