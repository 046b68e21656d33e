// bench/core/signal_batch_bench.cc: heap allocations per 1M signals in steady state, counted by a
// replaced global operator new, for a parser refilling one reused SignalBatch (the hot path:
// parse -> batch -> Clear). Target: 0. A warm-up pass over the corpus first lets every buffer
// (batch vectors, arena chunks, simdjson buffers, parser scratch) reach its size.
//
//   build-parsers-rel/bin/signal_batch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Also the cost of emitting one drafted signal (BM_DraftEmit: SignalDraft -> SignalBatch::Append
// with 7 labels as a rich Datadog webhook has, out of order or in name order, and 0-12 annotations) and of fingerprinting its
// 7 labels (BM_FingerprintOf), over 1024 different records so branches see varied lengths; and
// allocations for signals of 100 and 200 labels (BM_ManyLabelsAllocations: the sort's large path).
#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/support/allocation_counter.h"
#include "bench/support/corpus_generator.h"
#include "benchmark/benchmark.h"
#include "core/fingerprint.h"
#include "core/signal_batch.h"
#include "fmt/format.h"
#include "ingest/parser.h"
#include "ingest/signal_draft.h"
#include "simdjson.h"

namespace quell {
namespace {

// Runs `pass(&signals)` twice to warm every buffer up, then once per iteration, and reports the
// heap allocations of the timed passes per 1M signals.
template <typename Pass>
void CountAllocations(benchmark::State& state, Pass& pass) {
  uint64_t warm = 0;
  pass(&warm);
  pass(&warm);
  uint64_t signals = 0;
  const uint64_t before = bench::AllocationCount();
  for (auto _ : state) pass(&signals);
  const uint64_t allocs = bench::AllocationCount() - before;
  state.SetItemsProcessed(static_cast<int64_t>(signals));
  state.counters["allocs_per_1M_signals"] =
      benchmark::Counter(signals == 0 ? 0.0 : static_cast<double>(allocs) * 1e6 / static_cast<double>(signals));
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocs));
}

// Parses `bodies` into one batch, clearing it every `bodies_per_batch` bodies.
void BM_SteadyStateAllocations(benchmark::State& state, core::Format f) {
  bench::CorpusGenerator gen;
  std::vector<std::string> bodies = gen.Bodies(f, f == core::Format::kOtlpLogs ? 1000 : 10000);
  for (std::string& b : bodies) b.reserve(b.size() + simdjson::SIMDJSON_PADDING);
  std::unique_ptr<ingest::Parser> parser = ingest::MakeParser(f);
  core::SignalBatch batch;
  const size_t per_batch = static_cast<size_t>(state.range(0));
  auto pass = [&](uint64_t* signals) {
    size_t in_batch = 0;
    for (const std::string& b : bodies) {
      if (in_batch++ == per_batch) {
        batch.Clear();
        in_batch = 1;
      }
      *signals += parser->Parse(b, b.capacity(), core::SourceKind::kHttp, core::EventTime(), &batch).accepted;
    }
    batch.Clear();
  };
  CountAllocations(state, pass);
}

// Label values of 1024 webhook-like records: env, service, team, version, title, monitor id, host.
const std::vector<std::vector<std::string>>& RecordValues() {
  static const auto* values = [] {
    auto* v = new std::vector<std::vector<std::string>>();
    for (int i = 0; i < 1024; ++i) {
      int s = (i * 37) % 200;
      v->push_back({s % 3 != 0 ? "prod" : "staging", fmt::format("svc-{}-api", s), s % 2 != 0 ? "payments" : "identity",
                    fmt::format("1.{}.{}", s % 7, s % 13), fmt::format("High error rate on svc-{}", s),
                    fmt::format("{}", 100000 + s), fmt::format("host-{}.example.com", s % 40)});
    }
    return v;
  }();
  return *values;
}

// The 7 labels (name, index in RecordValues' record), in two orders.
using LabelSource = std::pair<std::string_view, size_t>;
constexpr std::array<LabelSource, 7> kInNameOrder = {{{"alertname", 4}, {"env", 0}, {"host", 6}, {"monitor_id", 5},
                                                      {"service", 1}, {"team", 2}, {"version", 3}}};
constexpr std::array<LabelSource, 7> kOutOfOrder = {{{"team", 2}, {"version", 3}, {"alertname", 4}, {"monitor_id", 5},
                                                     {"host", 6}, {"service", 1}, {"env", 0}}};

// Arg 0: annotations; arg 1: 1 = labels added in name order (as the webhook parser adds them:
// SignalBatch::Append's one-pass path), 0 = out of order (the sort).
void BM_DraftEmit(benchmark::State& state) {
  const auto& records = RecordValues();
  const int annotations = static_cast<int>(state.range(0));
  const bool sorted = state.range(1) != 0;
  ingest::SignalDraft d;
  core::SignalBatch batch;
  size_t i = 0;
  for (auto _ : state) {
    const std::vector<std::string>& r = records[i++ & 1023];
    batch.Clear();
    d.Reset(core::Format::kDatadogWebhook, core::SourceKind::kHttp, core::EventTime(), 0);
    for (const auto& [name, index] : sorted ? kInNameOrder : kOutOfOrder) d.Label(name, r[index]);
    for (int a = 0; a < annotations; ++a) d.Annotate("annotation", r[static_cast<size_t>(a % 7)]);
    d.Emit(&batch);
    benchmark::DoNotOptimize(batch.signals()[0].fingerprint);
  }
}

void BM_FingerprintOf(benchmark::State& state) {
  std::vector<std::vector<core::Label>> sets;
  for (const std::vector<std::string>& r : RecordValues()) {
    sets.push_back({{"alertname", r[4]}, {"env", r[0]}, {"host", r[6]}, {"monitor_id", r[5]}, {"service", r[1]},
                    {"team", r[2]}, {"version", r[3]}});
  }
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(core::Fingerprint::Of(sets[i++ & 1023]));
}

// A signal with more labels than the insertion sort takes (e.g. an OTLP resource with many
// attributes): allocations per 1M signals in steady state, as above.
void BM_ManyLabelsAllocations(benchmark::State& state) {
  const size_t labels = static_cast<size_t>(state.range(0));
  std::vector<std::string> names, values;
  for (size_t i = 0; i < labels; ++i) {
    names.push_back(fmt::format("k8s.attr.{}", (i * 7919) % labels));  // Out of order.
    values.push_back(fmt::format("value-{}", i));
  }
  ingest::SignalDraft d;
  core::SignalBatch batch;
  auto pass = [&](uint64_t* signals) {
    for (int i = 0; i < 1000; ++i) {
      if (i % 256 == 0) batch.Clear();
      d.Reset(core::Format::kOtlpLogs, core::SourceKind::kHttp, core::EventTime(), 0);
      for (size_t l = 0; l < labels; ++l) d.Label(names[l], values[l]);
      d.Emit(&batch);
      ++*signals;
    }
  };
  CountAllocations(state, pass);
}

BENCHMARK(BM_DraftEmit)->Args({0, 0})->Args({12, 0})->Args({0, 1})->Args({7, 1});
BENCHMARK(BM_ManyLabelsAllocations)->Arg(100)->Arg(200);
BENCHMARK(BM_FingerprintOf);

BENCHMARK_CAPTURE(BM_SteadyStateAllocations, datadog_webhook, core::Format::kDatadogWebhook)->Arg(1)->Arg(256);
BENCHMARK_CAPTURE(BM_SteadyStateAllocations, otlp_logs, core::Format::kOtlpLogs)->Arg(1)->Arg(64);
BENCHMARK_CAPTURE(BM_SteadyStateAllocations, alertmanager, core::Format::kAlertmanager)->Arg(256);
BENCHMARK_CAPTURE(BM_SteadyStateAllocations, otlp_traces, core::Format::kOtlpTraces)->Arg(64);

}  // namespace
}  // namespace quell

BENCHMARK_MAIN();
