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
// Trimming follows the correlation state checkpoints (ADR 0044), which are taken at a cut: the
// intake holds a SubmitScope around each Submit of a body it journals, and BeginCheckpoint() waits
// for the submits in flight, holds new ones back, and at that instant closes the current segment,
// numbers the checkpoint and runs the caller's `at_cut` (the runtime begins the engine's snapshot
// there, whose shard tasks queue behind every batch submitted so far, and serializes the gates,
// which observed exactly those). So the snapshot holds a journaled body iff its submit came before
// the cut:
//   - a body appended after its submit (the normal order, so that a refused body is never
//     journaled) and before the cut: in a closed segment, covered by the mark;
//   - one submitted before the cut but appended after it: in a later segment, so its line is
//     marked "in_checkpoint": N (N = the checkpoint of that cut), and the replay into a state
//     restored from checkpoint N or later skips it (ReplayOptions::skip_in_checkpoint_up_to);
//   - one submitted after the cut: not in the snapshot, and past the mark or pending: replayed;
//   - one appended before its submit (while the journal is failing) is pending until its submit
//     scope ends (or Release()): a cut in between leaves its segment, and every later one, for
//     the replay.
// The mark returned is the newest closed segment up to which nothing is pending. CheckpointDurable()
// with it, once the snapshot is on disk, removes those segments. The trim mark and the
// checkpoint's number (checkpoint_number(), counted on from the restored state's: Open's
// `checkpoint_number`) are saved with the snapshot (app::CheckpointMarks). A crash therefore
// applies each journaled body exactly once across the restored state and the replay. What stays
// at-least-once: the records of a body whose journal write failed after its submit (answered 503,
// so its client sends it again) and a body appended first whose submit was refused (its client
// retries; the record is replayed if the process dies before the next checkpoint trims it).
//
// Thread-safe: SubmitScope/Append/WaitDurable on the server's I/O threads, the checkpoint calls on
// housekeeping's thread or the one that stops the runtime (one at a time).
#ifndef QUELL_INGEST_INTAKE_JOURNAL_H_
#define QUELL_INGEST_INTAKE_JOURNAL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/directory_lock.h"
#include "core/event_time.h"
#include "core/signal.h"
#include "ingest/intake_journal_config.h"

namespace quell::ingest {

// One record's progress (see the class comment). Owned by the request.
struct IntakeJournalTicket {
  bool submitted = false;          // A SubmitScope began for it.
  uint64_t submit_checkpoint = 0;  // checkpoint_number() when it did.
  bool pending = false;            // Appended before its submit ended: not covered by a cut yet.
  uint64_t segment = 0;            // Set by Append.
  uint64_t sequence = 0;           // Set by Append: the record's number, for WaitDurable.
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

  // Held by the intake around its Submit of a body it journals (before or after the append), so
  // that a checkpoint's cut falls between submits, never inside one. It notes on the ticket the
  // checkpoint the submit comes after; when it ends, a record appended before it stops being
  // pending. A cut waits for the scopes in flight; a scope begun while a cut is being taken
  // waits for it (a few microseconds, plus the gates' serialization). Not movable: construct it in
  // place (std::optional::emplace).
  class SubmitScope {
   public:
    SubmitScope(IntakeJournal* journal, IntakeJournalTicket* ticket);
    ~SubmitScope();
    SubmitScope(const SubmitScope&) = delete;
    SubmitScope& operator=(const SubmitScope&) = delete;

   private:
    IntakeJournal* journal_;
    IntakeJournalTicket* ticket_;
  };

  // Appends one record. Errors: Unavailable (the write failed: answer 503 so the client retries).
  [[nodiscard]] absl::Status Append(IntakeJournalTicket* ticket, core::Format format, core::EventTime observed,
                                    std::string_view body, std::string_view ddtags = {});
  // Returns once the ticket's record is on disk (fsync: always; at once in the other modes).
  // Errors: Unavailable (fdatasync failed).
  [[nodiscard]] absl::Status WaitDurable(const IntakeJournalTicket& ticket);
  // A record appended first whose body will not be submitted (its sync failed): no longer pending,
  // so the next checkpoint trims it.
  void Release(IntakeJournalTicket* ticket);
  // True from a request's failed Append or WaitDurable until one succeeds again. The intake then
  // appends before it submits (http_intake.cc), so a request answered 503 for the journal was not
  // applied either, and the client's retry does not apply it twice.
  bool failing() const { return failing_.load(std::memory_order_relaxed); }

  // Takes the checkpoint's cut (see the class comment): with no submit in flight, closes the current
  // segment, numbers the checkpoint (checkpoint_number() + 1) and runs `at_cut`. Returns the trim
  // mark (0: nothing to trim). `at_cut` must not begin a SubmitScope.
  uint64_t BeginCheckpoint(const std::function<void()>& at_cut = {});
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
  uint64_t CloseSegmentAtCut();           // BeginCheckpoint's part under mu_; returns the mark.
  void SyncLoop();                        // fsync: interval.

  const IntakeJournalConfig config_;
  core::DirectoryLock lock_;  // One process per journal directory.
  std::vector<std::string> leftovers_;
  size_t covered_at_open_ = 0;
  IntakeJournalStats stats_;
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> checkpoints_{0};  // Incremented under mu_, at a cut (BeginCheckpoint).

  // The cut: SubmitScopes in flight, and whether a cut is being taken (new scopes wait for it; it
  // waits for those in flight). Taken before mu_ where both are held.
  std::mutex cut_mu_;
  std::condition_variable cut_cv_;
  int submits_in_flight_ = 0;
  bool cutting_ = false;

  mutable std::mutex mu_;
  std::shared_ptr<Fd> fd_;              // The current segment.
  uint64_t current_ = 0;                // Its id.
  uint64_t current_records_ = 0;
  uint64_t current_bytes_ = 0;
  uint64_t appended_ = 0;               // Sequence of the last record appended.
  std::vector<Closed> closed_;          // Oldest first.
  std::map<uint64_t, uint64_t> pending_;  // Segment id -> records appended before their submit ended.

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
