// src/ingest/parser.h
//
// Parser: turns one input body (an HTTP request body, a Kafka message, a replayed record) of one
// wire format into signals appended to a SignalBatch, and every bad record into a Rejection in the
// same batch, while the good records of the body still pass. Built on simdjson On-Demand.
//
// A Parser holds a simdjson parser and a padded scratch buffer: one instance per thread, reused
// across bodies (steady state allocates nothing per signal). Not thread-safe.
#ifndef QUELL_INGEST_PARSER_H_
#define QUELL_INGEST_PARSER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "core/signal.h"
#include "core/signal_batch.h"

namespace quell::ingest {

struct ParseResult {
  uint32_t accepted = 0;     // Signals appended to the batch.
  uint32_t rejected = 0;     // Rejections appended to the batch.
  uint32_t skipped = 0;      // Records left out on purpose (NdjsonRecordParser::SkipInCheckpointUpTo).
  // True iff nothing in the body could be read at all (empty, not JSON, wrong top-level type,
  // over the size limit): HTTP answers 400, Kafka dead-letters the whole message.
  bool body_rejected = false;
};

struct ParserLimits {
  size_t max_body_bytes = 5 * 1024 * 1024;  // Datadog's 5 MB request limit.
  size_t max_string_bytes = 1024 * 1024;    // Per string field (Datadog: 1 MB per log).
  uint32_t max_records = 100000;            // Per body.
  uint32_t max_depth = 64;                  // JSON nesting (AnyValue kvlists, log attributes).
};

class Parser {
 public:
  virtual ~Parser() = default;
  virtual core::Format format() const = 0;
  // Parses `body`, stamping each signal with `source` and `observed` (the arrival time; formats
  // that carry their own observed time keep theirs). `body` need not be padded: the parser copies
  // into its padded buffer when `padded_capacity - body.size() < simdjson::SIMDJSON_PADDING`.
  // Pass the real capacity of the underlying buffer (e.g. std::string::capacity()) to avoid the copy.
  virtual ParseResult Parse(std::string_view body, size_t padded_capacity, core::SourceKind source,
                            core::EventTime observed, core::SignalBatch* out) = 0;
  // Batch-wide tags for the following Parse calls: a comma-separated Datadog tag list ("k:v,k2:v2",
  // the logs intake's `?ddtags=` query parameter), copied. Each record gets these tags in
  // addition to its own (its own win on a name clash). Formats without tags ignore them. Pass ""
  // to clear. Added to the original interface; the default does nothing.
  virtual void SetBatchTags(std::string_view ddtags) { (void)ddtags; }
};

// Options a parser takes from config (ingest section). Parsers ignore what does not apply.
struct ParserOptions {
  ParserLimits limits;
  // Datadog monitor webhook field mapping (templated bodies); nullptr = the default template.
  const struct DatadogWebhookMapping* datadog_webhook_mapping = nullptr;
  // OTLP resource/record attribute (and Datadog tag) naming the deployment color or role
  // (blue/green/baseline/canary). There is no semantic convention for it.
  std::string color_attribute = "deployment.color";
  // Alertmanager API v2: an alert posted without endsAt ends this long after it was received, as
  // Alertmanager's resolve_timeout (default 5m): re-posting it extends it, silence resolves it.
  // Zero keeps such alerts firing until a resolve arrives.
  absl::Duration alertmanager_resolve_timeout = absl::Minutes(5);
  // correlate.max_future_skew: a record's own observed time (OTLP observedTimeUnixNano) further
  // than this past the time Quell received it is not taken (the sender's clock is ahead): the
  // receipt stays the observed time, so that the engine's future-skew guard, which compares the
  // event time with the observed time, still catches a record whose two times are both ahead.
  // Zero: the record's observed time is always taken.
  absl::Duration max_future_skew = absl::Minutes(15);
};

// A new parser for `format`; nullptr for formats without one (kUnknown).
std::unique_ptr<Parser> MakeParser(core::Format format, const ParserOptions& options = {});

}  // namespace quell::ingest

#endif  // QUELL_INGEST_PARSER_H_
