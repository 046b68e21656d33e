// src/app/checkpoint_commit_gate.h
//
// CheckpointCommitGate: with correlate.state_file, Kafka offsets are committed only once the
// correlation state that holds their messages is durable (ADR 0044), so a crash re-reads what the
// last checkpoint missed instead of losing it.
//
// The Kafka source's before_commit hook calls Limit() with the done offsets it is about to store
// for commit (their batches have been processed by the engine); Limit records them and lowers
// each to what the last durable checkpoint covers (nothing yet: the partition waits). A
// checkpoint calls Begin() just before it snapshots the engine, so every offset reported until
// then is in that snapshot, and Durable() with Begin's result once the file is written.
//
// Thread-safe: Limit runs on every consumer's poll thread, checkpoints on housekeeping's or on
// the thread that stops the runtime.
#ifndef QUELL_APP_CHECKPOINT_COMMIT_GATE_H_
#define QUELL_APP_CHECKPOINT_COMMIT_GATE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "ingest/kafka/kafka_source.h"

namespace quell::app {

class CheckpointCommitGate {
 public:
  // (topic, partition) -> next offset to read.
  using Offsets = std::map<std::pair<std::string, int32_t>, int64_t, std::less<>>;

  // The before_commit hook. Always OK: a partition not yet covered gets offset -1 (left out).
  absl::Status Limit(std::span<ingest::KafkaCommitOffset> offsets);
  // What the checkpoint about to be taken covers: every offset reported so far.
  Offsets Begin() const;
  // That checkpoint is durable: its offsets may be committed.
  void Durable(const Offsets& covered);
  // At start: the offsets the restored state holds (CheckpointMarks), durable and reported, so the
  // first commits may go up to them and every checkpoint covers them.
  void Restore(const Offsets& covered);

 private:
  mutable std::mutex mu_;
  Offsets reported_;
  Offsets durable_;
};

}  // namespace quell::app

#endif  // QUELL_APP_CHECKPOINT_COMMIT_GATE_H_
