// src/core/batch_sink.h
//
// BatchSink: where sources (HTTP intake, Kafka, NDJSON replay) hand parsed batches to the rest of
// the pipeline (app/pipeline.h implements it: it splits a batch by correlation key onto the shard
// queues). Sources never know about shards or the engine.
//
// Backpressure contract: Submit either takes the batch (returns OK; `*batch` is left empty and
// reusable) or refuses it whole (returns ResourceExhausted; `*batch` untouched), never a part.
// A refused source slows down: HTTP answers 429/503 with Retry-After, Kafka pauses the partition.
// `done` is called exactly once, on any thread, after every signal of an accepted batch has been
// fully processed by the engine (Kafka commits offsets from it). Thread-safe.
#ifndef QUELL_CORE_BATCH_SINK_H_
#define QUELL_CORE_BATCH_SINK_H_

#include <functional>
#include <span>

#include "absl/status/status.h"
#include "core/signal_batch.h"

namespace quell::core {

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  [[nodiscard]] virtual absl::Status Submit(SignalBatch* batch, std::function<void()> done) = 0;
  // The rejections of input a source does not submit (a body or poll that yielded no signal: a
  // submitted batch's rejections are counted with it), so that the sink's count of rejected
  // records (quell_ingest_parse_errors_total) misses none. Default: ignored.
  virtual void CountUnsubmitted(std::span<const Rejection> rejections) { (void)rejections; }
};

}  // namespace quell::core

#endif  // QUELL_CORE_BATCH_SINK_H_
