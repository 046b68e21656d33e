// bench/correlate/engine_submit_bench.cc
//
// The cost of ShardedEngine::Submit splitting a batch across shards (issue #5, hot path):
//   BM_SplitByCopy/N    the split Submit did before: one new SignalBatch per target shard per batch,
//                       every signal and its strings copied into it (CopySignal, replicated here
//                       as the baseline)
//   BM_SplitByIndex/N   the split Submit does now: the batch is shared, each shard gets the indices
//                       of its signals in a recycled list (replica of the loop in Submit)
//   BM_EngineSubmit/N   the real ShardedEngine with N shards, end to end (Submit, queues, shard
//                       threads processing duplicates), waiting for every batch
//   BM_EngineProducers/P/S  P producer threads (intakes) submitting to S shards, every signal a
//                       state change (each producer's own alerts, firing then resolved): the
//                       engine's multi-core scaling (run on a many-core machine: bench/multicore.sh)
// Allocations are counted by a replaced global operator new (all threads) and reported per batch.
// Run: build-NAME-rel/bin/engine_submit_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "bench/support/allocation_counter.h"
#include "benchmark/benchmark.h"
#include "core/clock.h"
#include "core/signal_batch.h"
#include "correlate/compiled_rules.h"
#include "correlate/rules_config.h"
#include "correlate/sharded_engine.h"
#include "fmt/format.h"

namespace quell {
namespace {

constexpr int64_t kBase = int64_t{1767607200} * 1000000000;

// One batch of 1024 distinct alerts (3 labels, an annotation, a link), as an intake would build.
core::SignalBatch MakeBatch(int offset) {
  core::SignalBatch b;
  for (int j = offset; j < offset + 1024; ++j) {
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.state = core::SignalState::kFiring;
    s.event_time = core::EventTime::FromUnixNanos(kBase);
    b.AddLabelCopy("alertname", "HighLatency");
    b.AddLabelCopy("service", fmt::format("svc-{}", j % 1000));
    b.AddLabelCopy("instance", fmt::format("i-{}", j));
    b.FinishLabels();
    core::Signal& last = b.last();
    last.link = b.Copy(fmt::format("http://prometheus/graph?g0.expr=latency&i={}", j));
    b.AddAnnotation(b.Copy("summary"), b.Copy("p99 latency above 500ms"));
  }
  return b;
}

// The pre-change copy (sharded_engine.cc CopySignal, verbatim).
void CopySignal(const core::SignalBatch& from, const core::Signal& s, core::SignalBatch* to) {
  core::Signal& d = to->Add();
  uint32_t begin = d.labels_begin;
  d = s;
  d.labels_begin = begin;
  d.annotations_begin = begin;
  d.service = to->Copy(s.service);
  d.env = to->Copy(s.env);
  d.host = to->Copy(s.host);
  d.version = to->Copy(s.version);
  d.title = to->Copy(s.title);
  d.message = to->Copy(s.message);
  d.source_id = to->Copy(s.source_id);
  d.link = to->Copy(s.link);
  d.labels_count = 0;
  d.annotations_count = 0;
  for (const core::Label& l : from.labels(s)) to->AddLabelCopy(l.name, l.value);
  to->FinishLabels();
  for (const core::Label& l : from.annotations(s)) to->AddAnnotation(to->Copy(l.name), to->Copy(l.value));
}

void BM_SplitByCopy(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  core::SignalBatch batch = MakeBatch(0);
  uint64_t allocs = 0, batches = 0;
  for (auto _ : state) {
    uint64_t before = bench::AllocationCount();
    std::vector<std::unique_ptr<core::SignalBatch>> parts(n);
    for (const core::Signal& s : batch.signals()) {
      size_t i = s.fingerprint.value() % n;
      if (!parts[i]) parts[i] = std::make_unique<core::SignalBatch>();
      CopySignal(batch, s, parts[i].get());
    }
    benchmark::DoNotOptimize(parts.data());
    allocs += bench::AllocationCount() - before;
    ++batches;
  }
  state.SetItemsProcessed(static_cast<int64_t>(batches * batch.size()));
  state.counters["allocs_per_batch"] = static_cast<double>(allocs) / static_cast<double>(batches);
}
BENCHMARK(BM_SplitByCopy)->Arg(2)->Arg(4);

void BM_SplitByIndex(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  core::SignalBatch batch = MakeBatch(0);
  std::vector<uint32_t> target;
  std::vector<uint32_t> count;
  std::vector<std::vector<uint32_t>> pool;  // Stands in for the workers' recycled lists.
  uint64_t allocs = 0, batches = 0;
  for (auto _ : state) {
    uint64_t before = bench::AllocationCount();
    target.clear();
    count.assign(n, 0);
    for (const core::Signal& s : batch.signals()) {
      uint32_t t = static_cast<uint32_t>(s.fingerprint.value() % n);
      ++count[t];
      target.push_back(t);
    }
    auto shared = std::make_shared<const core::SignalBatch*>(&batch);  // Submit's one shared_ptr.
    std::vector<std::vector<uint32_t>> lists;
    lists.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      std::vector<uint32_t> idx;
      if (!pool.empty()) {
        idx = std::move(pool.back());
        pool.pop_back();
      }
      idx.clear();
      idx.reserve(count[i]);
      for (uint32_t k = 0; k < target.size(); ++k) {
        if (target[k] == i) idx.push_back(k);
      }
      lists.push_back(std::move(idx));
    }
    benchmark::DoNotOptimize(shared.get());
    for (auto& l : lists) pool.push_back(std::move(l));  // The workers give them back.
    allocs += bench::AllocationCount() - before;
    ++batches;
  }
  state.SetItemsProcessed(static_cast<int64_t>(batches * batch.size()));
  state.counters["allocs_per_batch"] = static_cast<double>(allocs) / static_cast<double>(batches);
}
BENCHMARK(BM_SplitByIndex)->Arg(2)->Arg(4);

class NullSink : public core::NotificationSink {
 public:
  void Send(core::Notification) override {}
};

void BM_EngineSubmit(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto cfg = correlate::LoadRulesString(
      "route: {receiver: pager, group_by: [alertname, service], group_wait: 30s, runbook: x.md}\n"
      "correlate: {allowed_lateness: 0s, queue_capacity: 4096}\n",
      "bench.yaml");
  if (!cfg.ok()) std::abort();
  NullSink sink;
  correlate::Silencer silencer;
  core::ManualClock clock(core::WallTime::FromUnixNanos(kBase));
  correlate::ShardedEngine engine(correlate::CompiledRules::Build(std::move(*cfg)), &sink, &silencer, &clock, n);
  auto make_round = [] {
    std::vector<core::SignalBatch> round;
    for (int k = 0; k < 8; ++k) round.push_back(MakeBatch(k * 1024));
    return round;
  };
  std::atomic<uint64_t> done{0};
  uint64_t submitted = 0;
  for (core::SignalBatch& b : make_round()) {  // Create the fingerprints; later rounds are duplicates.
    while (!engine.Submit(&b, [&done] { done.fetch_add(1, std::memory_order_relaxed); }).ok()) {
    }
    ++submitted;
  }
  engine.Drain();
  uint64_t allocs = 0, batches = 0, signals = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<core::SignalBatch> round = make_round();  // The intakes' batches.
    state.ResumeTiming();
    uint64_t before = bench::AllocationCount();
    for (core::SignalBatch& b : round) {
      while (!engine.Submit(&b, [&done] { done.fetch_add(1, std::memory_order_relaxed); }).ok()) {
      }
      ++submitted;
      signals += 1024;
    }
    while (done.load(std::memory_order_acquire) < submitted) {
    }
    allocs += bench::AllocationCount() - before;
    batches += round.size();
    state.PauseTiming();
    round.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(signals));
  state.counters["allocs_per_batch"] = static_cast<double>(allocs) / static_cast<double>(batches);
}
BENCHMARK(BM_EngineSubmit)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->UseRealTime();

// Producer `p`'s batch `k` of 1024 alerts (its own instances), all firing or all resolved.
core::SignalBatch MakeProducerBatch(int p, int k, bool firing) {
  core::SignalBatch b;
  for (int j = k * 1024; j < (k + 1) * 1024; ++j) {
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.state = firing ? core::SignalState::kFiring : core::SignalState::kResolved;
    s.event_time = core::EventTime::FromUnixNanos(kBase);
    b.AddLabelCopy("alertname", "HighLatency");
    b.AddLabelCopy("service", fmt::format("svc-{}", j % 1000));
    b.AddLabelCopy("instance", fmt::format("p{}-i{}", p, j));
    b.FinishLabels();
  }
  return b;
}

void BM_EngineProducers(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const int shards = static_cast<int>(state.range(1));
  constexpr int kBatches = 8;  // Per producer and state: 8192 alerts each.
  auto cfg = correlate::LoadRulesString(
      "route: {receiver: pager, group_by: [alertname, service], group_wait: 30s, runbook: x.md}\n"
      "correlate: {allowed_lateness: 0s, queue_capacity: 256}\n",
      "bench.yaml");
  if (!cfg.ok()) std::abort();
  NullSink sink;
  correlate::Silencer silencer;
  core::ManualClock clock(core::WallTime::FromUnixNanos(kBase));
  correlate::ShardedEngine engine(correlate::CompiledRules::Build(std::move(*cfg)), &sink, &silencer, &clock, shards);
  std::atomic<uint64_t> done{0};
  uint64_t submitted = 0, signals = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::vector<core::SignalBatch>> work(static_cast<size_t>(producers));
    for (int p = 0; p < producers; ++p) {
      for (bool firing : {true, false}) {  // Every alert fires, then resolves: two state changes.
        for (int k = 0; k < kBatches; ++k) work[static_cast<size_t>(p)].push_back(MakeProducerBatch(p, k, firing));
      }
    }
    state.ResumeTiming();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&engine, &done, &batches = work[static_cast<size_t>(p)]] {
        for (core::SignalBatch& b : batches) {
          while (!engine.Submit(&b, [&done] { done.fetch_add(1, std::memory_order_relaxed); }).ok()) {
            std::this_thread::yield();  // Queues full: backpressure, as an intake would see it.
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    submitted += static_cast<uint64_t>(producers) * 2 * kBatches;
    signals += static_cast<uint64_t>(producers) * 2 * kBatches * 1024;
    while (done.load(std::memory_order_acquire) < submitted) {
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(signals));
}
BENCHMARK(BM_EngineProducers)
    ->Args({1, 1})
    ->Args({2, 2})
    ->Args({4, 4})
    ->Args({8, 8})
    ->Args({4, 8})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quell

BENCHMARK_MAIN();
