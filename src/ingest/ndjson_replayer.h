// src/ingest/ndjson_replayer.h
//
// Replayer: reads a Quell NDJSON record file (or stdin) line by line, re-parses each body with
// NdjsonRecordParser (so each line's format picks its parser) and hands batches to a
// core::BatchSink, either as fast as possible or paced: with speed s > 0 the record whose time is
// t is submitted when the injected clock reaches start + (t - t_first) / s (s = 1 is real time,
// s = 10 ten times faster). Records whose time is earlier than the first go out at once.
//
// Batching: paced mode submits one batch per line (so pacing is exact); fast mode gathers up to
// ReplayOptions::max_batch_lines lines per batch. Bad lines become rejections in the batch
// (record_index = 0-based line number, offset = byte offset in the file) and good lines still
// pass; with ReplayOptions::dead_letter each rejection is also written to the dead-letter file.
// When the sink refuses a batch (ResourceExhausted) the replayer waits 10 ms of clock time
// and offers it again; any other error ends the replay with that error.
//
// Rebasing (ReplayOptions::rebase_to_now): every signal's event, end and observed time is shifted by one
// offset so that the stream ends at the clock's now (ReplayFile reads the file once beforehand to
// find its latest record time; from a stream or stdin, where that cannot be known, the first
// record is put at now instead). Relative timing is kept. The quick start replays a sample recorded
// on 2026-01-01 and then goes live: shifted, the sample is the last minutes of history instead of
// something the live watermark leaps eleven months past.
//
// Time: the clock and the waiting function are injected. The default wait polls `clock` and sleeps
// the remaining wall time; tests pass a ManualClock and a wait function that advances it (no test
// sleeps). `sink`, `clock` must outlive the Replayer. Not thread-safe: one replay at a time.
#ifndef QUELL_INGEST_NDJSON_REPLAYER_H_
#define QUELL_INGEST_NDJSON_REPLAYER_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "core/batch_sink.h"
#include "core/clock.h"
#include "core/signal_batch.h"
#include "ingest/dead_letter.h"
#include "ingest/ndjson_record_parser.h"
#include "ingest/parser.h"

namespace quell::ingest {

struct ReplayOptions {
  double speed = 0;                    // 0: as fast as possible; > 0: paced at record time x speed.
  uint32_t max_batch_lines = 256;      // Fast mode: lines per submitted batch.
  bool rebase_to_now = false;          // Shift record times so the stream ends at the clock's now.
  core::SourceKind source = core::SourceKind::kFile;  // Stamped on every signal.
  ParserOptions parser;                // Limits and mappings for the inner parsers.
  // Every rejected record is also written here (as the HTTP and Kafka sources do), its
  // `original` the line's bytes from the rejection on, its offset the byte offset in the file,
  // its record the line number. Optional; must outlive the Replayer.
  DeadLetterFile* dead_letter = nullptr;
  // Lines marked "in_checkpoint" up to this number are skipped (NdjsonRecordParser::
  // SkipInCheckpointUpTo): the intake journal's replay into a state restored from that checkpoint.
  uint64_t skip_in_checkpoint_up_to = 0;
};

struct ReplayStats {
  uint64_t lines = 0;     // Non-blank lines read.
  uint64_t accepted = 0;  // Signals submitted.
  uint64_t rejected = 0;  // Rejections submitted.
  uint64_t batches = 0;   // Batches the sink took.
  uint64_t dead_lettered = 0;  // Rejections written to ReplayOptions::dead_letter.
  uint64_t skipped = 0;   // Lines skipped as already in the restored state (skip_in_checkpoint_up_to).
};

class Replayer {
 public:
  using WaitUntil = std::function<void(core::WallTime)>;
  Replayer(core::BatchSink* sink, const core::Clock* clock, ReplayOptions options, WaitUntil wait_until = nullptr);

  // Replays `path` ("-" = stdin). Errors: NotFound (cannot open), the sink's error.
  [[nodiscard]] absl::Status ReplayFile(const std::string& path);
  [[nodiscard]] absl::Status Replay(std::istream& in);
  const ReplayStats& stats() const { return stats_; }

 private:
  absl::Status SubmitBatch();
  // Writes the rejections from index `first` on (those of the line just parsed) to the dead-letter file.
  void DeadLetterLine(size_t first, uint64_t line_offset, core::EventTime observed);

  core::BatchSink* sink_;
  const core::Clock* clock_;
  ReplayOptions options_;
  WaitUntil wait_until_;
  NdjsonRecordParser parser_;
  core::SignalBatch batch_;
  std::string line_;
  ReplayStats stats_;
  std::optional<core::EventTime> rebase_anchor_;  // Record time put at now (default: the first).
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_NDJSON_REPLAYER_H_
