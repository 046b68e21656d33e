// tests/integration/kafka_test_util.h
//
// Shared pieces of the Kafka integration tests: a line parser (so the tests do not depend on the
// shape of any wire format), a recording BatchSink whose `done` and refusals the test controls,
// a raw consumer for reading a topic back (dead letters) and for asking the group coordinator
// what is committed, and WaitFor (a condition with a deadline; no fixed sleeps).
#ifndef QUELL_TESTS_INTEGRATION_KAFKA_TEST_UTIL_H_
#define QUELL_TESTS_INTEGRATION_KAFKA_TEST_UTIL_H_

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/batch_sink.h"
#include "fmt/format.h"
#include "ingest/kafka/kafka_config.h"
#include "ingest/kafka/kafka_source.h"
#include "ingest/kafka/mock_cluster.h"
#include "ingest/parser.h"

namespace quell::ingest::kafka_test {

// Waits until `cond` holds or `timeout` passes; true iff it held. Polls every 5 ms.
inline bool WaitFor(const std::function<bool()>& cond,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

// Produces rounds from..to-1 of "ok p<partition>-<round, 5 digits>" to every partition of
// `topic` (one message per partition per round), then waits for the acknowledgements.
inline absl::Status ProduceRange(MockCluster* c, const std::string& topic, int partitions, int from,
                                 int to) {
  for (int i = from; i < to; ++i) {
    for (int p = 0; p < partitions; ++p) {
      absl::Status s = c->Produce(topic, p, "", fmt::format("ok p{}-{:05}", p, i));
      if (!s.ok()) return s;
    }
  }
  return c->Flush();
}

// Format kQuell stand-in: one record per line. "ok <id>" -> a signal titled <id>; any other
// line -> a kMalformedJson rejection at its byte offset; an empty body -> body_rejected.
class LineParser : public Parser {
 public:
  core::Format format() const override { return core::Format::kQuell; }
  ParseResult Parse(std::string_view body, size_t, core::SourceKind source, core::EventTime observed,
                    core::SignalBatch* out) override {
    ParseResult r;
    if (body.empty()) {
      out->Reject({core::RejectReason::kEmptyBody, 0, 0, ""});
      r.rejected = 1;
      r.body_rejected = true;
      return r;
    }
    size_t pos = 0;
    uint32_t index = 0;
    while (pos < body.size()) {
      size_t end = body.find('\n', pos);
      if (end == std::string_view::npos) end = body.size();
      std::string_view line = body.substr(pos, end - pos);
      if (line.substr(0, 3) == "ok ") {
        core::Signal& s = out->Add();
        s.source = source;
        s.format = core::Format::kQuell;
        s.observed_time = observed;
        s.title = out->Copy(line.substr(3));
        s.record_offset = static_cast<uint32_t>(pos);
        out->AddLabel("alertname", s.title);
        out->FinishLabels();
        ++r.accepted;
      } else {
        out->Reject({core::RejectReason::kMalformedJson, static_cast<uint32_t>(pos), index, "line"});
        ++r.rejected;
      }
      pos = end + 1;
      ++index;
    }
    r.body_rejected = r.accepted == 0 && r.rejected > 0;
    return r;
  }
};

inline KafkaSourceOptions TestOptions() {
  KafkaSourceOptions o;
  o.parser_factory = [](core::Format f) -> std::unique_ptr<Parser> {
    if (f == core::Format::kQuell) return std::make_unique<LineParser>();
    return nullptr;
  };
  return o;
}

// Low timeouts so rebalances and shutdowns are quick against the mock cluster.
inline KafkaSourceConfig TestConfig(const std::string& brokers, const std::string& group,
                                    const std::string& topic) {
  KafkaSourceConfig c;
  c.brokers = brokers;
  c.group_id = group;
  KafkaTopicConfig t;
  t.pattern = topic;
  t.format = core::Format::kQuell;
  c.topics.push_back(t);
  c.poll_timeout = absl::Milliseconds(20);
  c.commit_interval = absl::Milliseconds(20);
  c.revoke_timeout = absl::Seconds(10);
  auto prop = [&](const char* k, const char* v) {
    core::KafkaProperty p;
    p.name = k;
    p.literal = v;
    c.properties.push_back(p);
  };
  prop("session.timeout.ms", "6000");
  prop("heartbeat.interval.ms", "200");
  prop("topic.metadata.refresh.interval.ms", "500");
  prop("log_level", "3");
  return c;
}

// Records every accepted signal title in arrival order. Behaviour per Submit is configurable:
// refuse while `refuse` is set; hold `done` callbacks while `defer_done` is set.
class RecordingSink : public core::BatchSink {
 public:
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    std::lock_guard<std::mutex> l(mu_);
    if (refuse_.load()) {
      ++refusals_;
      return absl::ResourceExhaustedError("test sink: full");
    }
    for (const core::Signal& s : batch->signals()) titles_.emplace_back(s.title);
    rejections_ += batch->rejections().size();
    batch_first_ = batch->empty() ? std::string() : std::string(batch->signals()[0].title);
    batch->Clear();
    ++batches_;
    if (defer_done_.load()) {
      deferred_.push_back(std::move(done));
      deferred_first_.push_back(batch_first_);
    } else {
      done();
    }
    return absl::OkStatus();
  }

  void CountUnsubmitted(std::span<const core::Rejection> rejections) override {
    std::lock_guard<std::mutex> l(mu_);
    rejections_ += rejections.size();
  }
  // Rejections the sink was told of: with accepted batches, or for polls that submitted nothing.
  size_t rejections() {
    std::lock_guard<std::mutex> l(mu_);
    return rejections_;
  }

  void set_refuse(bool v) { refuse_.store(v); }
  void set_defer_done(bool v) { defer_done_.store(v); }
  // Fires held `done` callbacks in `order` (indexes into the held list), then forgets them.
  void FireDeferred(const std::vector<size_t>& order) {
    std::vector<std::function<void()>> d;
    {
      std::lock_guard<std::mutex> l(mu_);
      d.swap(deferred_);
    }
    std::vector<std::string> first;
    {
      std::lock_guard<std::mutex> l(mu_);
      first.swap(deferred_first_);
    }
    for (size_t i : order) d[i]();
    std::lock_guard<std::mutex> l(mu_);
    for (size_t i = 0; i < d.size(); ++i) {
      if (std::find(order.begin(), order.end(), i) == order.end()) {
        deferred_.push_back(std::move(d[i]));
        deferred_first_.push_back(first[i]);
      }
    }
  }
  void FireAllDeferred() {
    std::vector<std::function<void()>> d;
    {
      std::lock_guard<std::mutex> l(mu_);
      d.swap(deferred_);
      deferred_first_.clear();
    }
    for (auto& f : d) f();
  }
  // The first signal title of each held batch, in the order of deferred().
  std::vector<std::string> deferred_first_titles() const {
    std::lock_guard<std::mutex> l(mu_);
    return deferred_first_;
  }
  size_t deferred() const {
    std::lock_guard<std::mutex> l(mu_);
    return deferred_.size();
  }
  std::vector<std::string> titles() const {
    std::lock_guard<std::mutex> l(mu_);
    return titles_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> l(mu_);
    return titles_.size();
  }
  int refusals() const {
    std::lock_guard<std::mutex> l(mu_);
    return refusals_;
  }

 private:
  size_t rejections_ = 0;
  mutable std::mutex mu_;
  std::atomic<bool> refuse_{false};
  std::atomic<bool> defer_done_{false};
  std::vector<std::string> titles_;
  std::vector<std::function<void()>> deferred_;
  std::vector<std::string> deferred_first_;
  std::string batch_first_;
  int refusals_ = 0;
  int batches_ = 0;
};

// A raw librdkafka consumer (no subscription) for reading topics back and querying commits.
class RawConsumer {
 public:
  RawConsumer(const std::string& brokers, const std::string& group) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  }
  ~RawConsumer() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  // Committed offset of the group for each partition 0..partitions-1 (-1001 when none).
  std::vector<int64_t> Committed(const std::string& topic, int partitions) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(l, topic.c_str(), p);
    std::vector<int64_t> out(static_cast<size_t>(partitions), -2);
    if (rd_kafka_committed(rk_, l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < l->cnt; ++i) out[static_cast<size_t>(l->elems[i].partition)] = l->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return out;
  }

  struct Message {
    std::string key, value;
    int32_t partition = 0;
    int64_t offset = 0;
    std::map<std::string, std::string> headers;
  };
  // Reads partitions 0..partitions-1 of `topic` from the beginning until `want` messages arrived
  // or `timeout` passed.
  std::vector<Message> ReadAll(const std::string& topic, int partitions, size_t want,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk_, l);
    rd_kafka_topic_partition_list_destroy(l);
    std::vector<Message> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 50);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Message x;
        if (m->key != nullptr) x.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload != nullptr) x.value.assign(static_cast<const char*>(m->payload), m->len);
        x.partition = m->partition;
        x.offset = m->offset;
        rd_kafka_headers_t* h = nullptr;
        if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* name;
          const void* v;
          size_t n;
          for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR;
               ++i) {
            x.headers[name] = std::string(static_cast<const char*>(v), n);
          }
        }
        out.push_back(std::move(x));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(rk_, nullptr);
    return out;
  }

 private:
  rd_kafka_t* rk_ = nullptr;
};

// Commits `offset` (the next to read) for `group` on one partition of `topic` as a member of the
// group (the mock cluster refuses commits from outside it): joins, waits for its assignment,
// commits synchronously and leaves. True when the broker took it. The group must have no other
// member, so that this one is assigned the partition.
inline bool CommitAsGroupMember(const std::string& brokers, const std::string& group, const std::string& topic,
                                int32_t partition, int64_t offset) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
  // As Quell's consumers join (cooperative), and gone quickly should its leave be missed.
  rd_kafka_conf_set(conf, "partition.assignment.strategy", "cooperative-sticky", err, sizeof(err));
  rd_kafka_conf_set(conf, "session.timeout.ms", "6000", err, sizeof(err));
  rd_kafka_conf_set(conf, "heartbeat.interval.ms", "200", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) return false;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  bool ok = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) rd_kafka_message_destroy(m);
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const bool have = assigned->cnt > 0;
    rd_kafka_topic_partition_list_destroy(assigned);
    if (!have) continue;
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset = offset;
    ok = rd_kafka_commit(rk, l, /*async=*/0) == RD_KAFKA_RESP_ERR_NO_ERROR && l->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_partition_list_destroy(l);
    break;
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return ok;
}

}  // namespace quell::ingest::kafka_test

#endif  // QUELL_TESTS_INTEGRATION_KAFKA_TEST_UTIL_H_
