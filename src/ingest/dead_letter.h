// src/ingest/dead_letter.h
//
// The dead-letter path for rejected input: a DeadLetterEntry is a core::Rejection joined with
// where it came from and the original bytes; DeadLetterFile appends entries as JSON lines to a
// file; DeadLetterCounters counts rejections per reason (lock-free, read by /metrics as
// quell_ingest_dead_letters_total{reason}).
//
// Entry line (one per rejection, keys in this order):
//   {"time":1767225600000000000,"reason":"missing_field","offset":93,"record":1,"field":"title",
//    "source":"http","format":"datadog_webhook","original":"{\"id\":\"2\",...}"}
// `original` is the rejected record's bytes when they can be delimited (a JSON value starting at
// the record's start: Rejection::record_begin when set, else the rejection offset), else the body
// from there on up to the next rejection's record; a body-level rejection keeps the whole body;
// at most max_original_bytes (then "truncated":true). Bytes that are not valid UTF-8 are written as "original_b64" (base64) instead,
// so the file stays valid JSON and nothing is lost. Each call's lines reach the file at once, in
// one write(2) on a descriptor opened O_APPEND (no user-space buffer): a crash of the process loses
// no dead letter that was counted as written, and a reader tailing the file never sees half a
// line from a completed call. The file is created with mode 0600: it holds
// payload data (which may be sensitive), unlike logs and error messages, which never do. With
// Options::redact set (the app sets the `redaction:` rules' detectors, ingest.dead_letter.redact,
// default on) `original` is written redacted ("redacted":true): an SSN in a malformed webhook does
// not stay on disk, at the cost of the exact bytes (the Kafka dead-letter topic keeps those).
//
// Thread-safety: DeadLetterCounters and DeadLetterFile are safe to share between threads.
#ifndef QUELL_INGEST_DEAD_LETTER_H_
#define QUELL_INGEST_DEAD_LETTER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/dead_letter.h"
#include "core/event_time.h"
#include "core/signal.h"

namespace quell::ingest {

struct DeadLetterEntry {
  core::RejectReason reason = core::RejectReason::kMalformedJson;
  uint64_t offset = 0;          // Byte offset in the input buffer.
  uint32_t record_index = 0;    // Record within its body (line number for NDJSON replay).
  std::string_view field;       // Offending field, may be empty.
  core::SourceKind source = core::SourceKind::kUnknown;
  core::Format format = core::Format::kUnknown;
  core::EventTime observed;     // Arrival time.
  std::string_view original;    // The rejected bytes (see the file comment).
  bool truncated = false;       // `original` was cut at the size limit.
  bool redacted = false;        // `original` went through DeadLetterFile::Options::redact.

  // The entry for rejection `r` of `body`: `original` views `body` (record slice, at most
  // `max_original_bytes`). `next_begin`: where the next rejection of the same body starts its
  // record (its Rejection::record_begin, else its offset), if any: a rest that cannot be delimited
  // as one JSON value stops there, so that no byte is in two entries.
  static DeadLetterEntry FromRejection(const core::Rejection& r, core::Format format, core::SourceKind source,
                                       std::string_view body, core::EventTime observed,
                                       size_t max_original_bytes = 64 * 1024,
                                       size_t next_begin = std::string_view::npos);
  // The entry as one JSON line, without the newline.
  std::string ToJson() const;
};

struct DeadLetterStats {
  std::array<uint64_t, core::kRejectReasonCount> by_reason{};  // Indexed by RejectReason.
  uint64_t written = 0;       // Lines written to the file.
  uint64_t write_errors = 0;  // Entries that could not be written.
  uint64_t total() const {
    uint64_t t = 0;
    for (uint64_t n : by_reason) t += n;
    return t;
  }
};

// Per-reason rejection counters. Counting is a relaxed atomic add.
class DeadLetterCounters {
 public:
  void Count(core::RejectReason r, uint64_t n = 1) {
    by_reason_[static_cast<size_t>(r)].fetch_add(n, std::memory_order_relaxed);
  }
  void CountAll(std::span<const core::Rejection> rejections) {
    for (const core::Rejection& r : rejections) Count(r.reason);
  }
  uint64_t count(core::RejectReason r) const { return by_reason_[static_cast<size_t>(r)].load(std::memory_order_relaxed); }
  DeadLetterStats stats() const;

 private:
  std::array<std::atomic<uint64_t>, core::kRejectReasonCount> by_reason_{};
};

class DeadLetterFile {
 public:
  struct Options {
    size_t max_original_bytes = 64 * 1024;  // Per entry.
    // Set: applied to each entry's `original` before it is written (PHI/PII redaction).
    std::function<std::string(std::string_view)> redact;
  };
  // Opens `path` for appending (created 0600). Errors: Unavailable "dead-letter file PATH: reason".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DeadLetterFile>> Open(const std::string& path, Options options);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DeadLetterFile>> Open(const std::string& path) {
    return Open(path, Options{});
  }
  ~DeadLetterFile();
  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  // Counts the entry's reason and appends it (in the file when this returns OK).
  [[nodiscard]] absl::Status Write(const DeadLetterEntry& entry);
  // Counts and appends one entry per rejection of `body` (e.g. a batch's rejections after Parse),
  // all in one write.
  [[nodiscard]] absl::Status WriteRejections(std::span<const core::Rejection> rejections, core::Format format,
                                             core::SourceKind source, std::string_view body, core::EventTime observed);
  // fdatasync: what was written survives a crash of the machine too (shutdown calls it).
  [[nodiscard]] absl::Status Sync();

  DeadLetterStats stats() const;
  const DeadLetterCounters& counters() const { return counters_; }
  const Options& options() const { return options_; }

 private:
  DeadLetterFile(int fd, std::string path, Options options)
      : fd_(fd), path_(std::move(path)), options_(std::move(options)) {}
  // Appends the entry's JSON line and a newline to `*out`.
  void AppendLine(const DeadLetterEntry& entry, std::string* out) const;
  // Writes `lines` (`n` entries) in one append; counts them written or failed.
  absl::Status WriteLines(std::string_view lines, uint64_t n);

  std::mutex mu_;  // Serializes writes, so that one call's lines stay together.
  int fd_;
  std::string path_;
  Options options_;
  DeadLetterCounters counters_;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DEAD_LETTER_H_
