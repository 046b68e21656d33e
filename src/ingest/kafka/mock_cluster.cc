// src/ingest/kafka/mock_cluster.cc
#include "ingest/kafka/mock_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <vector>

#include "fmt/format.h"

namespace quell::ingest {
namespace {

rd_kafka_conf_t* NewConf(std::initializer_list<std::pair<const char*, const char*>> props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MockCluster>> MockCluster::Create(int brokers) {
  if (brokers < 1) return absl::InvalidArgumentError("mock cluster: brokers must be >= 1");
  std::unique_ptr<MockCluster> m(new MockCluster());
  char err[512];
  rd_kafka_conf_t* conf = NewConf({{"log_level", "2"}});
  m->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (m->handle_ == nullptr) {
    return absl::InternalError(fmt::format("mock cluster: rd_kafka_new: {}", err));
  }
  m->cluster_ = rd_kafka_mock_cluster_new(m->handle_, brokers);
  if (m->cluster_ == nullptr) return absl::InternalError("mock cluster: cannot start brokers");
  m->bootstrap_ = rd_kafka_mock_cluster_bootstraps(m->cluster_);

  conf = NewConf({{"bootstrap.servers", m->bootstrap_.c_str()},
                  {"linger.ms", "5"},
                  {"log_level", "2"},
                  {"queue.buffering.max.messages", "1000000"},
                  {"queue.buffering.max.kbytes", "1048576"}});
  rd_kafka_conf_set_opaque(conf, m.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &MockCluster::OnDelivery);
  m->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (m->producer_ == nullptr) {
    return absl::InternalError(fmt::format("mock cluster: producer: {}", err));
  }
  return m;
}

MockCluster::~MockCluster() {
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

absl::Status MockCluster::CreateTopic(std::string_view topic, int partitions,
                                      int replication_factor) {
  std::string name(topic);
  rd_kafka_resp_err_t e =
      rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication_factor);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        fmt::format("mock cluster: create topic {}: {}", name, rd_kafka_err2str(e)));
  }
  return absl::OkStatus();
}

absl::Status MockCluster::SetBrokerDown(int32_t id) {
  rd_kafka_resp_err_t e = rd_kafka_mock_broker_set_down(cluster_, id);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        fmt::format("mock cluster: broker {} down: {}", id, rd_kafka_err2str(e)));
  }
  return absl::OkStatus();
}

absl::Status MockCluster::SetBrokerUp(int32_t id) {
  rd_kafka_resp_err_t e = rd_kafka_mock_broker_set_up(cluster_, id);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        fmt::format("mock cluster: broker {} up: {}", id, rd_kafka_err2str(e)));
  }
  return absl::OkStatus();
}

absl::Status MockCluster::Produce(std::string_view topic, int32_t partition, std::string_view key,
                                  std::string_view value, const Headers& headers) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& [k, v] : headers) {
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    }
  }
  std::string t(topic);
  rd_kafka_resp_err_t e;
  for (;;) {
    e = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(t.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    rd_kafka_poll(producer_, 10);  // Local queue full: serve delivery reports, then retry.
  }
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // Not taken on failure.
    return absl::InternalError(fmt::format("mock cluster: produce to {}: {}", t, rd_kafka_err2str(e)));
  }
  rd_kafka_poll(producer_, 0);
  return absl::OkStatus();
}

absl::Status MockCluster::Flush(absl::Duration timeout) {
  rd_kafka_resp_err_t e =
      rd_kafka_flush(producer_, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  rd_kafka_poll(producer_, 0);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::DeadlineExceededError(fmt::format("mock cluster: flush: {}", rd_kafka_err2str(e)));
  }
  if (!first_delivery_error_.empty()) {
    std::string m = std::move(first_delivery_error_);
    first_delivery_error_.clear();
    return absl::InternalError(fmt::format("mock cluster: delivery: {}", m));
  }
  return absl::OkStatus();
}

void MockCluster::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<MockCluster*>(opaque);
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR && self->first_delivery_error_.empty()) {
    self->first_delivery_error_ = rd_kafka_err2str(msg->err);
  }
}

}  // namespace quell::ingest
