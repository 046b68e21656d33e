// src/app/pipeline.h
//
// Pipeline: the core::BatchSink every source (HTTP intake, Kafka, NDJSON replay) submits to. It
// counts what comes in (signals by source and format, rejections by reason), hands the batch to the
// correlation engine, and lets the deploy gates observe every batch the engine admits (exactly
// once: a refused batch is neither correlated nor counted as gate evidence, so a client's retry
// after 429 does not double-count).
//
// Backpressure is the engine's: Submit returns its ResourceExhausted unchanged, and counts it.
// Thread-safe; `*engine` and `*gates` must outlive the Pipeline.
#ifndef QUELL_APP_PIPELINE_H_
#define QUELL_APP_PIPELINE_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "core/batch_sink.h"
#include "core/dead_letter.h"
#include "core/signal.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/sharded_engine.h"

namespace quell::app {

inline constexpr int kFormatCount = static_cast<int>(core::Format::kQuell) + 1;
inline constexpr int kSourceCount = static_cast<int>(core::SourceKind::kFile) + 1;

struct PipelineStats {
  // Accepted signals by [source][format].
  std::array<std::array<std::atomic<uint64_t>, kFormatCount>, kSourceCount> signals{};
  std::array<std::atomic<uint64_t>, core::kRejectReasonCount> rejections{};
  std::atomic<uint64_t> annotations_dropped{0};  // Left out past 128 per record (SignalDraft).
  std::atomic<uint64_t> batches_accepted{0};
  std::atomic<uint64_t> batches_refused{0};
};

class Pipeline final : public core::BatchSink {
 public:
  Pipeline(correlate::ShardedEngine* engine, gates::GateEvaluator* gates);

  [[nodiscard]] absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override;
  void CountUnsubmitted(std::span<const core::Rejection> rejections) override;

  const PipelineStats& stats() const { return stats_; }

 private:
  void Count(const core::SignalBatch& batch);
  correlate::ShardedEngine* engine_;
  gates::GateEvaluator* gates_;
  PipelineStats stats_;
};

}  // namespace quell::app

#endif  // QUELL_APP_PIPELINE_H_
