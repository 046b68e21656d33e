// bench/core/signal_batch_bench.cc: heap allocations per 1M signals in steady state, counted by a
// replaced global operator new, for a parser refilling one reused SignalBatch (the hot path:
// parse -> batch -> Clear). Target: 0. A warm-up pass over the corpus first lets every buffer
// (batch vectors, arena chunks, simdjson buffers, parser scratch) reach its size.
//
//   build-parsers-rel/bin/signal_batch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "bench/support/allocation_counter.h"
#include "bench/support/corpus_generator.h"
#include "benchmark/benchmark.h"
#include "core/signal_batch.h"
#include "ingest/parser.h"
#include "simdjson.h"

namespace quell {
namespace {

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
  uint64_t warm = 0;
  pass(&warm);
  pass(&warm);
  uint64_t signals = 0;
  uint64_t before = bench::AllocationCount();
  for (auto _ : state) pass(&signals);
  uint64_t allocs = bench::AllocationCount() - before;
  state.SetItemsProcessed(static_cast<int64_t>(signals));
  state.counters["allocs_per_1M_signals"] =
      benchmark::Counter(signals == 0 ? 0.0 : static_cast<double>(allocs) * 1e6 / static_cast<double>(signals));
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocs));
}

BENCHMARK_CAPTURE(BM_SteadyStateAllocations, datadog_webhook, core::Format::kDatadogWebhook)->Arg(1)->Arg(256);
BENCHMARK_CAPTURE(BM_SteadyStateAllocations, otlp_logs, core::Format::kOtlpLogs)->Arg(1)->Arg(64);
BENCHMARK_CAPTURE(BM_SteadyStateAllocations, alertmanager, core::Format::kAlertmanager)->Arg(256);
BENCHMARK_CAPTURE(BM_SteadyStateAllocations, otlp_traces, core::Format::kOtlpTraces)->Arg(64);

}  // namespace
}  // namespace quell

BENCHMARK_MAIN();
