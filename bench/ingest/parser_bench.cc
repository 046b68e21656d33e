// bench/ingest/parser_bench.cc: parse + normalize throughput per format, beside a bare simdjson
// On-Demand pass over the same buffers that touches exactly the fields the parser reads (the
// ceiling). Items are bodies (docs/s); the "signals" counter is signals/s. Bodies come from the
// seeded corpus generator and are padded, so neither side copies. By default they lie back to
// back in one buffer (--corpus_layout, --corpus_bodies: see CorpusOptions below).
//
// The bare pass, per format: every object key is read raw (as the parsers' KeyOf does: no
// unescaping), every string value the parser reads with get_string, every number with
// get_number; the values of keys the parser ignores (kSkipped below) are skipped unread, as
// On-Demand skips them for the parser. It keeps nothing and normalizes nothing.
//
//   build/bin/parser_bench --benchmark_filter=ParseVsBare    (#3's figures, bench/RESULTS.md)
//   build/bin/parser_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Instruction counts (immune to machine load): one pass over the corpus per call of ParsePass or
// BarePass, run under callgrind with
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='quell::*ParsePass*'
//       build/bin/parser_bench --count_pass=parse --count_format=datadog_webhook
// then Ir / (passes * bodies), both printed on stderr.
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/support/corpus_generator.h"
#include "benchmark/benchmark.h"
#include "core/signal_batch.h"
#include "ingest/datadog_webhook_mapping.h"
#include "ingest/otlp_protobuf.h"
#include "ingest/otlp_protobuf_parser.h"
#include "ingest/parser.h"
#include "simdjson.h"

namespace quell {
namespace {

namespace od = simdjson::ondemand;

// How the corpus lies in memory, set by flags before the benchmarks run (main):
//   --corpus_layout=arena (the default): the bodies back to back in one buffer, each at a 64-byte
//     boundary and followed by its zeroed padding, read in address order, as messages lie in a
//     Kafka fetch buffer.
//   --corpus_layout=heap: each body in its own std::string, where the generator left it. They lie
//     about twice their size apart, and half of them below the one before (the generator's
//     temporaries interleave them), so a pass over 20 000 webhooks (22 MB of address space) waits
//     on TLB misses that the prefetchers cannot hide. The bare pass suffers most: parse/bare reads
//     about 60% here against about 53% in the arena (bench/results/parsers.md, session 19).
//     Figures up to session 18 were taken in this layout.
//   --corpus_bodies=N: N bodies per corpus instead of 20 000 (webhooks, events, Alertmanager) or
//     2 000 (the others). 1 000 webhooks (0.5 MB) stay in L2, as a body the HTTP intake parses
//     just after reading it.
//   --corpus_same: every body a copy of the first, so that no branch depends on the data. A cost
//     that shrinks here against the varied corpus is branch mispredictions (this machine has no
//     hardware counters to count them); one that stays is work (bench/results/parsers.md, session 21).
//   --simdjson_kernel=NAME: both passes on that simdjson kernel (haswell, icelake, westmere), not
//     the best one the CPU runs. The run's context line "simdjson_kernel" names the one used: on an
//     AVX-512 CPU simdjson picks icelake, whose stage 1 speeds the bare pass far more than the
//     parse, so parse/bare reads ~7 points lower than with haswell (AVX2) on the same CPU.
struct CorpusOptions {
  bool heap = false;
  size_t bodies = 0;  // 0: the format's default.
  bool same = false;  // --corpus_same
};
CorpusOptions& corpus_options() {
  static CorpusOptions o;
  return o;
}

// A body as the passes read it: its text and the padded capacity behind it.
struct Body {
  std::string_view text;
  size_t capacity;
};

struct Corpus {
  std::vector<std::string> bodies;  // As generated, each with SIMDJSON_PADDING reserved.
  size_t bytes = 0;
  std::vector<Body> laid_out;       // What the passes read (corpus_options().heap picks which).
  std::unique_ptr<char[]> arena;

  void LayOut() {
    laid_out.clear();
    if (corpus_options().heap) {
      for (const std::string& b : bodies) laid_out.push_back(Body{b, b.capacity()});
      return;
    }
    auto stride = [](size_t n) { return (n + simdjson::SIMDJSON_PADDING + 63) / 64 * 64; };
    size_t total = 64;
    for (const std::string& b : bodies) total += stride(b.size());
    arena = std::make_unique<char[]>(total);
    char* w = arena.get() + (64 - reinterpret_cast<uintptr_t>(arena.get()) % 64) % 64;
    for (const std::string& b : bodies) {
      std::memcpy(w, b.data(), b.size());
      std::memset(w + b.size(), 0, stride(b.size()) - b.size());
      laid_out.push_back(Body{std::string_view(w, b.size()), stride(b.size())});
      w += stride(b.size());
    }
  }
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
    if (corpus_options().bodies != 0) n = corpus_options().bodies;
    std::vector<std::string> generated = gen.Bodies(f, n);
    if (corpus_options().same) {
      for (std::string& b : generated) b = generated[0];
    }
    for (std::string& b : generated) {
      b.reserve(b.size() + simdjson::SIMDJSON_PADDING);
      c->bytes += b.size();
      c->bodies.push_back(std::move(b));
    }
    c->LayOut();
  }
  return *c;
}

// The generator writes Datadog webhooks in the rich template (docs/formats.md), so the parser
// reads them with the rich preset, as a deployment that pasted that template is configured.
ingest::ParserOptions Options(core::Format f) {
  ingest::ParserOptions o;
  if (f == core::Format::kDatadogWebhook) o.datadog_webhook_mapping = &ingest::DatadogWebhookMapping::Rich();
  return o;
}

struct PassResult {
  size_t signals = 0, rejected = 0;
};

// One pass of the parser over the corpus, a batch per body. With `attach` (the HTTP intake's path)
// the body is attached to the batch (SignalBatch::AttachBytes: the intake hands the request body
// to the batch), so the parser points strings into it; without (the Kafka source and the replayer,
// whose buffers do not outlive the call), the parser copies the body into the batch's arena once.
[[gnu::noinline]] PassResult ParsePass(const Corpus& c, ingest::Parser& parser, core::SignalBatch& batch,
                                       bool attach = true) {
  PassResult r;
  for (const Body& b : c.laid_out) {
    batch.Clear();
    if (attach) batch.AttachBytes(b.text, nullptr);  // The corpus outlives the batch.
    ingest::ParseResult pr = parser.Parse(b.text, b.capacity, core::SourceKind::kHttp, core::EventTime(), &batch);
    r.signals += pr.accepted;
    r.rejected += pr.rejected;
  }
  benchmark::DoNotOptimize(batch.size());
  return r;
}

// --- Bare On-Demand passes: the fields the parser reads, read; nothing kept. ---

// Keys whose values the parser of a format never reads (On-Demand skips them on both sides).
// Every other key of the generated corpora is read by its parser.
bool Skipped(core::Format f, std::string_view key) {
  switch (f) {
    case core::Format::kOtlpMetrics:  // Histogram buckets are not part of the signal.
      return key == "bucketCounts" || key == "explicitBounds";
    default: return false;
  }
}

size_t TouchValue(core::Format f, od::value v);

// The bare pass's code starts at a 4 KiB boundary (TouchValue, with TouchObject inlined into it;
// BarePass follows), so that it lies at the same address modulo the page in every build: its
// loops otherwise move with whatever the linker puts before them. A 16-byte shift after a
// parser-only change once moved the bare pass's speed by ~10% (session 20), and with a 64-byte
// boundary alone it still ran 2-4% slower at 0x...340 than at 0x...380 in builds that differed
// only in parser code (session 23). At a page boundary it runs at the faster speed in every build
// (results/parsers.md, session 23).

[[gnu::hot]] std::string_view RawKey(od::field& field) {
  const char* p = field.key().raw();
  const char* q = p;
  while (*q != '"' && *q != '\\') ++q;
  return std::string_view(p, static_cast<size_t>(q - p));
}

[[gnu::hot, gnu::aligned(64)]] size_t TouchObject(core::Format f, od::object o) {
  size_t n = 0;
  for (auto fr : o) {
    if (fr.error()) return n;
    od::field& field = fr.value_unsafe();  // As the parsers do (json_fields.h).
    std::string_view k = RawKey(field);
    n += k.size();
    if (Skipped(f, k)) continue;
    n += TouchValue(f, field.value());
  }
  return n;
}

[[gnu::hot, gnu::aligned(4096)]] size_t TouchValue(core::Format f, od::value v) {
  od::json_type t;
  if (v.type().get(t)) return 0;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) ? 0 : s.size();
    }
    case od::json_type::number: {
      od::number num;
      return v.get_number().get(num) ? 0 : static_cast<size_t>(num.is_int64());
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b) ? 0 : b;
    }
    case od::json_type::object: {
      od::object o;
      return v.get_object().get(o) ? 0 : TouchObject(f, o);
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a)) return 0;
      size_t n = 0;
      for (auto e : a) {
        od::value ev;
        if (std::move(e).get(ev)) return n;
        n += TouchValue(f, ev);
      }
      return n;
    }
    default: return 0;
  }
}

[[gnu::noinline, gnu::hot, gnu::aligned(64)]] size_t BarePass(const Corpus& c, core::Format f, od::parser& parser, bool* failed) {
  size_t touched = 0;
  for (const Body& b : c.laid_out) {
    od::document doc;
    od::value root;
    if (parser.iterate(b.text.data(), b.text.size(), b.capacity).get(doc) || doc.get_value().get(root)) {
      *failed = true;
      return touched;
    }
    touched += TouchValue(f, root);
  }
  return touched;
}

void BM_Parse(benchmark::State& state, core::Format f) {
  const Corpus& c = GetCorpus(f);
  std::unique_ptr<ingest::Parser> parser = ingest::MakeParser(f, Options(f));
  core::SignalBatch batch;
  PassResult total;
  for (auto _ : state) {
    PassResult r = ParsePass(c, *parser, batch);
    total.signals += r.signals;
    total.rejected += r.rejected;
  }
  if (total.rejected != 0) state.SkipWithError("corpus bodies were rejected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.bodies.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["signals"] = benchmark::Counter(static_cast<double>(total.signals), benchmark::Counter::kIsRate);
}

void BM_Bare(benchmark::State& state, core::Format f) {
  const Corpus& c = GetCorpus(f);
  od::parser parser;
  size_t touched = 0;
  bool failed = false;
  for (auto _ : state) {
    touched += BarePass(c, f, parser, &failed);
    if (failed) {
      state.SkipWithError("bare parse failed");
      return;
    }
  }
  benchmark::DoNotOptimize(touched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.bodies.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}

// The ratio in one run, robust to this shared machine's drift: every iteration times one bare
// pass, one parse pass with the body attached (HTTP) and one with it copied (Kafka, replay) back to
// back (thread CPU time), rotating the order, and the counters give each side's rate and
// parse/bare = bare time / parse time over all iterations.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void BM_ParseVsBare(benchmark::State& state, core::Format f) {
  const Corpus& c = GetCorpus(f);
  std::unique_ptr<ingest::Parser> parser = ingest::MakeParser(f, Options(f));
  core::SignalBatch batch;
  od::parser bare;
  double seconds[3] = {0, 0, 0};  // bare, parse (body attached: HTTP), parse (body copied: Kafka)
  size_t touched = 0;
  bool failed = false;
  int first = 0;
  PassResult total;
  for (auto _ : state) {
    for (int k = 0; k < 3; ++k) {
      const int side = (first + k) % 3;  // Rotate the order every iteration.
      double t0 = ThreadCpuSeconds();
      if (side == 0) {
        touched += BarePass(c, f, bare, &failed);
      } else {
        PassResult r = ParsePass(c, *parser, batch, side == 1);
        total.rejected += r.rejected;
      }
      seconds[side] += ThreadCpuSeconds() - t0;
    }
    first = (first + 1) % 3;
  }
  benchmark::DoNotOptimize(touched);
  if (failed || total.rejected != 0) state.SkipWithError("a body failed");
  const double docs = static_cast<double>(state.iterations() * c.bodies.size());
  state.counters["bare_docs_per_s"] = docs / seconds[0];
  state.counters["parse_docs_per_s"] = docs / seconds[1];
  state.counters["parse_copy_docs_per_s"] = docs / seconds[2];
  state.counters["parse_over_bare"] = seconds[0] / seconds[1];
  state.counters["parse_copy_over_bare"] = seconds[0] / seconds[2];
}

// OTLP/HTTP in binary protobuf against JSON, the same requests: the corpus bodies written as
// protobuf (ingest::OtlpJsonToProtobuf) through OtlpProtobufParser (transcode, then the JSON
// parser), and the JSON bodies through the JSON parser, alternating pass by pass (thread CPU time).
// Counters: each side's requests/s, protobuf bytes per JSON byte, and protobuf/json = JSON time /
// protobuf time.
void BM_OtlpProtobufVsJson(benchmark::State& state, core::Format f) {
  const Corpus& c = GetCorpus(f);
  const ingest::OtlpRequestKind kind = f == core::Format::kOtlpLogs     ? ingest::OtlpRequestKind::kLogs
                                       : f == core::Format::kOtlpTraces ? ingest::OtlpRequestKind::kTraces
                                                                        : ingest::OtlpRequestKind::kMetrics;
  Corpus pb;
  for (const std::string& b : c.bodies) {
    absl::StatusOr<std::string> p = ingest::OtlpJsonToProtobuf(kind, b);
    if (!p.ok()) {
      state.SkipWithError("a corpus body has no protobuf form");
      return;
    }
    pb.bytes += p->size();
    pb.bodies.push_back(*std::move(p));
  }
  pb.LayOut();
  std::unique_ptr<ingest::Parser> json_parser = ingest::MakeParser(f, Options(f));
  std::unique_ptr<ingest::Parser> pb_parser = ingest::OtlpProtobufParser::Make(f, Options(f));
  core::SignalBatch batch;
  double seconds[2] = {0, 0};  // json, protobuf
  PassResult total[2];
  int first = 0;
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const int side = (first + k) % 2;
      const double t0 = ThreadCpuSeconds();
      PassResult r = ParsePass(side == 0 ? c : pb, side == 0 ? *json_parser : *pb_parser, batch, false);
      seconds[side] += ThreadCpuSeconds() - t0;
      total[side].signals += r.signals;
      total[side].rejected += r.rejected;
    }
    first ^= 1;
  }
  if (total[0].signals != total[1].signals || total[0].rejected != total[1].rejected) {
    state.SkipWithError("protobuf and JSON gave different signal counts");
  }
  const double docs = static_cast<double>(state.iterations() * c.bodies.size());
  state.counters["json_docs_per_s"] = docs / seconds[0];
  state.counters["protobuf_docs_per_s"] = docs / seconds[1];
  state.counters["protobuf_bytes_per_json_byte"] = static_cast<double>(pb.bytes) / static_cast<double>(c.bytes);
  state.counters["protobuf_over_json"] = seconds[0] / seconds[1];
}

BENCHMARK_CAPTURE(BM_OtlpProtobufVsJson, otlp_logs, core::Format::kOtlpLogs)->MinTime(1);
BENCHMARK_CAPTURE(BM_OtlpProtobufVsJson, otlp_traces, core::Format::kOtlpTraces)->MinTime(1);
BENCHMARK_CAPTURE(BM_OtlpProtobufVsJson, otlp_metrics, core::Format::kOtlpMetrics)->MinTime(1);

BENCHMARK_CAPTURE(BM_ParseVsBare, datadog_webhook, core::Format::kDatadogWebhook)->MinTime(2);
BENCHMARK_CAPTURE(BM_ParseVsBare, otlp_logs, core::Format::kOtlpLogs)->MinTime(2);

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

// --count_pass=parse|bare --count_format=NAME [--count_passes=N]: one warm-up pass, then N
// passes (default 2), for callgrind. Returns non-zero on a bad flag or a rejected body.
int CountMain(std::string_view pass, std::string_view format, int passes) {
  core::Format f;
  if (!core::ParseFormatName(format, &f) || (pass != "parse" && pass != "bare")) {
    std::fprintf(stderr, "usage: --count_pass=parse|bare --count_format=<format>\n");
    return 2;
  }
  const Corpus& c = GetCorpus(f);
  std::unique_ptr<ingest::Parser> parser = ingest::MakeParser(f, Options(f));
  core::SignalBatch batch;
  od::parser bare;
  size_t sink = 0;
  bool failed = false;
  for (int i = 0; i <= passes; ++i) {  // Pass 0 warms buffers; callgrind sees all of them.
    if (pass == "parse") {
      PassResult r = ParsePass(c, *parser, batch);
      failed = failed || r.rejected != 0;
      sink += r.signals;
    } else {
      sink += BarePass(c, f, bare, &failed);
    }
  }
  std::fprintf(stderr, "%s %s: %d passes (calls) x %zu bodies, %zu bytes per pass (sink %zu)\n",
               std::string(pass).c_str(), std::string(format).c_str(), passes + 1, c.bodies.size(), c.bytes, sink);
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace quell

int main(int argc, char** argv) {
  std::string_view pass, format;
  int passes = 2;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--count_pass=", 0) == 0) pass = a.substr(13);
    else if (a.rfind("--count_format=", 0) == 0) format = a.substr(15);
    else if (a.rfind("--count_passes=", 0) == 0) passes = std::atoi(argv[i] + 15);
  }
  // Corpus flags, taken out of argv before Google Benchmark reads it.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--corpus_layout=heap" || a == "--corpus_layout=arena") {
      quell::corpus_options().heap = a.ends_with("heap");
    } else if (a == "--corpus_same") {
      quell::corpus_options().same = true;
    } else if (a.rfind("--corpus_bodies=", 0) == 0) {
      const long n = std::atol(argv[i] + 16);
      if (n <= 0) {
        std::fprintf(stderr, "--corpus_bodies wants a positive count\n");
        return 2;
      }
      quell::corpus_options().bodies = static_cast<size_t>(n);
    } else if (a.rfind("--simdjson_kernel=", 0) == 0) {
      // Both passes on the named simdjson kernel instead of the best one this CPU supports (as
      // SIMDJSON_FORCE_IMPLEMENTATION does): "haswell" (AVX2) measures on an AVX-512 machine what
      // an AVX2-only machine runs (bench/results/parsers.md, session 22).
      const simdjson::implementation* impl = simdjson::get_available_implementations()[a.substr(18)];
      if (impl == nullptr || !impl->supported_by_runtime_system()) {
        std::fprintf(stderr, "--simdjson_kernel: %s is not a simdjson kernel this CPU runs\n", argv[i] + 18);
        return 2;
      }
      simdjson::get_active_implementation() = impl;
    } else if (a.rfind("--corpus_", 0) == 0) {
      std::fprintf(stderr, "unknown flag %s (--corpus_layout=arena|heap, --corpus_bodies=N, --corpus_same)\n", argv[i]);
      return 2;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (!pass.empty()) return quell::CountMain(pass, format, passes);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Which stage 1 both passes run: parse/bare depends on it (AVX-512 speeds the bare pass more).
  benchmark::AddCustomContext("simdjson_kernel", std::string(simdjson::get_active_implementation()->name()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
