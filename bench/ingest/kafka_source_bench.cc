// bench/ingest/kafka_source_bench.cc
//
// End-to-end Kafka ingest rate: KafkaSource (consumer group, one message per consume call,
// Alertmanager parse into SignalBatch, Submit to a counting sink that calls `done` at once,
// offsets stored and auto-committed) against baselines reading the same topic in the same run:
//   BM_BareConsumer        rd_kafka_consume_batch_queue on an assign()ed consumer, no parse
//   BM_BareConsumerParse   the same plus ingest::MakeParser(kAlertmanager) on every message
//   BM_BareConsumerSingle  rd_kafka_consume_queue, one message per call (the source's API)
//   BM_ParseOnly           the parse alone: the topic's bodies from memory (the parse's own cost)
//   BM_BareConsumerParsePrefetchAB  BareConsumerParse alternating without and with KafkaSource's
//                          payload prefetch: the poll thread's CPU per message, both ways, one run
//   BM_KafkaSource         the full source
//   BM_KafkaSourceNoParse  the source with a parser that emits one empty signal per message (the
//                          source's own overhead against BM_BareConsumer)
//   BM_BareConsumers/N     N bare batch consumers on N threads, the partitions split round-robin
//   BM_KafkaSourceConsumers/N  the full source with `consumers: N`
// (N = 2 on the 2-vCPU machines; 4 and 8 for the multi-core scaling runs of bench/results/kafka.md)
// cores_busy = process CPU seconds / wall seconds over the timed window (every thread: the mock
// brokers, librdkafka's and ours), i.e. how much of the machine each case used.
// The topic lives in an in-process librdkafka mock cluster (48 partitions of 5000 messages, sized under the mock's
// ~5 MiB per-partition retention). Times run from the first message seen to the last (manual
// time), so the ~3 s group join of a fresh consumer group is excluded. Rates are noisy on a
// shared 2-core machine: compare ratios within one run (bench/results/kafka.md).
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <time.h>
#include <unistd.h>

#include "benchmark/benchmark.h"
#include "core/batch_sink.h"
#include "fmt/format.h"
#include "ingest/kafka/kafka_source.h"
#include "ingest/kafka/mock_cluster.h"
#include "ingest/parser.h"

namespace quell::ingest {
namespace {

constexpr int kPartitions = 48;
constexpr int kPerPartition = 5000;
constexpr int64_t kMessages = int64_t{kPartitions} * kPerPartition;
constexpr const char* kTopic = "bench-alerts";

using Clock = std::chrono::steady_clock;

// CPU seconds used by the whole process (every thread: the mock brokers, librdkafka's threads and
// ours). Over a timed window, cpu / wall = the cores kept busy.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One Alertmanager postable alert per message, ~600 bytes, varied labels.
std::string AlertBody(int p, int i) {
  return fmt::format(
      R"([{{"labels":{{"alertname":"HighErrorRate","service":"checkout-{}","env":"prod","severity":"critical","instance":"10.0.{}.{}:9090","job":"api","team":"payments"}},)"
      R"("annotations":{{"summary":"Error rate above 5% on checkout-{} for 5 minutes","description":"The 5xx ratio of checkout-{} crossed the threshold; see the runbook before paging the owner.","runbook_url":"https://runbooks.example.com/checkout-errors"}},)"
      R"("startsAt":"2026-01-01T00:{:02}:{:02}Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29&seq={}"}}])",
      p % 16, p, i % 250, p % 16, p % 16, (i / 60) % 60, i % 60, i);
}

struct Fixture {
  std::unique_ptr<MockCluster> cluster;
  int64_t bytes = 0;
};

Fixture* GetFixture() {
  static Fixture* f = [] {
    auto* fx = new Fixture();
    auto c = MockCluster::Create(3);
    if (!c.ok()) {
      std::fprintf(stderr, "mock cluster: %s\n", std::string(c.status().message()).c_str());
      std::abort();
    }
    fx->cluster = std::move(c).value();
    if (!fx->cluster->CreateTopic(kTopic, kPartitions).ok()) std::abort();
    for (int i = 0; i < kPerPartition; ++i) {
      for (int p = 0; p < kPartitions; ++p) {
        std::string body = AlertBody(p, i);
        fx->bytes += static_cast<int64_t>(body.size());
        if (!fx->cluster->Produce(kTopic, p, "", body).ok()) std::abort();
      }
    }
    if (!fx->cluster->Flush(absl::Seconds(120)).ok()) std::abort();
    return fx;
  }();
  return f;
}

// `of` consumers split the partitions round-robin; this one (`index`) takes its share.
rd_kafka_t* NewAssignedConsumer(const std::string& brokers, int index = 0, int of = 1) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  auto set = [&](const char* k, const char* v) { rd_kafka_conf_set(conf, k, v, err, sizeof(err)); };
  set("bootstrap.servers", brokers.c_str());
  set("group.id", "bench-bare");
  set("enable.auto.commit", "false");
  set("enable.partition.eof", "false");
  set("queued.min.messages", "1000000");
  set("queued.max.messages.kbytes", "262144");
  set("log_level", "3");
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(kPartitions);
  for (int p = index; p < kPartitions; p += of) {
    rd_kafka_topic_partition_list_add(l, kTopic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  return rk;
}

// Thread CPU seconds of the calling thread.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// `single`: rd_kafka_consume_queue, one message per call, as KafkaSource consumes (issue #4: the
// 2.0.2 batch call skips messages around rebalances); otherwise the batch call.
// `prefetch`: 0 = no prefetch; 1 = prefetch the payload two messages ahead of the one parsed, as
// KafkaSource does; 2 = alternate, iteration by iteration (even: off, odd: on), for an A/B in one
// run. Counters loop_cpu_ns(_prefetch): the poll thread's CPU time per message spent on the
// messages once consumed (parse + destroy), without and with the prefetch.
void RunBare(benchmark::State& state, bool parse, bool single = false, int prefetch = 0) {
  Fixture* fx = GetFixture();
  std::unique_ptr<Parser> parser = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch batch;
  std::vector<rd_kafka_message_t*> msgs(1000);
  int64_t signals = 0;
  double cpu = 0, wall = 0;
  double loop_cpu[2] = {0, 0};
  int64_t loop_messages[2] = {0, 0};
  int64_t iteration = 0;
  for (auto _ : state) {
    const int ahead = prefetch == 1 || (prefetch == 2 && iteration++ % 2 == 1) ? 2 : 0;
    rd_kafka_t* rk = NewAssignedConsumer(fx->cluster->bootstrap_servers());
    rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
    int64_t seen = 0;
    Clock::time_point first{};
    double cpu0 = 0;
    while (seen < kMessages) {
      ssize_t n = 0;
      if (single) {
        for (int timeout = 100; n < static_cast<ssize_t>(msgs.size()); timeout = 0) {
          rd_kafka_message_t* m = rd_kafka_consume_queue(q, timeout);
          if (m == nullptr) break;
          msgs[static_cast<size_t>(n++)] = m;
        }
      } else {
        n = rd_kafka_consume_batch_queue(q, 100, msgs.data(), msgs.size());
      }
      if (n <= 0) continue;
      if (seen == 0) {
        first = Clock::now();
        cpu0 = ProcessCpuSeconds();
      }
      if (parse) batch.Clear();
      const double loop0 = ThreadCpuSeconds();
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = msgs[static_cast<size_t>(i)];
        if (ahead != 0 && i + ahead < n) {
          const rd_kafka_message_t* next = msgs[static_cast<size_t>(i + ahead)];
          const char* pp = static_cast<const char*>(next->payload);
          for (size_t off = 0; pp != nullptr && off < next->len; off += 64) __builtin_prefetch(pp + off);
        }
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++seen;
          if (parse) {
            std::string_view body(static_cast<const char*>(m->payload), m->len);
            signals += parser->Parse(body, body.size(), core::SourceKind::kKafka, core::EventTime(), &batch)
                           .accepted;
          }
        }
        rd_kafka_message_destroy(m);
      }
      loop_cpu[ahead != 0] += ThreadCpuSeconds() - loop0;
      loop_messages[ahead != 0] += n;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - first).count();
    cpu += ProcessCpuSeconds() - cpu0;
    wall += secs;
    state.SetIterationTime(secs);
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
  if (parse && signals != kMessages * state.iterations()) state.SkipWithError("parse lost signals");
  if (loop_messages[0] > 0) state.counters["loop_cpu_ns"] = loop_cpu[0] * 1e9 / static_cast<double>(loop_messages[0]);
  if (loop_messages[1] > 0) {
    state.counters["loop_cpu_ns_prefetch"] = loop_cpu[1] * 1e9 / static_cast<double>(loop_messages[1]);
  }
  state.counters["cores_busy"] = cpu / wall;
  state.SetItemsProcessed(kMessages * state.iterations());
  state.SetBytesProcessed(fx->bytes * state.iterations());
}

// N bare batch consumers on N threads, each assigned every N-th partition: the baseline for a
// source running `consumers: N`.
void BM_BareConsumers(benchmark::State& state) {
  Fixture* fx = GetFixture();
  const int consumers = static_cast<int>(state.range(0));
  double cpu = 0, wall = 0;
  for (auto _ : state) {
    std::atomic<int64_t> seen{0};
    std::atomic<int> started{0};
    Clock::time_point first{};
    double cpu0 = 0;
    std::mutex first_mu;
    std::vector<rd_kafka_t*> handles(static_cast<size_t>(consumers), nullptr);
    auto run = [&](int index) {
      rd_kafka_t* rk = NewAssignedConsumer(fx->cluster->bootstrap_servers(), index, consumers);
      rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
      std::vector<rd_kafka_message_t*> msgs(1000);
      int64_t mine = 0;  // Messages of this consumer's partitions.
      for (int p = index; p < kPartitions; p += consumers) mine += kPerPartition;
      int64_t n_mine = 0;
      while (n_mine < mine) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs.data(), msgs.size());
        if (n <= 0) continue;
        if (started.fetch_add(1) == 0) {
          std::lock_guard<std::mutex> l(first_mu);
          first = Clock::now();
          cpu0 = ProcessCpuSeconds();
        }
        for (ssize_t i = 0; i < n; ++i) {
          if (msgs[static_cast<size_t>(i)]->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++n_mine;
          rd_kafka_message_destroy(msgs[static_cast<size_t>(i)]);
        }
      }
      seen.fetch_add(n_mine);
      rd_kafka_queue_destroy(q);
      handles[static_cast<size_t>(index)] = rk;
    };
    std::vector<std::thread> threads;
    for (int i = 1; i < consumers; ++i) threads.emplace_back(run, i);
    run(0);
    for (std::thread& t : threads) t.join();
    Clock::time_point last = Clock::now();
    double secs;
    {
      std::lock_guard<std::mutex> l(first_mu);
      secs = std::chrono::duration<double>(last - first).count();
      cpu += ProcessCpuSeconds() - cpu0;
    }
    wall += secs;
    state.SetIterationTime(secs);
    for (rd_kafka_t* rk : handles) {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
    if (seen.load() != kMessages) state.SkipWithError("lost messages");
  }
  state.counters["cores_busy"] = cpu / wall;
  state.SetItemsProcessed(kMessages * state.iterations());
  state.SetBytesProcessed(fx->bytes * state.iterations());
}

// The same parse without Kafka: the topic's bodies (4096 of them, ~2.5 MB, cycled) parsed from
// memory, unpadded as librdkafka hands them over (so the parser copies each for its padding, as
// in the consume loop), one batch of 1000 at a time. Against loop_cpu_ns of BM_BareConsumerParse:
// what the consume loop adds to the parse (payloads written by other threads, a shared core).
void BM_ParseOnly(benchmark::State& state) {
  std::vector<std::string> bodies;
  for (int i = 0; i < 4096; ++i) bodies.push_back(AlertBody(i % kPartitions, i / kPartitions));
  std::unique_ptr<Parser> parser = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch batch;
  size_t next = 0;
  int64_t signals = 0;
  for (auto _ : state) {
    batch.Clear();
    for (int i = 0; i < 1000; ++i) {
      const std::string& b = bodies[next++ & 4095];
      signals += parser->Parse(b, b.size(), core::SourceKind::kKafka, core::EventTime(), &batch).accepted;
    }
  }
  if (signals != 1000 * state.iterations()) state.SkipWithError("parse rejected bodies");
  state.SetItemsProcessed(1000 * state.iterations());
  state.counters["ns_per_msg"] = benchmark::Counter(static_cast<double>(1000 * state.iterations()),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_BareConsumer(benchmark::State& state) { RunBare(state, false); }
void BM_BareConsumerParse(benchmark::State& state) { RunBare(state, true); }
void BM_BareConsumerSingle(benchmark::State& state) { RunBare(state, false, /*single=*/true); }
void BM_BareConsumerParsePrefetchAB(benchmark::State& state) { RunBare(state, true, false, /*prefetch=*/2); }

// Counts signals; `done` at once. Records when the first and the last expected signal arrive.
class CountingSink : public core::BatchSink {
 public:
  explicit CountingSink(int64_t expected) : expected_(expected) {}
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    // Several consumers may submit at once (`consumers: 2`): the clock marks under a lock.
    const int64_t n = static_cast<int64_t>(batch->size());
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!started_) {
        started_ = true;
        first_ = Clock::now();
        first_cpu_ = ProcessCpuSeconds();
      }
    }
    int64_t c = count_.fetch_add(n, std::memory_order_relaxed) + n;
    batch->Clear();
    done();
    if (c >= expected_ && c - n < expected_) {  // The batch that crossed the expected count.
      std::lock_guard<std::mutex> l(mu_);
      last_ = Clock::now();
      last_cpu_ = ProcessCpuSeconds();
      finished_.store(true, std::memory_order_release);
    }
    return absl::OkStatus();
  }
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  double seconds() const { return std::chrono::duration<double>(last_ - first_).count(); }
  double cpu_seconds() const { return last_cpu_ - first_cpu_; }
  int64_t count() const { return count_.load(); }

 private:
  const int64_t expected_;
  std::atomic<int64_t> count_{0};
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  bool started_ = false;
  Clock::time_point first_{}, last_{};
  double first_cpu_ = 0, last_cpu_ = 0;
};

// A parser that only emits one empty signal per message: measures the source's own overhead
// (grouping, SignalBatch, Submit, done tracking, offset stores) against the bare consumer.
class OneSignalParser : public Parser {
 public:
  core::Format format() const override { return core::Format::kAlertmanager; }
  ParseResult Parse(std::string_view body, size_t, core::SourceKind source, core::EventTime observed,
                    core::SignalBatch* out) override {
    core::Signal& s = out->Add();
    s.source = source;
    s.observed_time = observed;
    s.record_offset = static_cast<uint32_t>(body.size());
    ParseResult r;
    r.accepted = 1;
    return r;
  }
};

void RunSource(benchmark::State& state, bool real_parser, int consumers = 1) {
  Fixture* fx = GetFixture();
  static int round = 0;  // Fresh group per run: reads from offset 0.
  double cpu = 0, wall = 0;
  for (auto _ : state) {
    CountingSink sink(kMessages);
    KafkaSourceConfig cfg;
    cfg.brokers = fx->cluster->bootstrap_servers();
    cfg.group_id = fmt::format("bench-source-{}-{}", getpid(), round++);  // Fresh: reads from 0.
    KafkaTopicConfig t;
    t.pattern = kTopic;
    t.format = core::Format::kAlertmanager;
    cfg.topics.push_back(t);
    cfg.batch_size = 1000;
    cfg.consumers = consumers;
    core::KafkaProperty log;
    log.name = "log_level";
    log.literal = "3";
    cfg.properties.push_back(log);
    KafkaSourceOptions options;
    if (!real_parser) {
      options.parser_factory = [](core::Format) -> std::unique_ptr<Parser> {
        return std::make_unique<OneSignalParser>();
      };
    }
    auto source = KafkaSource::Create(cfg, &sink, std::move(options));
    if (!source.ok()) {
      state.SkipWithError(std::string(source.status().message()).c_str());
      return;
    }
    if (!(*source)->Start().ok()) std::abort();
    auto deadline = Clock::now() + std::chrono::seconds(120);
    while (!sink.finished() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // Timing is taken by the sink.
    }
    if (!sink.finished()) {
      state.SkipWithError("timed out");
      return;
    }
    state.SetIterationTime(sink.seconds());
    cpu += sink.cpu_seconds();
    wall += sink.seconds();
    state.PauseTiming();
    (*source)->Stop();
    state.ResumeTiming();
  }
  state.counters["cores_busy"] = cpu / wall;
  state.SetItemsProcessed(kMessages * state.iterations());
  state.SetBytesProcessed(fx->bytes * state.iterations());
}

void BM_KafkaSource(benchmark::State& state) { RunSource(state, true); }
void BM_KafkaSourceNoParse(benchmark::State& state) { RunSource(state, false); }
void BM_KafkaSourceConsumers(benchmark::State& state) {
  RunSource(state, true, static_cast<int>(state.range(0)));
}

BENCHMARK(BM_ParseOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BareConsumer)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareConsumers)->Arg(2)->Arg(4)->Arg(8)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareConsumerParse)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareConsumerSingle)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareConsumerParsePrefetchAB)->UseManualTime()->Iterations(6)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KafkaSource)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KafkaSourceNoParse)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KafkaSourceConsumers)->Arg(2)->Arg(4)->Arg(8)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quell::ingest

BENCHMARK_MAIN();
