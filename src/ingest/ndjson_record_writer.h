// src/ingest/ndjson_record_writer.h
//
// RecordWriter: appends input bodies to a Quell NDJSON record file (format in
// ndjson_record_parser.h and docs/formats.md), one line per body: the arrival time, the format
// name, the original body and, for Datadog logs, the request's `?ddtags=`. A body that is one
// valid JSON object or array in valid UTF-8 (simdjson's DOM parser decides) is embedded as JSON
// under "body" (its CR/LF whitespace turned into spaces, which keeps it valid JSON on one line);
// anything else (truncated, binary, not UTF-8, not JSON) is stored losslessly as "body_b64", so a
// recording of bad traffic replays the same rejections.
//
// Thread-safe: Append may be called from several threads (one mutex; lines never interleave).
// Writes go through stdio buffering; Flush() or destruction pushes them to the file.
#ifndef QUELL_INGEST_NDJSON_RECORD_WRITER_H_
#define QUELL_INGEST_NDJSON_RECORD_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/event_time.h"
#include "core/signal.h"

namespace quell::ingest {

class RecordWriter {
 public:
  // Opens `path` for appending ("-" = stdout). Errors: Unavailable "record file PATH: reason".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RecordWriter>> Open(const std::string& path);
  // Writes to `file`; closes it on destruction iff `owned`.
  RecordWriter(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Formats one record line (with its trailing "\n") into `*line` (cleared first). `ddtags`, when
  // not empty, is the Datadog logs intake's `?ddtags=` list, kept as "ddtags" so a replay applies it.
  // `in_checkpoint`, when not 0, is written as "in_checkpoint": the intake journal's mark of a body
  // submitted before that checkpoint's cut (ndjson_record_parser.h, intake_journal.h).
  static void FormatRecord(core::Format format, core::EventTime observed, std::string_view body, std::string* line,
                           std::string_view ddtags = {}, uint64_t in_checkpoint = 0);

  [[nodiscard]] absl::Status Append(core::Format format, core::EventTime observed, std::string_view body);
  [[nodiscard]] absl::Status Flush();
  uint64_t records() const;

 private:
  mutable std::mutex mu_;
  std::FILE* file_;
  bool owned_;
  std::string line_;  // Guarded by mu_.
  uint64_t records_ = 0;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_NDJSON_RECORD_WRITER_H_
