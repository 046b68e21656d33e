// bench/ingest/parser_bench.cc: parse + normalize throughput per format, beside a bare simdjson
// On-Demand pass over the same buffers that touches the fields the parser reads (the ceiling).
// Items are bodies (docs/s); the "signals" counter is signals/s. Bodies come from the seeded
// corpus generator and are padded, so neither side copies.
//
//   build-parsers-rel/bin/parser_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <memory>
#include <string>
#include <vector>

#include "bench/support/corpus_generator.h"
#include "benchmark/benchmark.h"
#include "core/signal_batch.h"
#include "ingest/parser.h"
#include "simdjson.h"

namespace quell {
namespace {

namespace od = simdjson::ondemand;

struct Corpus {
  std::vector<std::string> bodies;
  size_t bytes = 0;
};

const Corpus& GetCorpus(core::Format f) {
  static std::unique_ptr<Corpus> corpora[16];
  auto& c = corpora[static_cast<int>(f)];
  if (!c) {
    c = std::make_unique<Corpus>();
    bench::CorpusGenerator gen;
    size_t n = f == core::Format::kDatadogWebhook || f == core::Format::kAlertmanager ||
                       f == core::Format::kDatadogEvent
                   ? 20000
                   : 2000;
    for (std::string& b : gen.Bodies(f, n)) {
      b.reserve(b.size() + simdjson::SIMDJSON_PADDING);
      c->bytes += b.size();
      c->bodies.push_back(std::move(b));
    }
  }
  return *c;
}

void BM_Parse(benchmark::State& state, core::Format f) {
  const Corpus& c = GetCorpus(f);
  std::unique_ptr<ingest::Parser> parser = ingest::MakeParser(f);
  core::SignalBatch batch;
  size_t signals = 0, rejected = 0;
  for (auto _ : state) {
    for (const std::string& b : c.bodies) {
      batch.Clear();
      ingest::ParseResult r = parser->Parse(b, b.capacity(), core::SourceKind::kHttp, core::EventTime(), &batch);
      signals += r.accepted;
      rejected += r.rejected;
    }
    benchmark::DoNotOptimize(batch.size());
  }
  if (rejected != 0) state.SkipWithError("corpus bodies were rejected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.bodies.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["signals"] = benchmark::Counter(static_cast<double>(signals), benchmark::Counter::kIsRate);
}

// --- Bare On-Demand passes: every field the parser reads, read, nothing kept. ---

size_t TouchValue(od::value v, int depth);

size_t TouchObject(od::object o, int depth) {
  size_t n = 0;
  for (auto f : o) {
    od::field field;
    if (std::move(f).get(field)) return n;
    std::string_view k;
    if (!field.unescaped_key().get(k)) n += k.size();
    n += TouchValue(field.value(), depth + 1);
  }
  return n;
}

size_t TouchValue(od::value v, int depth) {
  od::json_type t;
  if (v.type().get(t)) return 0;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) ? 0 : s.size();
    }
    case od::json_type::number: {
      double d;
      return v.get_double().get(d) ? 0 : static_cast<size_t>(d != 0);
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b) ? 0 : b;
    }
    case od::json_type::object: {
      od::object o;
      return v.get_object().get(o) ? 0 : TouchObject(o, depth);
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a)) return 0;
      size_t n = 0;
      for (auto e : a) {
        od::value ev;
        if (std::move(e).get(ev)) return n;
        n += TouchValue(ev, depth + 1);
      }
      return n;
    }
    default: return 0;
  }
}

void BM_Bare(benchmark::State& state, core::Format f) {
  const Corpus& c = GetCorpus(f);
  od::parser parser;
  size_t touched = 0;
  for (auto _ : state) {
    for (const std::string& b : c.bodies) {
      od::document doc;
      if (parser.iterate(b.data(), b.size(), b.capacity()).get(doc)) {
        state.SkipWithError("bare parse failed");
        return;
      }
      od::value root;
      if (doc.get_value().get(root)) {
        state.SkipWithError("bare parse failed");
        return;
      }
      touched += TouchValue(root, 0);
    }
  }
  benchmark::DoNotOptimize(touched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.bodies.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}

BENCHMARK_CAPTURE(BM_Bare, datadog_webhook, core::Format::kDatadogWebhook);
BENCHMARK_CAPTURE(BM_Parse, datadog_webhook, core::Format::kDatadogWebhook);
BENCHMARK_CAPTURE(BM_Bare, otlp_logs, core::Format::kOtlpLogs);
BENCHMARK_CAPTURE(BM_Parse, otlp_logs, core::Format::kOtlpLogs);
BENCHMARK_CAPTURE(BM_Bare, otlp_traces, core::Format::kOtlpTraces);
BENCHMARK_CAPTURE(BM_Parse, otlp_traces, core::Format::kOtlpTraces);
BENCHMARK_CAPTURE(BM_Bare, otlp_metrics, core::Format::kOtlpMetrics);
BENCHMARK_CAPTURE(BM_Parse, otlp_metrics, core::Format::kOtlpMetrics);
BENCHMARK_CAPTURE(BM_Bare, datadog_event, core::Format::kDatadogEvent);
BENCHMARK_CAPTURE(BM_Parse, datadog_event, core::Format::kDatadogEvent);
BENCHMARK_CAPTURE(BM_Bare, datadog_log, core::Format::kDatadogLog);
BENCHMARK_CAPTURE(BM_Parse, datadog_log, core::Format::kDatadogLog);
BENCHMARK_CAPTURE(BM_Bare, alertmanager, core::Format::kAlertmanager);
BENCHMARK_CAPTURE(BM_Parse, alertmanager, core::Format::kAlertmanager);

}  // namespace
}  // namespace quell

BENCHMARK_MAIN();
