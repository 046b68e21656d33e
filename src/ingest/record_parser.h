// src/ingest/record_parser.h
//
// RecordParser: the Parser skeleton for formats whose body is one record object or an array of
// record objects (Datadog webhook, event and log bodies, Alertmanager alert lists). It owns the
// JsonDocument and the SignalDraft, runs the body-level checks, walks the records with
// ForEachRecord and calls ParseRecord for each; subclasses only read one record. Accounting: each
// array element is accepted (one signal) or rejected (one Rejection); a broken remainder is one
// Rejection; content after the top-level value is one malformed_json Rejection.
//
// Not thread-safe: one per thread, reused across bodies.
#ifndef QUELL_INGEST_RECORD_PARSER_H_
#define QUELL_INGEST_RECORD_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/signal_batch.h"
#include "ingest/json_document.h"
#include "ingest/parser.h"
#include "ingest/signal_draft.h"

namespace quell::ingest {

class RecordParser : public Parser {
 public:
  enum class TopLevel : uint8_t { kObject, kArray, kObjectOrArray };

  core::Format format() const override { return format_; }
  // ParseBody, then the annotations its records dropped go to the batch's count.
  ParseResult Parse(std::string_view body, size_t padded_capacity, core::SourceKind source, core::EventTime observed,
                    core::SignalBatch* out) final;

 protected:
  RecordParser(core::Format format, const ParserOptions& options, TopLevel top_level);

  // Reads one record. On success it has emitted exactly one signal (draft().Emit(out())).
  virtual RecordStatus ParseRecord(od::value& record, uint32_t offset) = 0;

  // Per-call state for ParseRecord.
  core::SignalBatch* out() { return out_; }
  core::EventTime observed() const { return observed_; }
  // A draft reset to this call's format, source and observed time, at `offset`.
  SignalDraft& StartDraft(uint32_t offset);
  SignalDraft& draft() { return draft_; }
  const ParserOptions& options() const { return options_; }
  size_t max_string() const { return options_.limits.max_string_bytes; }
  // Copies into the batch arena (JsonDocument::Keep: strings of the body become views into one
  // arena copy of it).
  std::string_view Copy(std::string_view s) { return doc_.Keep(s); }
  JsonDocument& doc() { return doc_; }

 private:
  ParseResult ParseBody(std::string_view body, size_t padded_capacity, core::SourceKind source,
                        core::EventTime observed, core::SignalBatch* out);
  struct Repair {
    bool used = false;
    bool closed = false;      // The array was complete; garbage follows it.
    size_t prefix_end = 0;    // End of the last complete record.
    size_t rest_offset = 0;   // Where the unreadable rest starts.
  };
  // For an array body that is truncated or followed by garbage: finds the complete records.
  // Returns false when there is nothing to recover.
  static bool FindCompleteRecords(std::string_view body, Repair* repair);
  ParseResult ParseRepaired(std::string_view body, const Repair& repair, core::SignalBatch* out);
  // For an array body with invalid UTF-8 inside some of its records: parses a copy in which each
  // such record is replaced by `null` padded with spaces (offsets unchanged) and rejects it as
  // invalid_utf8 at its first bad byte. Returns false (nothing appended) when the bad bytes are
  // not inside records that can be delimited.
  bool ParseWithoutInvalidRecords(std::string_view body, core::SignalBatch* out, ParseResult* result);

  core::Format format_;
  ParserOptions options_;
  std::string repair_;  // The complete records of a damaged array, re-closed.
  struct BadRecord {
    uint32_t begin, bad;  // Record start and its first invalid byte.
  };
  std::vector<BadRecord> bad_records_;
  TopLevel top_level_;
  JsonDocument doc_;
  SignalDraft draft_;
  core::SignalBatch* out_ = nullptr;
  core::SourceKind source_ = core::SourceKind::kUnknown;
  core::EventTime observed_;
};

// For a body whose top-level value is not the object (or array) its format wants: the reason to
// reject it with. kWrongType when the body is one valid JSON value of another type (`"x"`, `5`,
// `null`, or an array where only an object will do), kMalformedJson when it is not JSON at all
// (`not json`, `nul`). `type` is doc.type()'s answer. (Defined in record_parser.cc, away from
// JsonDocument::TryOpen: next to it, the webhook parse ran 4% slower with the same instructions,
// bench/results/parsers.md session 16.)
core::RejectReason TopLevelMismatchReason(od::document& doc, od::json_type type);

// Appends a malformed_json Rejection when non-whitespace content follows the top-level value.
// `index` is the record index to report.
void RejectTrailingContent(JsonDocument& jd, od::document& doc, uint32_t index, core::SignalBatch* out,
                           ParseResult* result);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_RECORD_PARSER_H_
