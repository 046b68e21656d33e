// src/ingest/kafka/kafka_source.h
//
// KafkaSource: consumes topics through a Kafka consumer group (librdkafka high-level consumer,
// cooperative-sticky assignment), parses every message with the ingest::Parser of its topic's
// format (or the format named in its headers) into core::SignalBatch, and hands the batches to a
// core::BatchSink. Guarantees:
//
//   * At-least-once. Only offsets whose batch's `done` has fired, for it and every earlier batch
//     of the partition (contiguously), are stored (rd_kafka_offsets_store) and then committed by
//     librdkafka's auto-committer every `commit_interval`, which skips rebalances (ADR 0030). A
//     crash re-delivers at most what was consumed but not yet done/committed.
//   * Per-partition order. A partition's batches are submitted in offset order; a refused batch
//     is held (the partition paused) and retried before anything later of that partition.
//   * Rebalances. On revocation (rebalance, Stop) a partition waits up to `revoke_timeout` for
//     its in-flight batches, commits what is done synchronously, then is given up. With
//     cooperative-sticky only the moving partitions stop; the others keep flowing.
//   * Backpressure. Submit returning ResourceExhausted (or any error) pauses the partition
//     (rd_kafka_pause_partitions); the held batch is retried every loop (at most every 10 ms) and
//     the partition resumes from the next unread offset once it is accepted. Memory is bounded by
//     librdkafka's prefetch queue (queued.max.messages.kbytes per partition), one batch per
//     partition being parsed or held, and whatever the sink accepts.
//   * Malformed input. A message whose body is rejected whole, or that has rejected records,
//     goes to `dead_letter_topic` (original key and bytes, headers quell-reason,
//     quell-source-topic, quell-source-partition, quell-source-offset, quell-byte-offset,
//     quell-rejections); good records of the same body still pass. The partition keeps flowing;
//     its offset is committed only after the dead-letter copy is acknowledged.
//
// Durable-state hook: `KafkaSourceOptions::before_commit` runs on the poll thread with the offsets
// about to be committed; a state store makes commits wait for durability by lowering them to what
// it has made durable (the runtime's CheckpointCommitGate, ADR 0044), by flushing there, or by
// returning an error, which defers the commit to the next interval. See ADR 0030.
//
// Threading: each of the `consumers` consumers (KafkaSourceConfig::consumers, default 1) has one
// internal poll thread (Start/Stop) that runs its librdkafka calls, its own parsers and Submit;
// the group splits the partitions between them, so every guarantee above holds per partition
// whatever the count. With more than one, Submit and `before_commit` are called from several
// threads at once. `done` callbacks may fire on any thread. Stats() (the sum over consumers) may
// be called from any thread.
// Lifetimes: `*sink` and `options.clock` must outlive the KafkaSource; `done` callbacks may fire
// after Stop() (they then do nothing).
#ifndef QUELL_INGEST_KAFKA_KAFKA_SOURCE_H_
#define QUELL_INGEST_KAFKA_KAFKA_SOURCE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/batch_sink.h"
#include "core/clock.h"
#include "core/dead_letter.h"
#include "ingest/kafka/kafka_config.h"
#include "ingest/parser.h"

namespace quell::ingest {

// One partition's position as the source sees it (for /metrics: quell_kafka_consumer_lag).
struct KafkaPartitionStats {
  std::string topic;
  int32_t partition = 0;
  int64_t position = -1;        // Next offset to read (last parsed + 1); -1 before the first.
  int64_t done = -1;            // Processed contiguously up to here (exclusive); -1 none yet.
  int64_t committed = -1;       // Last offset acknowledged by the group coordinator; -1 none.
  int64_t high_watermark = -1;  // From the latest fetch response; -1 unknown.
  int64_t lag = -1;             // high_watermark - committed (or - position before a commit).
  uint32_t in_flight_batches = 0;
  bool paused = false;          // Held by backpressure.
  int32_t consumer = 0;         // Which of the source's consumers owns it (0..consumers-1).
};

struct KafkaSourceStats {
  uint64_t messages = 0;            // Messages read (including dead-lettered ones).
  uint64_t bytes = 0;               // Their payload bytes.
  uint64_t signals = 0;             // Signals parsed and submitted.
  uint64_t batches = 0;             // Batches accepted by the sink.
  uint64_t submit_refusals = 0;     // Submit calls refused (each one retried later).
  uint64_t pauses = 0;              // Partitions paused by backpressure.
  uint64_t commits = 0;             // Offset stores handed to the auto-committer (done advanced).
  uint64_t commit_failures = 0;     // Commits the coordinator rejected (retried) or failed stores.
  // Revocations whose synchronous commit the coordinator rejected (e.g. REBALANCE_IN_PROGRESS):
  // the next owner re-reads from the last auto-commit (duplicates, never loss).
  uint64_t revocation_commit_failures = 0;
  uint64_t dead_letters = 0;        // Messages dead-lettered (or counted when no topic is set).
  uint64_t dead_letter_failures = 0;  // Dead-letter produces that failed for good.
  uint64_t consume_errors = 0;      // Error events from the consumer (broker down, ...).
  uint64_t assigned = 0;            // Partitions ever assigned.
  uint64_t revoked = 0;             // Partitions ever revoked or lost.
  // Messages whose offset skipped past the partition's next expected one. Compacted topics and
  // transaction markers cause gaps; on a plain topic a gap means skipped messages (issue #4).
  uint64_t offset_gaps = 0;
  // Dead-lettered messages by the reason of their first rejection (core::RejectReasonName).
  std::array<uint64_t, core::kRejectReasonCount> dead_letters_by_reason{};
  std::vector<KafkaPartitionStats> partitions;  // Currently assigned partitions.
};

// A partition and the next offset to read from it (what a commit stores).
struct KafkaCommitOffset {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

using ParserFactory = std::function<std::unique_ptr<Parser>(core::Format)>;

struct KafkaSourceOptions {
  const core::Clock* clock = core::SystemClock::Get();  // Stamps observed time; must outlive.
  // Builds one parser per format on the poll thread; empty means ingest::MakeParser.
  ParserFactory parser_factory;
  ParserOptions parser_options;
  // Runs before each offset store (poll thread) with the done offsets about to be stored for
  // commit. It may lower an offset (commit only what a state store has made durable): an offset
  // at or below the partition's last stored one is then left out this time. Not OK: nothing is
  // stored; retried at the next interval (revocation and Stop then give the partition up
  // uncommitted: at-least-once).
  std::function<absl::Status(std::span<KafkaCommitOffset>)> before_commit;
  // Durable-state hook, the other half: at each assignment (poll thread), the offset up to which a
  // state store already holds a partition's messages, or -1 for none. A partition starts there
  // when its group's committed offset is lower (the state was saved, the commit that followed it
  // was lost to a crash), so what the state holds is not read into it twice. Without a committed
  // offset the group's reset policy decides, as without a state (a topic deleted and created again
  // loses its commits; its new messages must not be skipped).
  std::function<int64_t(std::string_view topic, int32_t partition)> start_offset;
};

class KafkaSource {
 public:
  // Validates the config, resolves secret references and creates the consumer (and the dead-letter
  // producer). Nothing is consumed before Start(). Errors: InvalidArgument naming the config
  // position or the librdkafka property (secret values redacted).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KafkaSource>> Create(
      const KafkaSourceConfig& config, core::BatchSink* sink, KafkaSourceOptions options = {});
  ~KafkaSource();  // Stop()s.
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  // Subscribes and starts the poll thread. REQUIRES: called once.
  [[nodiscard]] absl::Status Start();
  // Leaves the group: revokes every partition (waiting for in-flight batches, committing what is
  // done), closes the consumer, flushes dead letters, joins the thread. Idempotent. Blocks up to
  // about revoke_timeout; a Stop during the group's first join first waits (same deadline) for
  // the first assignment, since librdkafka 2.0.2 aborts when a consumer is destroyed between its
  // first JoinGroup and SyncGroup responses (librdkafka #4381).
  void Stop();

  // A snapshot of counters and per-partition positions and lag. Any thread.
  KafkaSourceStats Stats() const;

 private:
  class Impl;  // One consumer and its poll thread.
  explicit KafkaSource(std::vector<std::unique_ptr<Impl>> impls);
  std::vector<std::unique_ptr<Impl>> impls_;  // config.consumers of them, at least one.
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_KAFKA_KAFKA_SOURCE_H_
