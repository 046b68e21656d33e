// src/sinks/outbox.h
//
// Outbox: the durable log of notifications not yet accepted by their receiver. The Dispatcher
// appends every (notification, integration) pair here and fsyncs the batch BEFORE the first
// delivery attempt, and marks the entry done once the receiver accepted it (or dead-lettered
// it). After a crash or restart, Open() replays the log and Recovered() returns every entry not
// marked done, in append order, so the Dispatcher re-delivers them: a notification the engine
// handed over is never lost, at the cost of a possible duplicate (receivers deduplicate by
// dedup_key). See docs/adr/0050-outbox-log-format.md.
//
// On-disk format: a directory of segment files `seg-<12 digits>.log`, appended in order. Each
// record is
//   u32 length (of type+body, little endian) | u32 CRC-32 (zlib) of type+body | u8 type | body
// with types APPEND (u64 id, i64 enqueued unix ns, u16 target length, target, notification JSON
// from notification_json.h), DONE (u64 id) and DEAD (u64 id). A torn or corrupt record at the end
// of the newest segment (a crash mid-write) is truncated away on Open; corruption elsewhere stops
// the replay of that segment and is counted in stats().corrupt_records.
//
// Durability: AppendBatch() writes all records with one write(2) and one fdatasync (group
// commit). MarkDone() only buffers its record; Flush() writes it and the next Sync() or
// AppendBatch() fdatasyncs it (a lost DONE record means one redundant redelivery, never a loss).
// DeadLetter() appends a JSON line to the dead-letter file and fsyncs it before marking the entry.
//
// Rotation and compaction: a new segment starts when the active one exceeds `segment_bytes`.
// Compact() deletes the oldest segments whose entries are all done once their newest entry is
// older than `sent_retention` (at once when there are more than `max_segments` segments), and,
// when the oldest segment holds only a few live entries but more than `max_segments` segments
// exist, copies those entries (same id, same enqueue time) to the active segment first, so the log
// stays bounded even when one entry is retried for hours.
//
// What was sent: Open() also remembers every entry appended within `sent_retention` before the
// newest one in the log, done, dead or pending, and Holds() recognizes a notification equal to one
// of them (apart from the time the engine decided it) for `sent_retention` after Open(). After a
// crash the engine derives again, from the input replayed since its last checkpoint, the
// notifications it handed over after that checkpoint: with the same incident id, sequence number
// and content, so the Dispatcher sends only the copy the outbox holds (ADR 0057). The log format
// is unchanged: the entries are the APPEND records that compaction keeps for `sent_retention`.
//
// Threading: not thread-safe; the Dispatcher thread owns it. `*clock` must outlive the Outbox.
#ifndef QUELL_SINKS_OUTBOX_H_
#define QUELL_SINKS_OUTBOX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/directory_lock.h"
#include "core/notification.h"
#include "core/yaml_node.h"
#include "sinks/circuit_breaker.h"
#include "sinks/retry_policy.h"

namespace quell::sinks {

// The `outbox:` section.
struct OutboxConfig {
  std::string dir = "data/outbox";       // Default: data/outbox. Created if missing.
  absl::Duration max_age = absl::Hours(24);  // Default: 24h. Older undelivered entries are dead-lettered.
  int64_t segment_bytes = 64 << 20;      // Default: 64 MiB per segment file.
  int max_segments = 8;                  // Default: 8. Above this, Compact() relocates live entries.
  std::string dead_letter_file;          // Default: <dir>/dead-letter.jsonl.
  // Default: 1h. How long done entries stay in the log, and how long after a start the entries
  // appended in that time before the crash or stop are recognized, so that a notification the
  // engine derives again from replayed input is not sent twice (ADR 0057). Keep it well above
  // correlate.state_checkpoint_interval (10s): a crash makes the engine derive again what it sent
  // since its last durable checkpoint. 0: done segments go at the next compaction, and nothing is
  // recognized.
  absl::Duration sent_retention = absl::Hours(1);
  bool fsync = true;                     // Default: true. false only for tests and benchmarks.
  RetryConfig retry;                     // `retry:` sub-section (retry_policy.h).
  CircuitConfig circuit_breaker;         // `circuit_breaker:` sub-section (circuit_breaker.h).
  core::SourceLocation where;
};
[[nodiscard]] absl::StatusOr<OutboxConfig> ParseOutboxConfig(const core::YamlNode& node);

struct OutboxEntry {
  uint64_t id = 0;                 // Increasing in append order; never reused.
  std::string target;              // Integration id (Receiver::id()).
  core::WallTime enqueued_at;      // When it was first appended.
  core::Notification notification;
};

struct OutboxStats {
  int64_t depth = 0;               // Entries not yet done.
  absl::Duration oldest_age;       // Age of the oldest pending entry (zero when empty).
  int64_t appended_total = 0;
  int64_t done_total = 0;
  int64_t dead_lettered_total = 0;
  int64_t corrupt_records = 0;     // Found on Open.
  int64_t segments = 0;
  int64_t bytes = 0;               // Total size of segment files.
  int64_t fsyncs_total = 0;
};

class Outbox {
 public:
  // Opens (creating) `config.dir`, replays every segment and truncates a torn tail.
  // Errors: Internal/PermissionDenied when the directory or files cannot be used.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Outbox>> Open(const OutboxConfig& config,
                                                                    const core::Clock* clock);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Entries pending at Open(), in id (append) order. Moves them out: call once.
  std::vector<OutboxEntry> TakeRecovered();

  // Returns true iff the log held at Open() an entry for `target`, appended within
  // `sent_retention` before its newest one, whose notification equals `n` in everything but `time`
  // (the event time the engine decided at, which a replay may give otherwise): the same
  // notification derived again after a restart. Pending, done and dead entries count alike. False
  // for everything from `sent_retention` after Open() on (the memory is released then). Cheap
  // when nothing matches its target, kind, status, dedup key, incident id and sequence number.
  bool Holds(std::string_view target, const core::Notification& n);

  struct Item {
    std::string_view target;
    const core::Notification* notification;
  };
  // Appends `items` durably (one write, one fdatasync, which also makes earlier MarkDone records
  // durable). Returns their ids in order; enqueued_at is clock->Now().
  [[nodiscard]] absl::StatusOr<std::vector<uint64_t>> AppendBatch(std::span<const Item> items);
  // Marks `id` delivered (buffered until the next Sync/AppendBatch). Unknown ids are ignored.
  void MarkDone(uint64_t id);
  // Writes `entry` with `reason` (no secrets, no PHI beyond the redacted notification) to the
  // dead-letter file, fsyncs it, then marks the entry dead. Counted in dead_lettered_total.
  [[nodiscard]] absl::Status DeadLetter(const OutboxEntry& entry, std::string_view reason, int attempts);
  // Makes buffered DONE/DEAD records durable (write + fdatasync).
  [[nodiscard]] absl::Status Sync();
  // Writes buffered DONE/DEAD records without fdatasync; the next AppendBatch or Sync makes them
  // durable. (A DONE record lost to a crash costs one redundant redelivery, never a loss.)
  [[nodiscard]] absl::Status Flush();
  // Deletes fully-done segments, relocating a few live entries when needed (see file comment).
  [[nodiscard]] absl::Status Compact();

  OutboxStats stats() const;
  const OutboxConfig& config() const { return config_; }
  std::string dead_letter_path() const;

 private:
  struct Segment {
    uint64_t index = 0;
    std::string path;
    int64_t bytes = 0;
    int64_t live = 0;
    core::WallTime newest;                // The latest enqueue time of an APPEND in it.
  };
  // An APPEND record read at Open(), for Holds().
  struct Sent {
    core::WallTime enqueued_at;
    uint64_t identity = 0;                // SentIdentity().
    uint64_t content = 0;                 // SentContent().
  };
  struct Meta {
    uint64_t segment = 0;
    core::WallTime enqueued_at;
  };
  Outbox(OutboxConfig config, const core::Clock* clock);
  absl::Status Replay();
  absl::Status ReplaySegment(Segment& seg, bool last, std::map<uint64_t, OutboxEntry>* pending,
                             std::vector<Sent>* sent);
  // Hashes of what identifies a notification to Holds(), and of all of it but its time.
  static uint64_t SentIdentity(std::string_view target, const core::Notification& n);
  uint64_t SentContent(std::string_view target, const core::Notification& n);  // REQUIRES: n.time zero.
  absl::Status OpenActive(uint64_t index);
  absl::Status MaybeRotate();
  absl::Status WriteBuffered(bool sync);
  void EncodeAppend(uint64_t id, core::WallTime enqueued, std::string_view target, const core::Notification& n);
  void EncodeMark(uint8_t type, uint64_t id);
  void Finish(uint64_t id);

  OutboxConfig config_;
  core::DirectoryLock lock_;              // One process per outbox directory.
  const core::Clock* clock_;
  std::map<uint64_t, Segment> segments_;  // By index; the last is active.
  std::map<uint64_t, Meta> pending_;      // By id.
  std::vector<OutboxEntry> recovered_;
  absl::flat_hash_set<uint64_t> sent_identities_;  // For Holds(), until sent_until_.
  absl::flat_hash_set<uint64_t> sent_contents_;
  core::WallTime sent_until_;
  int fd_ = -1;                           // Active segment.
  bool dirty_ = false;                    // Written to fd_ since its last fdatasync.
  std::string buf_;                       // Encoded records not yet written.
  std::string json_;                      // Scratch.
  uint64_t next_id_ = 1;
  OutboxStats stats_;
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_OUTBOX_H_
