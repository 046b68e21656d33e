#include "app/pipeline.h"

namespace quell::app {

Pipeline::Pipeline(correlate::ShardedEngine* engine, gates::GateEvaluator* gates) : engine_(engine), gates_(gates) {
  engine_->SetAdmissionObserver([this](const core::SignalBatch& batch) {
    Count(batch);
    if (gates_ != nullptr) gates_->Observe(batch);
  });
}

void Pipeline::Count(const core::SignalBatch& batch) {
  for (const core::Signal& s : batch.signals()) {
    auto src = static_cast<size_t>(s.source);
    auto fmt = static_cast<size_t>(s.format);
    if (src < stats_.signals.size() && fmt < stats_.signals[src].size()) {
      stats_.signals[src][fmt].fetch_add(1, std::memory_order_relaxed);
    }
  }
  CountUnsubmitted(batch.rejections());
  if (batch.dropped_annotations() != 0) {
    stats_.annotations_dropped.fetch_add(batch.dropped_annotations(), std::memory_order_relaxed);
  }
}

void Pipeline::CountUnsubmitted(std::span<const core::Rejection> rejections) {
  for (const core::Rejection& r : rejections) {
    auto i = static_cast<size_t>(r.reason);
    if (i < stats_.rejections.size()) stats_.rejections[i].fetch_add(1, std::memory_order_relaxed);
  }
}

absl::Status Pipeline::Submit(core::SignalBatch* batch, std::function<void()> done) {
  absl::Status s = engine_->Submit(batch, std::move(done));
  if (s.ok()) {
    stats_.batches_accepted.fetch_add(1, std::memory_order_relaxed);
  } else {
    stats_.batches_refused.fetch_add(1, std::memory_order_relaxed);
  }
  return s;
}

}  // namespace quell::app
