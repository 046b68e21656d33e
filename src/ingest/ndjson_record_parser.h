// src/ingest/ndjson_record_parser.h
//
// NdjsonRecordParser: Quell's record/replay format (core::Format::kQuell), one JSON object per
// line (docs/formats.md):
//   {"t":1767225600000000000,"format":"datadog_webhook","body":{...original body...}}
//   {"t":"1767225600000000000","format":"otlp_logs","body_b64":"<base64 of the original bytes>"}
// `t` is the observed time in Unix nanoseconds (number or decimal string; absent -> the arrival
// time given to Parse); `format` is a core::FormatName other than "quell"/"unknown"; the original
// body is embedded as JSON under `body`, or as base64 under `body_b64` when it was not a valid
// JSON object/array (RecordWriter decides). Optional `ddtags` ("k:v,k2:v2") are batch tags for the
// body's parser (Parser::SetBatchTags: the Datadog logs intake's `?ddtags=`; other formats ignore
// them). Optional `in_checkpoint` (a positive integer) is the intake journal's (intake_journal.h):
// the body was submitted before the cut of the journal's checkpoint of that number (so that
// checkpoint's snapshot holds it) but appended after it, so a replay into a state restored from
// that checkpoint or a later one must not apply it again. After SkipInCheckpointUpTo(n), a valid line with 0 < in_checkpoint <= n is skipped: no
// signals, no rejections, ParseResult::skipped 1. Keys may come in any order; unknown keys are
// ignored.
// Each line's body is re-parsed with the parser of its format (MakeParser, created lazily and
// kept), and its signals and rejections land in the same batch; signals keep `t` as observed time.
//
// Rejections: a bad line is one rejection (malformed_json, missing_field "format"/"body",
// invalid_value "format"/"body_b64", ...). Every rejection from a line -- including those of its
// inner body -- carries record_index = the 0-based line number and offset = the byte offset in the
// whole input (line start + offset in the line). Blank lines are skipped; "\r\n" is accepted.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_NDJSON_RECORD_PARSER_H_
#define QUELL_INGEST_NDJSON_RECORD_PARSER_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/json_document.h"
#include "ingest/parser.h"

namespace quell::ingest {

class NdjsonRecordParser final : public Parser {
 public:
  explicit NdjsonRecordParser(const ParserOptions& options);
  core::Format format() const override { return core::Format::kQuell; }
  // Parses every line of `body`.
  ParseResult Parse(std::string_view body, size_t padded_capacity, core::SourceKind source, core::EventTime observed,
                    core::SignalBatch* out) override;

  // Parses one line (without its newline) that starts at byte `line_offset` of the input and is
  // line number `line_index` (0-based). `*t` receives the record's observed time (the fallback
  // `observed` when it has none, or when the line is bad).
  ParseResult ParseLine(std::string_view line, uint32_t line_index, uint64_t line_offset, core::SourceKind source,
                        core::EventTime observed, core::SignalBatch* out, core::EventTime* t);
  // See the file comment (0, the default: no line is skipped).
  void SkipInCheckpointUpTo(uint64_t n) { skip_in_checkpoint_up_to_ = n; }

 private:
  Parser* InnerParser(core::Format f);
  void Reject(core::SignalBatch* out, ParseResult* result, core::RejectReason reason, const char* field,
              uint64_t offset, uint32_t index);

  ParserOptions options_;
  JsonDocument envelope_;
  std::array<std::unique_ptr<Parser>, 16> inner_;
  std::string decoded_;  // body_b64, decoded.
  uint64_t skip_in_checkpoint_up_to_ = 0;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_NDJSON_RECORD_PARSER_H_
