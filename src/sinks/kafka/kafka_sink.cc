// src/sinks/kafka/kafka_sink.cc
#include "sinks/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include "core/status_macros.h"
#include "fmt/format.h"
#include "sinks/notification_json.h"
#include "sinks/send_resolved_receiver.h"

namespace quell::sinks {
namespace {

absl::Status StatusForError(const std::string& name, const std::string& topic, rd_kafka_resp_err_t e) {
  std::string msg = fmt::format("kafka receiver \"{}\": delivery to topic {}: {}", name, topic,
                                rd_kafka_err2str(e));
  switch (e) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return absl::ResourceExhaustedError(msg);
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
      return absl::InvalidArgumentError(msg);
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return absl::PermissionDeniedError(msg);
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return absl::NotFoundError(msg);
    default:
      return absl::UnavailableError(msg);  // Timeouts, transport, leader changes: retry.
  }
}

}  // namespace

KafkaSink::KafkaSink(std::string name, int index, KafkaSinkConfig config)
    : name_(std::move(name)),
      id_(IntegrationId(name_, "kafka", index)),
      config_(std::move(config)) {}

absl::StatusOr<std::unique_ptr<KafkaSink>> KafkaSink::Create(std::string name, int index,
                                                             KafkaSinkConfig config) {
  std::unique_ptr<KafkaSink> s(new KafkaSink(std::move(name), index, std::move(config)));
  const std::string what = fmt::format("kafka receiver \"{}\"", s->name_);
  if (s->config_.brokers.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}: brokers: empty", what));
  }
  QUELL_ASSIGN_OR_RETURN(auto props,
                         core::ResolveKafkaProperties(s->config_.properties, "kafka_configs: properties"));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) -> absl::Status {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(
          fmt::format("{}: property {}: {}", what, k, core::KafkaPropertyErrorDetail(k, err)));
    }
    return absl::OkStatus();
  };
  absl::Status st = set("linger.ms", "5");
  for (const auto& [k, v] : props) {
    if (st.ok()) st = set(k, v);
  }
  if (st.ok()) st = set("bootstrap.servers", s->config_.brokers);
  if (st.ok()) st = set("enable.idempotence", "true");
  if (st.ok()) {
    st = set("message.timeout.ms",
             std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(s->config_.delivery_timeout))));
  }
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaSink::OnDelivery);
  rd_kafka_conf_set_opaque(conf, s.get());
  s->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (s->producer_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(fmt::format("{}: producer: {}", what, err));
  }
  KafkaSink* raw = s.get();
  s->poller_ = std::thread([raw] { raw->PollLoop(); });
  return s;
}

KafkaSink::~KafkaSink() {
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, static_cast<int>(absl::ToInt64Milliseconds(config_.delivery_timeout)));
    // Whatever is left is reported (as Unavailable: the Dispatcher retries it from the outbox).
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_, 0);
    rd_kafka_destroy(producer_);
  }
}

void KafkaSink::PollLoop() {
  while (!stop_.load(std::memory_order_relaxed)) rd_kafka_poll(producer_, 50);
}

void KafkaSink::Deliver(const core::Notification& n, DeliveryCallback done) {
  std::string value = n.kind == core::NotificationKind::kGateVerdict ? n.gate_verdict_json
                                                                      : NotificationToJson(n);
  std::string_view kind = NotificationKindName(n.kind);
  std::string_view status = NotificationStatusName(n.status);
  rd_kafka_headers_t* h = rd_kafka_headers_new(3);
  rd_kafka_header_add(h, "quell-kind", -1, kind.data(), static_cast<ssize_t>(kind.size()));
  rd_kafka_header_add(h, "quell-status", -1, status.data(), static_cast<ssize_t>(status.size()));
  rd_kafka_header_add(h, "content-type", -1, "application/json", -1);
  auto* cb = new DeliveryCallback(std::move(done));
  rd_kafka_resp_err_t e = rd_kafka_producev(
      producer_, RD_KAFKA_V_TOPIC(config_.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(n.dedup_key.data(), n.dedup_key.size()),
      RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(cb),
      RD_KAFKA_V_END);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_headers_destroy(h);
    DeliveryCallback d = std::move(*cb);
    delete cb;
    d(DeliveryOutcome{StatusForError(name_, config_.topic, e)});
  }
}

void KafkaSink::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  auto* cb = static_cast<DeliveryCallback*>(m->_private);
  if (cb == nullptr) return;
  DeliveryOutcome out;
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) out.status = StatusForError(self->name_, self->config_.topic, m->err);
  DeliveryCallback d = std::move(*cb);
  delete cb;
  d(std::move(out));
}

absl::StatusOr<std::unique_ptr<Receiver>> BuildKafkaReceiver(std::string name, int index, KafkaSinkConfig config) {
  const bool send_resolved = config.send_resolved;
  QUELL_ASSIGN_OR_RETURN(std::unique_ptr<KafkaSink> sink,
                         KafkaSink::Create(std::move(name), index, std::move(config)));
  return WithSendResolved(std::move(sink), send_resolved, SendResolvedReceiver::GateVerdicts::kPassThrough);
}

}  // namespace quell::sinks
