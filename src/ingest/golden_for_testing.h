// src/ingest/golden_for_testing.h
//
// Test-only driver for the parser golden files: every tests/data/golden/<dir>/NAME.json is parsed
// (observed time kGoldenObserved, source http) and the rendered signals and rejections
// (signal_json.h), one per line, must equal NAME.expected.jsonl. Run a test binary with
// QUELL_UPDATE_GOLDEN=1 to (re)write the expected files, then review the diff.
// Also checks, for every fixture, the accounting invariants (accepted == signals added,
// rejected == rejections added) and that a reused parser gives the same output twice, from a
// padded and an unpadded buffer.
#ifndef QUELL_INGEST_GOLDEN_FOR_TESTING_H_
#define QUELL_INGEST_GOLDEN_FOR_TESTING_H_

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/signal_batch.h"
#include "gtest/gtest.h"
#include "ingest/parser.h"
#include "ingest/signal_json.h"

namespace quell::ingest::testing {

inline constexpr core::EventTime kGoldenObserved = core::EventTime::FromUnixNanos(1767225600000000000);  // 2026-01-01

inline std::string ReadFileForTesting(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses `body` and renders the batch: signals, then rejections.
inline std::string RenderParse(Parser& parser, std::string_view body, size_t capacity, ParseResult* result) {
  core::SignalBatch batch;
  *result = parser.Parse(body, capacity, core::SourceKind::kHttp, kGoldenObserved, &batch);
  EXPECT_EQ(result->accepted, batch.size());
  EXPECT_EQ(result->rejected, batch.rejections().size());
  std::string out;
  for (const core::Signal& s : batch.signals()) out += SignalToJson(batch, s) + "\n";
  for (const core::Rejection& r : batch.rejections()) out += RejectionToJson(r) + "\n";
  return out;
}

// Runs the golden files of tests/data/golden/<dir>. Returns the number of fixtures checked.
inline int RunGoldenDir(const std::string& dir, core::Format format, const ParserOptions& options = {}) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(QUELL_SOURCE_DIR) / "tests/data/golden" / dir;
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (name.size() > 5 && name.ends_with(".json") && !name.ends_with(".expected.jsonl")) inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  const bool update = std::getenv("QUELL_UPDATE_GOLDEN") != nullptr;
  std::unique_ptr<Parser> parser = MakeParser(format, options);
  int n = 0;
  for (const fs::path& in : inputs) {
    SCOPED_TRACE(in.string());
    std::string body = ReadFileForTesting(in);
    ParseResult r1, r2;
    std::string got = RenderParse(*parser, body, body.size(), &r1);
    std::string padded = body;
    padded.reserve(body.size() + 128);
    std::string again = RenderParse(*parser, padded, padded.capacity(), &r2);
    EXPECT_EQ(got, again) << "reused parser or padded buffer changed the output";
    fs::path expected_path = in;
    expected_path.replace_extension(".expected.jsonl");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << got;
    } else {
      EXPECT_TRUE(fs::exists(expected_path)) << expected_path << " missing: run with QUELL_UPDATE_GOLDEN=1";
      EXPECT_EQ(got, ReadFileForTesting(expected_path));
    }
    ++n;
  }
  return n;
}

// Parses each body with a fresh parser, then all of them with one reused parser, forwards and
// backwards, twice: a parser's state learned from earlier bodies (key orders, scratch buffers) must
// not change what it makes of a body. Returns the fresh renderings (RenderParse), one per body.
inline std::vector<std::string> ExpectReusedParserMatchesFresh(core::Format format, const ParserOptions& options,
                                                               const std::vector<std::string>& bodies) {
  ParseResult r;
  std::vector<std::string> fresh;
  for (const std::string& body : bodies) {
    fresh.push_back(RenderParse(*MakeParser(format, options), body, body.size(), &r));
  }
  std::unique_ptr<Parser> reused = MakeParser(format, options);
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < bodies.size(); ++i) {
      EXPECT_EQ(RenderParse(*reused, bodies[i], bodies[i].size(), &r), fresh[i]) << bodies[i];
    }
    for (size_t i = bodies.size(); i-- > 0;) {
      EXPECT_EQ(RenderParse(*reused, bodies[i], bodies[i].size(), &r), fresh[i]) << bodies[i];
    }
  }
  return fresh;
}

// The value of a signal's annotation `name` ("" if none). Annotations keep their insertion order,
// so this is a linear search (core::FindLabel wants sorted labels).
inline std::string_view AnnotationOf(const core::SignalBatch& b, const core::Signal& s, std::string_view name) {
  for (const core::Label& a : b.annotations(s)) {
    if (a.name == name) return a.value;
  }
  return {};
}

}  // namespace quell::ingest::testing

#endif  // QUELL_INGEST_GOLDEN_FOR_TESTING_H_
