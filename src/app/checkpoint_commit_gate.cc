#include "app/checkpoint_commit_gate.h"

#include <algorithm>

namespace quell::app {

absl::Status CheckpointCommitGate::Limit(std::span<ingest::KafkaCommitOffset> offsets) {
  std::lock_guard<std::mutex> lock(mu_);
  for (ingest::KafkaCommitOffset& o : offsets) {
    const std::pair<std::string, int32_t> key(std::string(o.topic), o.partition);
    int64_t& reported = reported_.try_emplace(key, o.offset).first->second;
    reported = std::max(reported, o.offset);
    auto durable = durable_.find(key);
    o.offset = durable == durable_.end() ? -1 : std::min(o.offset, durable->second);
  }
  return absl::OkStatus();
}

CheckpointCommitGate::Offsets CheckpointCommitGate::Begin() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reported_;
}

void CheckpointCommitGate::Durable(const Offsets& covered) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, offset] : covered) {
    int64_t& durable = durable_.try_emplace(key, offset).first->second;
    durable = std::max(durable, offset);
  }
}

void CheckpointCommitGate::Restore(const Offsets& covered) {
  Durable(covered);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, offset] : covered) {
    int64_t& reported = reported_.try_emplace(key, offset).first->second;
    reported = std::max(reported, offset);
  }
}

}  // namespace quell::app
