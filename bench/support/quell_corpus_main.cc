// bench/support/quell_corpus_main.cc: `quell-corpus`, the corpus generator CLI.
//
//   quell-corpus --stream --minutes 30 --incidents 2 --rate 1 --seed 42 -o stream.ndjson
//       A mixed stream in Quell's NDJSON record format (what `quell run --replay` reads).
//   quell-corpus --format datadog_webhook --count 1000 --raw -o webhooks.jsonl
//       One raw body per line (bodies contain no newlines) for a single format.
//   quell-corpus --stream --truth truth.jsonl ...
//       Also writes the ground truth: one line per record {"line":N,"incident":"inc-0001",
//       "service":"checkout-api","root":true}, then one line per incident.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/support/corpus_generator.h"
#include "core/signal.h"
#include "fmt/format.h"
#include "ingest/ndjson_record_writer.h"

int main(int argc, char** argv) {
  using namespace quell;
  CLI::App app{"quell-corpus: deterministic synthetic telemetry for Quell"};
  uint64_t seed = 42;
  bool stream = false, raw = false;
  std::string format_name = "datadog_webhook", output = "-", truth;
  size_t count = 1000;
  double minutes = 30, rate = 1;
  int incidents = 2, services = 200, hosts = 40;
  app.add_option("--seed", seed, "PRNG seed (same seed, same output)");
  app.add_flag("--stream", stream, "Mixed stream with incidents (default: one format)");
  app.add_option("--format", format_name, "Format for single-format output (datadog_webhook, otlp_logs, ...)");
  app.add_option("--count", count, "Bodies for single-format output");
  app.add_flag("--raw", raw, "Write raw bodies, one per line, instead of NDJSON records");
  app.add_option("--minutes", minutes, "Stream length");
  app.add_option("--rate", rate, "Background bodies per second");
  app.add_option("--incidents", incidents, "Incidents (alert storms) in the stream");
  app.add_option("--services", services, "Services in the graph");
  app.add_option("--hosts", hosts, "Hosts");
  app.add_option("-o,--output", output, "Output file ('-' = stdout)");
  app.add_option("--truth", truth, "Ground-truth file for --stream");
  CLI11_PARSE(app, argc, argv);

  bench::CorpusOptions co;
  co.seed = seed;
  co.services = services;
  co.hosts = hosts;
  bench::CorpusGenerator gen(co);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (output != "-") {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "quell-corpus: cannot open " << output << "\n";
      return 1;
    }
    out = &file;
  }
  std::string line;
  if (stream) {
    bench::StreamOptions so;
    so.duration = absl::Seconds(static_cast<int64_t>(minutes * 60));
    so.background_per_second = rate;
    so.incidents = incidents;
    std::vector<bench::CorpusRecord> records = gen.Stream(so);
    std::ofstream truth_file;
    if (!truth.empty()) truth_file.open(truth, std::ios::binary | std::ios::trunc);
    for (size_t i = 0; i < records.size(); ++i) {
      const bench::CorpusRecord& r = records[i];
      if (raw) {
        *out << r.body << "\n";
      } else {
        ingest::RecordWriter::FormatRecord(r.format, r.observed, r.body, &line);
        *out << line;
      }
      if (truth_file) {
        truth_file << fmt::format(R"({{"line":{},"incident":"{}","service":"{}","root":{}}})", i + 1, r.incident_id,
                                  r.service >= 0 ? gen.graph().service(r.service).name : "", r.root_cause)
                   << "\n";
      }
    }
    if (truth_file) {
      for (const bench::Incident& inc : gen.incidents()) {
        std::string affected;
        for (int s : inc.affected) affected += (affected.empty() ? "\"" : ",\"") + gen.graph().service(s).name + "\"";
        truth_file << fmt::format(R"({{"incident":"{}","root":"{}","start":{},"end":{},"affected":[{}]}})", inc.id,
                                  gen.graph().service(inc.root_service).name, inc.start.unix_nanos(),
                                  inc.end.unix_nanos(), affected)
                   << "\n";
      }
    }
    std::cerr << fmt::format("quell-corpus: {} records, {} incidents\n", records.size(), gen.incidents().size());
    return 0;
  }
  core::Format format;
  if (!core::ParseFormatName(format_name, &format) || format == core::Format::kQuell ||
      format == core::Format::kUnknown) {
    std::cerr << "quell-corpus: unknown format " << format_name << "\n";
    return 2;
  }
  std::vector<std::string> bodies = gen.Bodies(format, count);
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (raw) {
      *out << bodies[i] << "\n";
    } else {
      ingest::RecordWriter::FormatRecord(format, co.start + absl::Seconds(static_cast<int64_t>(i)), bodies[i], &line);
      *out << line;
    }
  }
  return 0;
}
