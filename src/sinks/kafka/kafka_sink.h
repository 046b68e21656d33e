// src/sinks/kafka/kafka_sink.h
//
// KafkaSink: a Receiver (sinks/receiver.h) publishing notifications to a Kafka topic through one
// idempotent librdkafka producer (enable.idempotence=true: acks=all, no duplicates or reordering
// from the producer's own retries). The message key is the notification's dedup_key, so every
// update of one incident lands on one partition in order; the value is the notification's JSON
// (sinks/notification_json.h) or, for gate verdicts, `gate_verdict_json` as is. Headers:
// `quell-kind`, `quell-status`, `content-type: application/json`. The sink publishes every
// notification it is given; send_resolved: false (nothing when an incident resolves, resolved
// members left out, nothing for an update that only resolved members; gate verdicts are always
// published) is applied around it by BuildKafkaReceiver below.
//
// Deliver enqueues and returns; the delivery report (served by the sink's own poll thread) calls
// `done`: OK when the broker acknowledged; Unavailable for transient failures (timeout, broker
// down: message.timeout.ms = delivery_timeout); ResourceExhausted when the local queue is full;
// InvalidArgument (too large), PermissionDenied (authorization) or NotFound (unknown topic) for
// permanent ones. Status messages read `kafka receiver "<name>": ...` and never contain a
// property value or the payload.
//
// Threading: Deliver is thread-safe. Lifetime: the destructor flushes for up to
// delivery_timeout, then purges and reports what remains as Unavailable, so every `done` is
// called exactly once before it returns.
#ifndef QUELL_SINKS_KAFKA_KAFKA_SINK_H_
#define QUELL_SINKS_KAFKA_KAFKA_SINK_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "sinks/kafka/kafka_sink_config.h"
#include "sinks/receiver.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace quell::sinks {

class KafkaSink final : public Receiver {
 public:
  // Resolves secrets and creates the producer. Errors: InvalidArgument naming the receiver and the
  // property (never its value), e.g. when `config.brokers` is empty or a property is unknown.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KafkaSink>> Create(std::string name, int index,
                                                                         KafkaSinkConfig config);
  ~KafkaSink() override;

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "kafka"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

 private:
  KafkaSink(std::string name, int index, KafkaSinkConfig config);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  void PollLoop();

  std::string name_;
  std::string id_;
  KafkaSinkConfig config_;
  rd_kafka_t* producer_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

// The integration for one `kafka_configs` entry as the Dispatcher gets it: KafkaSink::Create's sink,
// wrapped for `send_resolved: false` in a SendResolvedReceiver (send_resolved_receiver.h) that lets
// gate verdicts through (a passing verdict, status resolved, is news on a bus), bare otherwise.
// Errors: those of KafkaSink::Create.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Receiver>> BuildKafkaReceiver(std::string name, int index,
                                                                           KafkaSinkConfig config);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_KAFKA_KAFKA_SINK_H_
