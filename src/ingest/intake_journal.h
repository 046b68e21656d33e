// src/ingest/intake_journal.h
//
// IntakeJournal: the HTTP intake's write-ahead log (ADR 0045). Every body the intake hands to the
// pipeline is appended, as one Quell NDJSON record line (ndjson_record_writer.h: arrival time,
// format, body, and the logs intake's `?ddtags=`), to the current segment
// `<dir>/intake-<20-digit number>.ndjson` before the client gets its 2xx. After a crash the
// segments left in the directory are replayed, oldest first and through the same parsers, into
// the restored correlation state before the listener opens (leftover_segments()), so a webhook
// that was answered 202 is not lost with the process: an appended record is in the kernel's page
// cache, which a crash of the process does not lose. What a crash of the machine may lose depends
// on `fsync` (intake_journal_config.h):
//   interval (default): a background thread fdatasyncs the current segment every fsync_interval
//                       when something was appended: at most that interval is lost;
//   always:             WaitDurable() returns once the record is on disk, a group commit
//                       (concurrent requests share one fdatasync), so nothing answered is lost;
//   never:              the kernel writes back when it chooses.
// A segment closed by a checkpoint is fdatasynced in every mode but never.
//
// Trimming follows the correlation state checkpoints (ADR 0044). A record is pending from Append
// until Done() (its batch has been processed by the engine). A checkpoint calls BeginCheckpoint()
// just before it snapshots the engine: the current segment is closed when it holds records, and the
// result marks the newest closed segment up to which no record is pending, so every record up to
// the mark is in that snapshot. CheckpointDurable() with the mark, once the snapshot is on disk,
// removes those segments. The trim mark and the checkpoint's number (checkpoint_number(), counted
// on from the restored state's: Open's `checkpoint_number`) are saved with the snapshot
// (app::CheckpointMarks).
//
// One record's progress is an IntakeJournalTicket: Append and Done may come in either order (the
// engine may process a batch before the intake thread appends its body); the ticket counts the
// record pending only in the first case. In the second, when a checkpoint began between Done and
// Append, that checkpoint's snapshot holds the record although its segment is after the mark: the
// line is marked "in_checkpoint": N (N = the first checkpoint begun after Done), and the replay
// into a state restored from checkpoint N or later skips it (ReplayOptions::
// skip_in_checkpoint_up_to). Without the mark a crash after that checkpoint applied the record
// twice (a deploy gate's evidence counted it twice). A record the engine processes while a
// checkpoint's snapshot is being taken may still come back twice, as may the records of a body
// whose journal write failed after its submit (answered 503, so its client sends it again):
// replaying an alert's state again is idempotent, and events past allowed lateness are dropped as
// late, so replay is at-least-once there, like the Kafka source.
//
// Thread-safe: Append/WaitDurable on the server's I/O threads, Done on shard threads, the
// checkpoint calls on housekeeping's thread or the one that stops the runtime.
#ifndef QUELL_INGEST_INTAKE_JOURNAL_H_
#define QUELL_INGEST_INTAKE_JOURNAL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/event_time.h"
#include "core/signal.h"
#include "ingest/intake_journal_config.h"

namespace quell::ingest {

struct IntakeJournalTicket {
  std::atomic<int> state{0};  // 0: new; 1: done before it was appended; 2: appended, pending.
  std::atomic<uint64_t> done_checkpoint{0};  // Set by Done: checkpoint_number() when it ran.
  uint64_t segment = 0;       // Set by Append.
  uint64_t sequence = 0;      // Set by Append: the record's number, for WaitDurable.
};

struct IntakeJournalStats {
  std::atomic<uint64_t> records{0};        // Appended.
  std::atomic<uint64_t> bytes{0};          // Appended.
  std::atomic<uint64_t> syncs{0};          // fdatasync calls (one per group commit).
  std::atomic<uint64_t> write_errors{0};   // Append or fdatasync failures (a request's: it got 503;
                                           // the background sync's: retried next interval).
  std::atomic<uint64_t> segments_trimmed{0};
};

class IntakeJournal {
 public:
  // Creates `config.dir` when missing, lists the segments an earlier run left (leftover_segments)
  // and opens a new current segment after them. `covered`: the trim mark of the checkpoint the
  // restored correlation state came from (CheckpointMarks::journal; 0: none). Leftover segments up
  // to it are in that state already (a crash came between the checkpoint and its trim): they are
  // removed instead of replayed, and new segments are numbered after it even when the directory
  // was emptied. `checkpoint_number`: that checkpoint's number (CheckpointMarks::
  // journal_checkpoint; 0: none): the next checkpoint is numbered after it, and leftover lines
  // marked "in_checkpoint" up to it are in the restored state (the replay skips them).
  // Errors: Unavailable "intake journal DIR: reason".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<IntakeJournal>> Open(const IntakeJournalConfig& config,
                                                                         uint64_t covered = 0,
                                                                         uint64_t checkpoint_number = 0);
  // Stops the background sync; closes the current segment; removes it when it holds no record.
  ~IntakeJournal();
  IntakeJournal(const IntakeJournal&) = delete;
  IntakeJournal& operator=(const IntakeJournal&) = delete;

  // Paths of the segments found at Open, oldest first: the runtime replays them before it serves.
  // They count as closed and processed: the first durable checkpoint after that replay trims them.
  const std::vector<std::string>& leftover_segments() const { return leftovers_; }
  // Leftover segments Open removed without replay: the restored state held them (`covered`).
  size_t covered_at_open() const { return covered_at_open_; }

  // Appends one record. Errors: Unavailable (the write failed: answer 503 so the client retries).
  [[nodiscard]] absl::Status Append(IntakeJournalTicket* ticket, core::Format format, core::EventTime observed,
                                    std::string_view body, std::string_view ddtags = {});
  // Returns once the ticket's record is on disk (fsync: always; at once in the other modes).
  // Errors: Unavailable (fdatasync failed).
  [[nodiscard]] absl::Status WaitDurable(const IntakeJournalTicket& ticket);
  // The record's batch has been processed by the engine (or refused: then it never will be).
  void Done(IntakeJournalTicket* ticket);
  // True from a request's failed Append or WaitDurable until one succeeds again. The intake then
  // appends before it submits (http_intake.cc), so a request answered 503 for the journal was not
  // applied either, and the client's retry does not apply it twice.
  bool failing() const { return failing_.load(std::memory_order_relaxed); }

  // See the class comment. Returns the trim mark (0: nothing to trim) and numbers the checkpoint
  // (checkpoint_number() + 1).
  uint64_t BeginCheckpoint();
  // The number of the last checkpoint begun (Open's `checkpoint_number` before the first).
  uint64_t checkpoint_number() const { return checkpoints_.load(); }
  // Removes the closed segments up to `mark`. Errors: Unavailable (a file could not be removed;
  // the next checkpoint tries again).
  [[nodiscard]] absl::Status CheckpointDurable(uint64_t mark);

  const IntakeJournalStats& stats() const { return stats_; }
  // Segments on disk (closed ones and the current one) and their bytes.
  size_t segments() const;
  uint64_t disk_bytes() const;
  const std::string& dir() const { return config_.dir; }

 private:
  struct Fd;
  struct Closed {
    uint64_t id;
    uint64_t bytes;
  };
  explicit IntakeJournal(IntakeJournalConfig config);
  std::string SegmentPath(uint64_t id) const;
  absl::Status OpenSegment(uint64_t id);  // REQUIRES: mu_ held (or not shared yet).
  void SyncLoop();                        // fsync: interval.

  const IntakeJournalConfig config_;
  std::vector<std::string> leftovers_;
  size_t covered_at_open_ = 0;
  IntakeJournalStats stats_;
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> checkpoints_{0};  // Incremented under mu_ (BeginCheckpoint).

  mutable std::mutex mu_;
  std::shared_ptr<Fd> fd_;              // The current segment.
  uint64_t current_ = 0;                // Its id.
  uint64_t current_records_ = 0;
  uint64_t current_bytes_ = 0;
  uint64_t appended_ = 0;               // Sequence of the last record appended.
  std::vector<Closed> closed_;          // Oldest first.
  std::map<uint64_t, uint64_t> pending_;  // Segment id -> records not yet Done.

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool syncing_ = false;
  uint64_t synced_ = 0;                 // Every record up to this sequence is on disk.

  // fsync: interval.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread syncer_;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_INTAKE_JOURNAL_H_
