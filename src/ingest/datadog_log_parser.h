// src/ingest/datadog_log_parser.h
//
// DatadogLogParser: Datadog logs intake v2 bodies (`POST /api/v2/logs`: an array of log objects,
// or a single object) -> log signals.
//   Reserved attributes: message, ddsource (label source), ddtags (comma list -> labels, see
//   datadog_tags.h), hostname (host), service, status (severity via SeverityFromDatadogStatus;
//   `level` or `severity` when status is absent), timestamp (event time, epoch of any unit, or
//   RFC 3339 text); every other attribute becomes an annotation, nested objects flattened to
//   dotted names ("http.status_code"), arrays as compact JSON; at most
//   SignalDraft::kMaxAnnotations per log, the rest dropped. `http.status_code` also fills
//   http_status. Nesting beyond ParserLimits::max_depth rejects the log (too_deep).
//   Batch tags (`?ddtags=`): SetBatchTags(); a log's own ddtags win on a name clash.
//   Limits: kMaxEntries (1000) per array (the rest too_many_records, each). As Datadog's intake,
//   a log over kMaxLogBytes (1 MiB) of string data is accepted and truncated, not rejected: a
//   longer message is cut at 1 MiB (on a UTF-8 boundary), and the attributes that come once the
//   log's strings reach 1 MiB are left out; either way the log is annotated quell.truncated
//   ("message", "attributes" or both). A message is read up to kMaxMessageRead (16 MiB) bytes;
//   other strings up to ParserLimits::max_string_bytes (too_large beyond).
//   event_time = timestamp, else the observed time.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_DATADOG_LOG_PARSER_H_
#define QUELL_INGEST_DATADOG_LOG_PARSER_H_

#include <string>
#include <string_view>

#include "ingest/record_parser.h"

namespace quell::ingest {

class DatadogLogParser final : public RecordParser {
 public:
  static constexpr uint32_t kMaxEntries = 1000;
  static constexpr size_t kMaxLogBytes = 1024 * 1024;
  static constexpr size_t kMaxMessageRead = 16 * 1024 * 1024;

  explicit DatadogLogParser(const ParserOptions& options);
  void SetBatchTags(std::string_view ddtags) override { batch_tags_.assign(ddtags); }

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t offset) override;
  // Adds the attributes of `obj` under `path_` as annotations.
  RecordStatus Flatten(od::object obj, int depth, size_t* bytes);
  RecordStatus AddAttribute(std::string_view key, od::value& v, int depth, size_t* bytes);

  std::string batch_tags_;
  std::string path_;     // Dotted attribute path being flattened.
  std::string scratch_;  // Arrays rendered as JSON.
  bool attributes_truncated_ = false;  // This log's attributes went over kMaxLogBytes.
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_LOG_PARSER_H_
