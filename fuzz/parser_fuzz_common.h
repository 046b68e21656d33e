// fuzz/parser_fuzz_common.h
//
// The shared body of every parser fuzz target: parse the input twice with one reused parser (once
// unpadded, once from a padded copy) and check the invariants every parser promises:
//   - accepted == signals appended, rejected == rejections appended (nothing silently dropped);
//   - body_rejected implies nothing accepted and exactly one rejection;
//   - a blank body is one empty_body rejection;
//   - labels are sorted by name with unique names and non-empty values, and the fingerprint is
//     Fingerprint::Of(labels);
//   - rejection offsets lie within the body; reasons are in range;
//   - the same input gives the same counts again (no state leaks between bodies).
#ifndef QUELL_FUZZ_PARSER_FUZZ_COMMON_H_
#define QUELL_FUZZ_PARSER_FUZZ_COMMON_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/fingerprint.h"
#include "core/signal_batch.h"
#include "ingest/parser.h"

namespace quell::fuzz {

inline void Check(bool cond) {
  if (!cond) std::abort();
}

inline ingest::ParseResult ParseAndCheck(ingest::Parser& parser, std::string_view body, size_t capacity,
                                         core::SignalBatch* batch) {
  batch->Clear();
  ingest::ParseResult r =
      parser.Parse(body, capacity, core::SourceKind::kHttp, core::EventTime::FromUnixNanos(1767225600000000000), batch);
  Check(r.accepted == batch->size());
  Check(r.rejected == batch->rejections().size());
  if (r.body_rejected) Check(r.accepted == 0 && r.rejected == 1);
  bool blank = true;
  for (char c : body) blank = blank && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
  if (blank) Check(r.body_rejected && batch->rejections()[0].reason == core::RejectReason::kEmptyBody);
  for (const core::Signal& s : batch->signals()) {
    core::LabelView labels = batch->labels(s);
    for (size_t i = 0; i < labels.size(); ++i) {
      Check(!labels[i].value.empty());
      if (i > 0) Check(labels[i - 1].name < labels[i].name);
    }
    Check(s.fingerprint == core::Fingerprint::Of(labels));
  }
  for (const core::Rejection& rej : batch->rejections()) {
    Check(rej.offset <= body.size());
    Check(static_cast<int>(rej.reason) < core::kRejectReasonCount);
    Check(rej.field != nullptr);
  }
  return r;
}

inline int FuzzParser(core::Format format, const uint8_t* data, size_t size) {
  static std::unique_ptr<ingest::Parser> parser = [format] {
    ingest::ParserOptions o;
    o.limits.max_body_bytes = 1 << 20;
    o.limits.max_string_bytes = 4096;
    o.limits.max_records = 1000;
    o.limits.max_depth = 32;
    return ingest::MakeParser(format, o);
  }();
  static core::SignalBatch batch;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  ingest::ParseResult a = ParseAndCheck(*parser, body, size, &batch);
  std::string padded(body);
  padded.reserve(size + 64);
  ingest::ParseResult b = ParseAndCheck(*parser, padded, padded.capacity(), &batch);
  Check(a.accepted == b.accepted && a.rejected == b.rejected && a.body_rejected == b.body_rejected);
  return 0;
}

}  // namespace quell::fuzz

#endif  // QUELL_FUZZ_PARSER_FUZZ_COMMON_H_
