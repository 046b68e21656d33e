// src/ingest/kafka/kafka_source.cc
//
// Design notes (see also ADR 0030 and docs/kafka.md):
//   * Every librdkafka call happens on the poll thread. The rebalance and offset-commit callbacks
//     are served by rd_kafka_consume_batch_queue on that thread (rd_kafka_poll_set_consumer), so
//     the partition table is only mutated there; Stats() readers take `table_mu_`.
//   * Per partition, batches in flight form a FIFO of {seq, next_offset, remaining}; `remaining`
//     counts the sink's `done` plus one per dead-letter produce not yet acknowledged. Popping the
//     completed prefix advances `done`, which the poll thread commits.
//   * Messages are taken one per rd_kafka_consume_queue call, never with
//     rd_kafka_consume_batch_queue: in librdkafka < 2.1 the batch call advances a partition's app
//     offset for every message it pops, and a pause/seek/rebalance barrier arriving before the
//     call returns purges those messages from the array while the library resumes fetching after
//     them (v2.0.0 "Known Issues", fixed by PR #4208 in v2.1.0). Rebalances pause the assignment
//     from librdkafka's own thread, so the batch call lost messages on every rebalance that found
//     it waiting with messages popped (issue #4). A single-message call returns what it pops.
//     Rebalance callbacks may therefore run between two messages of one round: Revoke drops the
//     revoked partitions' collected messages (their offsets were never done).
#include "ingest/kafka/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "core/rpc_status.h"
#include "core/status_macros.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "ingest/otlp_protobuf_parser.h"
#include "re2/re2.h"
#include "spdlog/spdlog.h"

namespace quell::ingest {
namespace {

constexpr int kHeldRetryMs = 10;

// How many messages ahead of the one being parsed a payload is prefetched, and how much of it.
constexpr size_t kPrefetchAhead = 2;
constexpr size_t kPrefetchMaxBytes = 4096;

inline void PrefetchPayload(const rd_kafka_message_t* m) {
  const char* p = static_cast<const char*>(m->payload);
  if (p == nullptr) return;
  const size_t n = std::min(m->len, kPrefetchMaxBytes);
  for (size_t off = 0; off < n; off += 64) __builtin_prefetch(p + off);
}

// A partition as the poll thread and the `done` callbacks see it.
struct PartitionState {
  PartitionState(std::string t, int32_t p) : topic(std::move(t)), partition(p) {}

  const std::string topic;
  const int32_t partition;

  // Poll thread only.
  std::vector<rd_kafka_message_t*> pending;  // Messages of the current consume call.
  core::SignalBatch batch;                   // Being built, or held (refused by the sink).
  bool held = false;                         // `batch` waits for the sink; partition paused.
  uint64_t held_seq = 0;
  std::atomic<int64_t> position{-1};         // Next offset to parse (Stats() reads it).
  int64_t commit_requested = -1;             // Last offset stored for commit.
  uint64_t next_seq = 0;

  struct InFlight {
    uint64_t seq;
    int64_t next_offset;  // Offset to commit once this entry (and all before it) completed.
    int remaining;        // Sink done (0/1) + dead-letter acknowledgements outstanding.
  };

  // Guarded by mu (done callbacks run on any thread).
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<InFlight> inflight;
  int64_t done = -1;
  int64_t committed = -1;
  std::atomic<bool> paused{false};

  // Records one completion of entry `seq`; advances `done` over the completed prefix.
  void Complete(uint64_t seq) {
    std::lock_guard<std::mutex> l(mu);
    for (InFlight& e : inflight) {
      if (e.seq == seq) {
        --e.remaining;
        break;
      }
    }
    PopCompletedLocked();
    cv.notify_all();
  }
  void PopCompletedLocked() {
    while (!inflight.empty() && inflight.front().remaining <= 0) {
      done = inflight.front().next_offset;
      inflight.pop_front();
    }
  }
};

// Identifies a dead-letter produce in its delivery report.
struct DeadLetterToken {
  std::shared_ptr<PartitionState> state;
  uint64_t seq;
};

std::string_view HeaderValue(rd_kafka_headers_t* h, const char* name) {
  const void* v = nullptr;
  size_t n = 0;
  if (h != nullptr && rd_kafka_header_get_last(h, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      v != nullptr) {
    return std::string_view(static_cast<const char*>(v), n);
  }
  return {};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A message's format and, for OTLP, whether it is binary protobuf (otlp_protobuf_parser.h).
struct WireFormat {
  core::Format format = core::Format::kUnknown;
  bool protobuf = false;
};

// The format named by a message's headers: `quell-format: <name>` first, then `content-type`
// with a `format=<name>` parameter, or application/x-ndjson (Quell's NDJSON records). A
// content-type of application/x-protobuf (or application/protobuf) marks an OTLP format's message
// as binary protobuf.
WireFormat FormatFromHeaders(const rd_kafka_message_t* m) {
  WireFormat w;
  rd_kafka_headers_t* h = nullptr;
  if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR) return w;
  std::string_view ct = HeaderValue(h, "content-type");
  if (ct.empty()) ct = HeaderValue(h, "Content-Type");
  size_t semi = ct.find(';');
  const std::string_view media = Trim(ct.substr(0, semi));
  w.protobuf = core::IsProtobufContentType(ct);
  std::string_view qf = Trim(HeaderValue(h, "quell-format"));
  if (!qf.empty()) {
    core::ParseFormatName(qf, &w.format);
    return w;
  }
  if (ct.empty()) return w;
  while (semi != std::string_view::npos) {
    std::string_view rest = ct.substr(semi + 1);
    size_t next = rest.find(';');
    std::string_view param = Trim(rest.substr(0, next));
    if (param.size() > 7 && core::EqualsIgnoreCase(param.substr(0, 7), "format=")) {
      std::string_view v = param.substr(7);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      core::ParseFormatName(v, &w.format);
      return w;
    }
    semi = next == std::string_view::npos ? next : semi + 1 + next;
  }
  if (core::EqualsIgnoreCase(media, "application/x-ndjson")) w.format = core::Format::kQuell;
  return w;
}

void LogCallback(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  // librdkafka never prints property values marked sensitive; messages are safe to log.
  if (level <= 3) {
    spdlog::error("kafka: {}: {}", fac, buf);
  } else if (level <= 4) {
    spdlog::warn("kafka: {}: {}", fac, buf);
  } else if (level <= 6) {
    spdlog::info("kafka: {}: {}", fac, buf);
  } else {
    spdlog::debug("kafka: {}: {}", fac, buf);
  }
}

absl::Status SetProperty(rd_kafka_conf_t* conf, std::string_view what, const std::string& name,
                         const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    // librdkafka's message may quote the value: drop it for secrets.
    return absl::InvalidArgumentError(
        fmt::format("{}: property {}: {}", what, name, core::KafkaPropertyErrorDetail(name, err)));
  }
  return absl::OkStatus();
}

}  // namespace

class KafkaSource::Impl {
 public:
  Impl(const KafkaSourceConfig& config, core::BatchSink* sink, KafkaSourceOptions options)
      : config_(config), sink_(sink), options_(std::move(options)) {
    parsers_.resize(2 * (static_cast<size_t>(core::Format::kQuell) + 1));
    tried_parser_.resize(parsers_.size(), false);
  }

  ~Impl() {
    Stop();
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    if (consumer_ != nullptr && !mid_first_join_) rd_kafka_destroy(consumer_);
    if (dlq_ != nullptr) {
      rd_kafka_flush(dlq_, 5000);
      rd_kafka_destroy(dlq_);
    }
  }

  absl::Status Init() {
    if (sink_ == nullptr) return absl::InvalidArgumentError("kafka source: sink is null");
    if (config_.brokers.empty()) return absl::InvalidArgumentError("kafka source: brokers: empty");
    if (config_.topics.empty()) return absl::InvalidArgumentError("kafka source: topics: empty");
    if (!options_.parser_factory) {
      ParserOptions po = options_.parser_options;
      options_.parser_factory = [po](core::Format f) { return MakeParser(f, po); };
    }
    for (const KafkaTopicConfig& t : config_.topics) {
      topic_regexes_.emplace_back(t.is_regex ? std::make_unique<re2::RE2>(t.pattern) : nullptr);
      if (t.is_regex && !topic_regexes_.back()->ok()) {
        return absl::InvalidArgumentError(fmt::format("{}: topics[]: regex: {}", t.where.ToString(),
                                                      topic_regexes_.back()->error()));
      }
    }
    QUELL_ASSIGN_OR_RETURN(auto props, core::ResolveKafkaProperties(config_.properties, "properties"));

    // Consumer: Quell's defaults, then the user's properties, then what Quell manages.
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set_all = [&](rd_kafka_conf_t* c, std::string_view what,
                       const std::vector<std::pair<std::string, std::string>>& defaults,
                       const std::vector<std::pair<std::string, std::string>>& managed) {
      for (const auto& [k, v] : defaults) QUELL_RETURN_IF_ERROR(SetProperty(c, what, k, v));
      for (const auto& [k, v] : props) QUELL_RETURN_IF_ERROR(SetProperty(c, what, k, v));
      for (const auto& [k, v] : managed) QUELL_RETURN_IF_ERROR(SetProperty(c, what, k, v));
      return absl::OkStatus();
    };
    absl::Status s = set_all(
        conf, "kafka source",
        {{"partition.assignment.strategy", "cooperative-sticky"},
         {"auto.offset.reset", "earliest"},
         // Larger prefetch queues: 2.0.2 stalls ~1 s when the queue fills (shared/kafka.md).
         {"queued.min.messages", "1000000"},
         {"queued.max.messages.kbytes", "262144"},
         {"enable.partition.eof", "false"},
         {"client.id", "quell"}},
        {{"bootstrap.servers", config_.brokers},
         {"group.id", config_.group_id},
         // Only offsets Quell stores (after `done`) are auto-committed, every commit_interval.
         {"enable.auto.commit", "true"},
         {"auto.commit.interval.ms",
          std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(config_.commit_interval)))},
         {"enable.auto.offset.store", "false"}});
    if (!s.ok()) {
      rd_kafka_conf_destroy(conf);
      return s;
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &Impl::RebalanceCallback);
    rd_kafka_conf_set_offset_commit_cb(conf, &Impl::CommitCallback);
    rd_kafka_conf_set_error_cb(conf, &Impl::ErrorCallback);
    rd_kafka_conf_set_log_cb(conf, &LogCallback);
    char err[512];
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (consumer_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(fmt::format("kafka source: consumer: {}", err));
    }
    rd_kafka_poll_set_consumer(consumer_);
    queue_ = rd_kafka_queue_get_consumer(consumer_);

    if (!config_.dead_letter_topic.empty()) {
      rd_kafka_conf_t* pconf = rd_kafka_conf_new();
      s = set_all(pconf, "kafka dead-letter producer",
                  {{"enable.idempotence", "true"}, {"linger.ms", "5"}, {"client.id", "quell-dlq"}},
                  {{"bootstrap.servers", config_.brokers}});
      if (!s.ok()) {
        rd_kafka_conf_destroy(pconf);
        return s;
      }
      rd_kafka_conf_set_opaque(pconf, this);
      rd_kafka_conf_set_dr_msg_cb(pconf, &Impl::DeadLetterCallback);
      rd_kafka_conf_set_log_cb(pconf, &LogCallback);
      dlq_ = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
      if (dlq_ == nullptr) {
        rd_kafka_conf_destroy(pconf);
        return absl::InvalidArgumentError(fmt::format("kafka dead-letter producer: {}", err));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Start() {
    rd_kafka_topic_partition_list_t* topics =
        rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size()));
    for (const KafkaTopicConfig& t : config_.topics) {
      rd_kafka_topic_partition_list_add(topics, t.pattern.c_str(), RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(consumer_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InvalidArgumentError(fmt::format("kafka source: subscribe: {}", rd_kafka_err2str(e)));
    }
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  KafkaSourceStats Stats() const {
    KafkaSourceStats s;
    s.messages = messages_.load(std::memory_order_relaxed);
    s.bytes = bytes_.load(std::memory_order_relaxed);
    s.signals = signals_.load(std::memory_order_relaxed);
    s.batches = batches_.load(std::memory_order_relaxed);
    s.submit_refusals = refusals_.load(std::memory_order_relaxed);
    s.pauses = pauses_.load(std::memory_order_relaxed);
    s.commits = commits_.load(std::memory_order_relaxed);
    s.commit_failures = commit_failures_.load(std::memory_order_relaxed);
    s.dead_letters = dead_letters_.load(std::memory_order_relaxed);
    s.dead_letter_failures = dead_letter_failures_.load(std::memory_order_relaxed);
    s.consume_errors = consume_errors_.load(std::memory_order_relaxed);
    s.assigned = assigned_.load(std::memory_order_relaxed);
    s.revoked = revoked_.load(std::memory_order_relaxed);
    s.offset_gaps = offset_gaps_.load(std::memory_order_relaxed);
    s.revocation_commit_failures = revocation_commit_failures_.load(std::memory_order_relaxed);
    for (int i = 0; i < core::kRejectReasonCount; ++i) {
      s.dead_letters_by_reason[i] = by_reason_[i].load(std::memory_order_relaxed);
    }
    std::lock_guard<std::mutex> l(table_mu_);
    for (const auto& [topic, parts] : table_) {
      for (const auto& p : parts) {
        if (p == nullptr) continue;
        KafkaPartitionStats ps;
        ps.topic = p->topic;
        ps.partition = p->partition;
        {
          std::lock_guard<std::mutex> pl(p->mu);
          ps.done = p->done;
          ps.committed = p->committed;
          ps.in_flight_batches = static_cast<uint32_t>(p->inflight.size());
        }
        ps.position = p->position.load(std::memory_order_relaxed);
        ps.paused = p->paused.load();
        int64_t lo = -1, hi = -1;
        if (consumer_ != nullptr &&
            rd_kafka_get_watermark_offsets(consumer_, p->topic.c_str(), p->partition, &lo, &hi) ==
                RD_KAFKA_RESP_ERR_NO_ERROR &&
            hi >= 0) {
          ps.high_watermark = hi;
          int64_t base = ps.committed >= 0 ? ps.committed : ps.position;
          if (base >= 0) ps.lag = std::max<int64_t>(0, hi - base);
        }
        s.partitions.push_back(std::move(ps));
      }
    }
    return s;
  }

 private:
  // ---- Poll loop ------------------------------------------------------------------------------
  void Run() {
    const int poll_ms = static_cast<int>(std::max<int64_t>(1, absl::ToInt64Milliseconds(config_.poll_timeout)));
    const int64_t round_max = std::max<int64_t>(1, config_.batch_size);
    while (!stop_.load(std::memory_order_relaxed)) {
      bool any_held = RetryHeld();
      StoreDoneOffsets();
      if (dlq_ != nullptr) rd_kafka_poll(dlq_, 0);
      // One round: wait for the first message, then take what is already queued, up to
      // batch_size. One message per call (see the design notes: never the batch call on 2.0.x).
      touched_.clear();
      int timeout_ms = any_held ? std::min(poll_ms, kHeldRetryMs) : poll_ms;
      for (int64_t n = 0; n < round_max; ++n) {
        rd_kafka_message_t* m = rd_kafka_consume_queue(queue_, timeout_ms);
        if (m == nullptr) break;
        Collect(m);
        timeout_ms = 0;
      }
      if (touched_.empty()) continue;
      const core::EventTime observed =
          core::EventTime::FromUnixNanos(options_.clock->Now().unix_nanos());
      for (PartitionState* p : touched_) ParseAndSubmit(p, observed);
      touched_.clear();
    }
    SettleFirstJoin();
    // Leaving the group revokes every partition through RebalanceCallback: in-flight batches are
    // waited for and done offsets committed there.
    rd_kafka_resp_err_t e = rd_kafka_consumer_close(consumer_);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka source: close: {}", rd_kafka_err2str(e));
    }
    // Anything still assigned (close failed to revoke) is given up uncommitted.
    std::lock_guard<std::mutex> l(table_mu_);
    table_.clear();
  }

  // librdkafka < 2.2.1 aborts in rd_kafka_destroy (rd_kafka_sticky_assignor_state_destroy:
  // `assignor_state` assertion) when a cooperative-sticky consumer is destroyed after its first
  // JoinGroup response and before its first SyncGroup response (librdkafka #4381; closing it
  // first does not help). A Stop in that window therefore keeps serving the consumer queue until
  // the first assignment arrives, up to revoke_timeout. A member id is only set once the
  // coordinator answered a JoinGroup: without one (no coordinator reached) there is no window.
  // If the deadline passes inside the window the handle is left undestroyed: a leak, not an abort.
  void SettleFirstJoin() {
    if (first_assignment_.load() || !HasMemberId()) return;
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(config_.revoke_timeout));
    while (!first_assignment_.load() && std::chrono::steady_clock::now() < deadline) {
      // Callbacks run inside; messages of the new assignment are left unprocessed (not done).
      if (rd_kafka_message_t* m = rd_kafka_consume_queue(queue_, 10)) rd_kafka_message_destroy(m);
    }
    if (!first_assignment_.load()) {
      mid_first_join_ = true;
      spdlog::error("kafka source: stopped during the group's first join (no assignment within {} "
                    "ms); the consumer handle is not destroyed (librdkafka #4381 would abort)",
                    absl::ToInt64Milliseconds(config_.revoke_timeout));
    }
  }

  bool HasMemberId() {
    char* id = rd_kafka_memberid(consumer_);
    const bool has = id != nullptr && id[0] != '\0';
    if (id != nullptr) rd_kafka_mem_free(consumer_, id);
    return has;
  }

  PartitionState* Lookup(const char* topic, int32_t partition) {
    auto it = table_.find(absl::string_view(topic));
    if (it == table_.end() || partition < 0 || static_cast<size_t>(partition) >= it->second.size()) {
      return nullptr;
    }
    return it->second[static_cast<size_t>(partition)].get();
  }

  // Adds `m` to its partition's messages of this round, or destroys it.
  void Collect(rd_kafka_message_t* m) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        consume_errors_.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("kafka source: consume: {}", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
      return;
    }
    PartitionState* p = m->rkt == nullptr ? nullptr : Lookup(rd_kafka_topic_name(m->rkt), m->partition);
    // Not ours (a stale message of a revoked partition), arriving while the partition is held
    // (re-read after the resume seek), or already taken (a re-fetch after a seek or a resume).
    if (p == nullptr || p->held) {
      rd_kafka_message_destroy(m);
      return;
    }
    const int64_t next = p->pending.empty() ? p->position.load(std::memory_order_relaxed)
                                            : p->pending.back()->offset + 1;
    if (m->offset < next) {
      rd_kafka_message_destroy(m);
      return;
    }
    if (next >= 0 && m->offset > next) {
      // Compaction and transaction markers leave gaps; anything else is a client bug that
      // would commit offsets never processed (issue #4).
      offset_gaps_.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("kafka source: {}/{}: offset gap: expected {}, got {}", p->topic, p->partition,
                    next, m->offset);
    }
    if (p->pending.empty()) touched_.push_back(p);
    p->pending.push_back(m);
  }

  // Destroys the messages collected for `p` in this round (it is being revoked or replaced).
  void DropPending(PartitionState* p) {
    if (p->pending.empty()) return;
    for (rd_kafka_message_t* m : p->pending) rd_kafka_message_destroy(m);
    p->pending.clear();
    touched_.erase(std::remove(touched_.begin(), touched_.end(), p), touched_.end());
  }

  // Parsers by format, the protobuf ones (OTLP formats only) after the JSON ones.
  Parser* ParserFor(WireFormat w) {
    const size_t formats = parsers_.size() / 2;
    size_t i = static_cast<size_t>(w.format);
    if (i >= formats) return nullptr;
    if (w.protobuf) i += formats;
    if (!tried_parser_[i]) {
      tried_parser_[i] = true;
      parsers_[i] = options_.parser_factory(w.format);
      if (w.protobuf) parsers_[i] = OtlpProtobufParser::Wrap(std::move(parsers_[i]));
    }
    return parsers_[i].get();
  }

  WireFormat TopicFormat(const char* topic) {
    auto it = topic_formats_.find(absl::string_view(topic));
    return it == topic_formats_.end() ? WireFormat{} : it->second;
  }

  void ParseAndSubmit(PartitionState* p, core::EventTime observed) {
    p->batch.Clear();
    const uint64_t seq = p->next_seq++;
    int dead_letters = 0;
    const WireFormat topic_format = TopicFormat(p->topic.c_str());
    const size_t count = p->pending.size();
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_message_t* m = p->pending[i];
      // The payloads were written by librdkafka's broker threads, on another core: fetching the
      // one after next into this core's cache while this one is parsed hides that miss
      // (bench/results/kafka.md).
      if (i + kPrefetchAhead < count) PrefetchPayload(p->pending[i + kPrefetchAhead]);
      messages_.fetch_add(1, std::memory_order_relaxed);
      bytes_.fetch_add(m->len, std::memory_order_relaxed);
      p->position.store(m->offset + 1, std::memory_order_relaxed);
      std::string_view body(static_cast<const char*>(m->payload), m->payload == nullptr ? 0 : m->len);
      const WireFormat w = topic_format.format != core::Format::kUnknown ? topic_format : FormatFromHeaders(m);
      const core::Format f = w.format;
      Parser* parser = f == core::Format::kUnknown ? nullptr : ParserFor(w);
      if (parser == nullptr) {
        core::Rejection r;
        r.reason = core::RejectReason::kUnsupported;
        r.field = "quell-format";
        dead_letters += DeadLetter(p, seq, m, std::span<const core::Rejection>(&r, 1), w);
        sink_->CountUnsubmitted(std::span<const core::Rejection>(&r, 1));
        continue;
      }
      size_t before = p->batch.rejections().size();
      ParseResult res = parser->Parse(body, body.size(), core::SourceKind::kKafka, observed, &p->batch);
      std::span<const core::Rejection> rej = p->batch.rejections().subspan(before);
      if (res.body_rejected && rej.empty()) {
        static const core::Rejection kWhole{core::RejectReason::kMalformedJson, 0, 0, ""};
        rej = std::span<const core::Rejection>(&kWhole, 1);
      }
      if (!rej.empty()) dead_letters += DeadLetter(p, seq, m, rej, w);
    }
    for (rd_kafka_message_t* m : p->pending) rd_kafka_message_destroy(m);
    p->pending.clear();

    const bool submit = !p->batch.empty();
    // Rejections of messages without a signal among them: not counted with a submitted batch.
    if (!submit && !p->batch.rejections().empty()) sink_->CountUnsubmitted(p->batch.rejections());
    {
      std::lock_guard<std::mutex> l(p->mu);
      p->inflight.push_back({seq, p->position.load(std::memory_order_relaxed), dead_letters + (submit ? 1 : 0)});
      p->PopCompletedLocked();  // Nothing to wait for (e.g. an empty body).
    }
    if (submit) Submit(p, seq);
  }

  // Returns true iff the sink took the batch; otherwise holds it and pauses the partition.
  bool Submit(PartitionState* p, uint64_t seq) {
    size_t n = p->batch.size();
    std::shared_ptr<PartitionState> sp = Shared(p);
    absl::Status s = sink_->Submit(&p->batch, [sp, seq] { sp->Complete(seq); });
    if (s.ok()) {
      signals_.fetch_add(n, std::memory_order_relaxed);
      batches_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    refusals_.fetch_add(1, std::memory_order_relaxed);
    if (!p->held) {
      p->held = true;
      p->held_seq = seq;
      pauses_.fetch_add(1, std::memory_order_relaxed);
      if (s.code() != absl::StatusCode::kResourceExhausted) {
        spdlog::warn("kafka source: {}/{}: sink refused a batch, retrying: {}", p->topic, p->partition,
                     core::FromAbsl(s.message()));
      }
      Pause(p, true);
    }
    return false;
  }

  // Retries held batches; returns true iff some partition is still held.
  bool RetryHeld() {
    if (held_count_hint_ == 0) return false;
    bool any = false;
    for (auto& [topic, parts] : table_) {
      for (auto& sp : parts) {
        if (sp == nullptr || !sp->held) continue;
        PartitionState* p = sp.get();
        if (!Submit(p, p->held_seq)) {
          any = true;
          continue;
        }
        p->held = false;
        // Messages fetched after the held batch were dropped: read on from the next offset.
        rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, p->topic.c_str(), p->partition)->offset =
            p->position.load(std::memory_order_relaxed);
        rd_kafka_error_t* err = rd_kafka_seek_partitions(consumer_, l, 5000);
        if (err != nullptr) {
          spdlog::warn("kafka source: {}/{}: seek: {}", p->topic, p->partition, rd_kafka_error_string(err));
          rd_kafka_error_destroy(err);
        } else {
          for (int i = 0; i < l->cnt; ++i) {
            if (l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
              spdlog::warn("kafka source: {}/{}: seek: {}", p->topic, p->partition,
                           rd_kafka_err2str(l->elems[i].err));
            }
          }
        }
        rd_kafka_topic_partition_list_destroy(l);
        Pause(p, false);
      }
    }
    held_count_hint_ = any ? 1 : 0;
    return any;
  }

  void Pause(PartitionState* p, bool pause) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic.c_str(), p->partition);
    rd_kafka_resp_err_t e = pause ? rd_kafka_pause_partitions(consumer_, l)
                                  : rd_kafka_resume_partitions(consumer_, l);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka source: {}/{}: {}: {}", p->topic, p->partition, pause ? "pause" : "resume",
                   rd_kafka_err2str(e));
    }
    rd_kafka_topic_partition_list_destroy(l);
    p->paused.store(pause);
    if (pause) held_count_hint_ = 1;
  }

  std::shared_ptr<PartitionState> Shared(PartitionState* p) {
    auto it = table_.find(absl::string_view(p->topic));
    QUELL_CHECK(it != table_.end(), "partition not in table");
    return it->second[static_cast<size_t>(p->partition)];
  }

  // ---- Dead letters ---------------------------------------------------------------------------
  // Produces `m` to the dead-letter topic; returns the number of acknowledgements to wait for.
  int DeadLetter(PartitionState* p, uint64_t seq, const rd_kafka_message_t* m,
                 std::span<const core::Rejection> rej, WireFormat w) {
    const core::Format f = w.format;
    dead_letters_.fetch_add(1, std::memory_order_relaxed);
    by_reason_[static_cast<size_t>(rej[0].reason)].fetch_add(1, std::memory_order_relaxed);
    if (dlq_ == nullptr) {
      spdlog::debug("kafka source: {}/{}@{}: rejected ({}), no dead_letter_topic", p->topic,
                    p->partition, m->offset, core::RejectReasonName(rej[0].reason));
      return 0;
    }
    std::string partition = std::to_string(p->partition);
    std::string offset = std::to_string(m->offset);
    std::string byte_offset = std::to_string(rej[0].offset);
    std::string all;
    for (const core::Rejection& r : rej) {
      if (!all.empty()) all += "; ";
      all += r.ToString();
    }
    rd_kafka_headers_t* h = rd_kafka_headers_new(8);
    auto add = [h](const char* k, std::string_view v) {
      rd_kafka_header_add(h, k, -1, v.data(), static_cast<ssize_t>(v.size()));
    };
    add("quell-reason", core::RejectReasonName(rej[0].reason));
    add("quell-source-topic", p->topic);
    add("quell-source-partition", partition);
    add("quell-source-offset", offset);
    add("quell-byte-offset", byte_offset);
    add("quell-rejections", all);
    add("quell-rejected-records", std::to_string(rej.size()));
    if (f != core::Format::kUnknown) add("quell-format", core::FormatName(f));
    if (w.protobuf) add("content-type", "application/x-protobuf");  // Re-read as it was written.
    auto* token = new DeadLetterToken{Shared(p), seq};
    rd_kafka_resp_err_t e;
    for (;;) {
      e = rd_kafka_producev(dlq_, RD_KAFKA_V_TOPIC(config_.dead_letter_topic.c_str()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(token), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(dlq_, 10);
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(h);
      delete token;
      dead_letter_failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("kafka source: {}/{}@{}: dead-letter produce: {}", p->topic, p->partition,
                    m->offset, rd_kafka_err2str(e));
      return 0;
    }
    return 1;
  }

  static void DeadLetterCallback(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    auto* token = static_cast<DeadLetterToken*>(m->_private);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // librdkafka already retried; the partition must not stall forever on it.
      self->dead_letter_failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("kafka source: dead-letter delivery to {} failed: {}",
                    self->config_.dead_letter_topic, rd_kafka_err2str(m->err));
    }
    if (token != nullptr) {
      token->state->Complete(token->seq);
      delete token;
    }
  }

  // ---- Commits --------------------------------------------------------------------------------
  // Done offsets are handed to librdkafka with rd_kafka_offsets_store; its auto-committer sends
  // them every commit_interval, and only while the group is in a steady state (librdkafka skips
  // the auto-commit timer during a rebalance). Manual async commits at arbitrary times race with
  // rejoins: 2.0.2 answers the resulting ILLEGAL_GENERATION by declaring the whole assignment
  // lost (librdkafka issue #4059; every partition then re-delivers), which the mock reproduces.
  void StoreDoneOffsets() {
    store_parts_.clear();
    for (auto& [topic, ps] : table_) {
      for (auto& sp : ps) {
        if (sp != nullptr) store_parts_.push_back(sp.get());
      }
    }
    StoreOffsets(store_parts_);
  }

  // Stores the done offsets of `parts` that advanced; returns false iff before_commit deferred
  // them or librdkafka refused.
  bool StoreOffsets(const std::vector<PartitionState*>& parts) {
    commit_offsets_.clear();
    commit_parts_.clear();
    for (PartitionState* p : parts) {
      int64_t d;
      {
        std::lock_guard<std::mutex> l(p->mu);
        d = p->done;
      }
      if (d >= 0 && d > p->commit_requested) {
        commit_offsets_.push_back({p->topic, p->partition, d});
        commit_parts_.push_back(p);
      }
    }
    if (commit_offsets_.empty()) return true;
    if (options_.before_commit) {
      absl::Status s = options_.before_commit(std::span<KafkaCommitOffset>(commit_offsets_));
      if (!s.ok()) {
        spdlog::warn("kafka source: commit deferred: {}", core::FromAbsl(s.message()));
        return false;
      }
      // Offsets the hook lowered to or below what is already stored wait for a later round.
      size_t kept = 0;
      for (size_t i = 0; i < commit_offsets_.size(); ++i) {
        if (commit_offsets_[i].offset <= commit_parts_[i]->commit_requested) continue;
        commit_offsets_[kept] = commit_offsets_[i];
        commit_parts_[kept] = commit_parts_[i];
        ++kept;
      }
      commit_offsets_.resize(kept);
      commit_parts_.resize(kept);
      if (commit_offsets_.empty()) return true;
    }
    rd_kafka_topic_partition_list_t* l =
        rd_kafka_topic_partition_list_new(static_cast<int>(commit_offsets_.size()));
    for (const KafkaCommitOffset& o : commit_offsets_) {
      rd_kafka_topic_partition_list_add(l, std::string(o.topic).c_str(), o.partition)->offset = o.offset;
    }
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(consumer_, l);
    bool ok = true;
    for (int i = 0; i < l->cnt; ++i) {
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR || l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ok = false;
        continue;
      }
      commit_parts_[static_cast<size_t>(i)]->commit_requested = l->elems[i].offset;
    }
    if (!ok) {
      commit_failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("kafka source: offsets store: {}", rd_kafka_err2str(e));
    }
    commits_.fetch_add(1, std::memory_order_relaxed);
    rd_kafka_topic_partition_list_destroy(l);
    return ok;
  }

  // Revocation: store what is done, then commit those partitions synchronously.
  void CommitNow(const std::vector<PartitionState*>& parts) {
    StoreOffsets(parts);
    rd_kafka_topic_partition_list_t* l =
        rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
    for (PartitionState* p : parts) {
      if (p->commit_requested >= 0) {
        rd_kafka_topic_partition_list_add(l, p->topic.c_str(), p->partition)->offset = p->commit_requested;
      }
    }
    if (l->cnt > 0) {
      rd_kafka_resp_err_t e = rd_kafka_commit(consumer_, l, /*async=*/0);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        commit_failures_.fetch_add(1, std::memory_order_relaxed);
        revocation_commit_failures_.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("kafka source: commit on revocation: {}", rd_kafka_err2str(e));
      } else {
        for (int i = 0; i < l->cnt; ++i) {
          if (l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
          if (PartitionState* p = Lookup(l->elems[i].topic, l->elems[i].partition)) {
            std::lock_guard<std::mutex> pl(p->mu);
            p->committed = std::max(p->committed, l->elems[i].offset);
          }
        }
      }
    }
    rd_kafka_topic_partition_list_destroy(l);
  }

  static void CommitCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;  // Nothing new to commit.
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Stored offsets stay stored: the next auto-commit retries them.
      self->commit_failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("kafka source: commit failed: {}", rd_kafka_err2str(err));
      return;
    }
    if (offsets == nullptr) return;
    for (int i = 0; i < offsets->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = offsets->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR || tp.offset < 0) continue;
      if (PartitionState* p = self->Lookup(tp.topic, tp.partition)) {
        std::lock_guard<std::mutex> l(p->mu);
        p->committed = std::max(p->committed, tp.offset);
      }
    }
  }

  static void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    self->consume_errors_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("kafka source: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
  }

  // ---- Rebalances -----------------------------------------------------------------------------
  static void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* parts, void* opaque) {
    static_cast<Impl*>(opaque)->OnRebalance(rk, err, parts);
  }

  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < parts->cnt; ++i) Assign(parts->elems[i].topic, parts->elems[i].partition);
      if (options_.start_offset) ApplyStartOffsets(rk, parts);
      spdlog::info("kafka source: assigned {} partitions ({})", parts->cnt, rd_kafka_rebalance_protocol(rk));
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) {
          spdlog::error("kafka source: incremental assign: {}", rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk, parts);
      }
      first_assignment_.store(true);
      return;
    }
    const bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk);
    spdlog::info("kafka source: {} {} partitions ({})", lost ? "lost" : "revoking", parts->cnt,
                 rd_kafka_err2str(err));
    Revoke(parts, lost);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
        spdlog::error("kafka source: incremental unassign: {}", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  // Sets the start offset of each newly assigned partition whose state-store offset
  // (options_.start_offset) is past the group's committed one (KafkaSourceOptions). Only over a
  // committed offset: with none (the group never committed there, or the topic was deleted and
  // created again, which drops its commits) or no answer from the coordinator, the partition
  // starts where the group's reset policy says, as without a state: a saved offset of an older
  // topic of that name could skip the new one's messages.
  void ApplyStartOffsets(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* parts) {
    std::vector<int64_t> saved(static_cast<size_t>(parts->cnt), -1);
    bool any = false;
    for (int i = 0; i < parts->cnt; ++i) {
      saved[static_cast<size_t>(i)] = options_.start_offset(parts->elems[i].topic, parts->elems[i].partition);
      any = any || saved[static_cast<size_t>(i)] >= 0;
    }
    if (!any) return;
    rd_kafka_topic_partition_list_t* committed = rd_kafka_topic_partition_list_copy(parts);
    const rd_kafka_resp_err_t err = rd_kafka_committed(rk, committed, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka source: committed offsets unknown ({}): the group's offsets decide", rd_kafka_err2str(err));
    }
    for (int i = 0; i < parts->cnt; ++i) {
      const int64_t want = saved[static_cast<size_t>(i)];
      if (want < 0) continue;
      const rd_kafka_topic_partition_t& c = committed->elems[i];
      const int64_t group = err == RD_KAFKA_RESP_ERR_NO_ERROR && c.err == RD_KAFKA_RESP_ERR_NO_ERROR ? c.offset : -1;
      if (group < 0 || group >= want) continue;
      parts->elems[i].offset = want;
      spdlog::info("kafka source: {}[{}] starts at offset {}, which the restored state holds up to (group committed {})",
                   parts->elems[i].topic, parts->elems[i].partition, want, group);
    }
    rd_kafka_topic_partition_list_destroy(committed);
  }

  void Assign(const char* topic, int32_t partition) {
    assigned_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> l(table_mu_);
    auto& parts = table_[std::string(topic)];
    if (static_cast<size_t>(partition) >= parts.size()) parts.resize(static_cast<size_t>(partition) + 1);
    auto& slot = parts[static_cast<size_t>(partition)];
    if (slot != nullptr) DropPending(slot.get());  // Assigned again without a revocation.
    slot = std::make_shared<PartitionState>(topic, partition);
    if (!topic_formats_.contains(absl::string_view(topic))) {
      topic_formats_[std::string(topic)] = FormatForTopic(topic);
    }
  }

  // The format of the first config entry naming or matching `topic` (kUnknown: from headers).
  WireFormat FormatForTopic(const char* topic) const {
    for (const KafkaTopicConfig& t : config_.topics) {
      if (!t.is_regex && t.pattern == topic) return WireFormat{t.format, t.protobuf};
    }
    for (size_t i = 0; i < config_.topics.size(); ++i) {
      const re2::RE2* re = topic_regexes_[i].get();
      if (re != nullptr && re2::RE2::PartialMatch(topic, *re)) {
        return WireFormat{config_.topics[i].format, config_.topics[i].protobuf};
      }
    }
    return WireFormat{};
  }

  void Revoke(rd_kafka_topic_partition_list_t* parts, bool lost) {
    std::vector<PartitionState*> states;
    for (int i = 0; i < parts->cnt; ++i) {
      PartitionState* p = Lookup(parts->elems[i].topic, parts->elems[i].partition);
      if (p == nullptr) continue;
      states.push_back(p);
      DropPending(p);  // Collected this round, never parsed: not done, the next owner reads them.
      if (p->held) {  // Never accepted: the next owner reads it again.
        std::lock_guard<std::mutex> l(p->mu);
        if (!p->inflight.empty() && p->inflight.back().seq == p->held_seq) p->inflight.pop_back();
        p->held = false;
        p->batch.Clear();
      }
      if (p->paused.load()) Pause(p, false);  // App pauses outlive assignments in librdkafka.
    }
    if (!lost) {
      auto deadline = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(config_.revoke_timeout));
      for (PartitionState* p : states) {
        for (;;) {
          if (dlq_ != nullptr) rd_kafka_poll(dlq_, 0);
          std::unique_lock<std::mutex> l(p->mu);
          if (p->inflight.empty()) break;
          if (std::chrono::steady_clock::now() >= deadline) {
            spdlog::warn("kafka source: {}/{}: revoked with {} batches in flight (re-read by the next "
                         "owner)",
                         p->topic, p->partition, p->inflight.size());
            break;
          }
          p->cv.wait_for(l, std::chrono::milliseconds(dlq_ != nullptr ? 5 : 50));
        }
      }
      CommitNow(states);
    }
    revoked_.fetch_add(states.size(), std::memory_order_relaxed);
    std::lock_guard<std::mutex> l(table_mu_);
    for (PartitionState* p : states) {
      table_[p->topic][static_cast<size_t>(p->partition)].reset();
    }
  }

  const KafkaSourceConfig config_;
  core::BatchSink* const sink_;
  KafkaSourceOptions options_;

  rd_kafka_t* consumer_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  rd_kafka_t* dlq_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> first_assignment_{false};  // A rebalance has assigned (possibly nothing).
  bool mid_first_join_ = false;                // Stop gave up inside the first join (see above).

  // Poll thread only (mutations also under table_mu_ so Stats() can read).
  mutable std::mutex table_mu_;
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<PartitionState>>> table_;
  absl::flat_hash_map<std::string, WireFormat> topic_formats_;
  std::vector<std::unique_ptr<re2::RE2>> topic_regexes_;  // Per config_.topics entry.
  std::vector<std::unique_ptr<Parser>> parsers_;
  std::vector<bool> tried_parser_;
  std::vector<PartitionState*> touched_;
  std::vector<KafkaCommitOffset> commit_offsets_;
  std::vector<PartitionState*> commit_parts_;
  std::vector<PartitionState*> store_parts_;
  int held_count_hint_ = 0;

  std::atomic<uint64_t> messages_{0}, bytes_{0}, signals_{0}, batches_{0}, refusals_{0}, pauses_{0},
      commits_{0}, commit_failures_{0}, dead_letters_{0}, dead_letter_failures_{0}, consume_errors_{0},
      assigned_{0}, revoked_{0}, offset_gaps_{0}, revocation_commit_failures_{0};
  std::array<std::atomic<uint64_t>, core::kRejectReasonCount> by_reason_{};
};

absl::StatusOr<std::unique_ptr<KafkaSource>> KafkaSource::Create(const KafkaSourceConfig& config,
                                                                 core::BatchSink* sink,
                                                                 KafkaSourceOptions options) {
  if (config.consumers < 1 || config.consumers > 64) {
    return absl::InvalidArgumentError(
        fmt::format("{}: ingest.kafka: consumers: must be in 1..64", config.where.ToString()));
  }
  std::vector<std::unique_ptr<Impl>> impls;
  for (int64_t i = 0; i < config.consumers; ++i) {
    auto impl = std::make_unique<Impl>(config, sink, options);  // Each its own parsers.
    QUELL_RETURN_IF_ERROR(impl->Init());
    impls.push_back(std::move(impl));
  }
  return std::unique_ptr<KafkaSource>(new KafkaSource(std::move(impls)));
}

KafkaSource::KafkaSource(std::vector<std::unique_ptr<Impl>> impls) : impls_(std::move(impls)) {}
KafkaSource::~KafkaSource() { Stop(); }

absl::Status KafkaSource::Start() {
  for (size_t i = 0; i < impls_.size(); ++i) {
    absl::Status s = impls_[i]->Start();
    if (!s.ok()) {
      Stop();
      return s;
    }
  }
  return absl::OkStatus();
}

void KafkaSource::Stop() {
  if (impls_.size() == 1) {
    impls_[0]->Stop();
    return;
  }
  // All at once: stopped one by one, each leaving consumer would hand its partitions to the others
  // (a rebalance per consumer, and revocation waits) just before they leave too.
  std::vector<std::thread> stoppers;
  stoppers.reserve(impls_.size());
  for (auto& impl : impls_) stoppers.emplace_back([&impl] { impl->Stop(); });
  for (std::thread& t : stoppers) t.join();
}

KafkaSourceStats KafkaSource::Stats() const {
  KafkaSourceStats total = impls_[0]->Stats();
  for (size_t i = 1; i < impls_.size(); ++i) {
    KafkaSourceStats s = impls_[i]->Stats();
    total.messages += s.messages;
    total.bytes += s.bytes;
    total.signals += s.signals;
    total.batches += s.batches;
    total.submit_refusals += s.submit_refusals;
    total.pauses += s.pauses;
    total.commits += s.commits;
    total.commit_failures += s.commit_failures;
    total.revocation_commit_failures += s.revocation_commit_failures;
    total.dead_letters += s.dead_letters;
    total.dead_letter_failures += s.dead_letter_failures;
    total.consume_errors += s.consume_errors;
    total.assigned += s.assigned;
    total.revoked += s.revoked;
    total.offset_gaps += s.offset_gaps;
    for (int r = 0; r < core::kRejectReasonCount; ++r) total.dead_letters_by_reason[r] += s.dead_letters_by_reason[r];
    for (KafkaPartitionStats& p : s.partitions) {
      p.consumer = static_cast<int32_t>(i);
      total.partitions.push_back(std::move(p));
    }
  }
  return total;
}

}  // namespace quell::ingest
