#include "app/checkpoint_commit_gate.h"

#include <vector>

#include "gtest/gtest.h"

namespace quell::app {
namespace {

std::vector<int64_t> Limited(CheckpointCommitGate& gate, std::vector<ingest::KafkaCommitOffset> offsets) {
  EXPECT_TRUE(gate.Limit(std::span<ingest::KafkaCommitOffset>(offsets)).ok());
  std::vector<int64_t> out;
  for (const auto& o : offsets) out.push_back(o.offset);
  return out;
}

TEST(CheckpointCommitGateTest, OffsetsWaitForTheCheckpointThatCoversThem) {
  CheckpointCommitGate gate;
  // Done, but no checkpoint yet: nothing may be committed.
  EXPECT_EQ(Limited(gate, {{"alerts", 0, 10}, {"alerts", 1, 5}}), (std::vector<int64_t>{-1, -1}));
  CheckpointCommitGate::Offsets cover = gate.Begin();  // A checkpoint starts: it holds 10 and 5.
  EXPECT_EQ(Limited(gate, {{"alerts", 0, 20}}), (std::vector<int64_t>{-1}));  // Done during it.
  gate.Durable(cover);
  // Committable: what the checkpoint covered, not what was done after it began.
  EXPECT_EQ(Limited(gate, {{"alerts", 0, 20}, {"alerts", 1, 5}, {"logs", 0, 3}}),
            (std::vector<int64_t>{10, 5, -1}));
  gate.Durable(gate.Begin());
  EXPECT_EQ(Limited(gate, {{"alerts", 0, 20}, {"logs", 0, 3}}), (std::vector<int64_t>{20, 3}));
}

TEST(CheckpointCommitGateTest, AnOlderCheckpointFinishingLateDoesNotMoveOffsetsBack) {
  CheckpointCommitGate gate;
  Limited(gate, {{"t", 0, 10}});
  CheckpointCommitGate::Offsets older = gate.Begin();
  Limited(gate, {{"t", 0, 30}});
  gate.Durable(gate.Begin());  // Covers 30.
  gate.Durable(older);         // Covers 10: no step back.
  EXPECT_EQ(Limited(gate, {{"t", 0, 30}}), (std::vector<int64_t>{30}));
}

// At start, the offsets the restored state file holds: committable at once, and in the next
// checkpoint's cover even before the source reports anything for that partition.
TEST(CheckpointCommitGateTest, RestoredOffsetsAreDurableAndCovered) {
  CheckpointCommitGate gate;
  CheckpointCommitGate::Offsets saved;
  saved[{"t", 0}] = 40;
  gate.Restore(saved);
  EXPECT_EQ(gate.Begin(), saved);
  // The group had committed only 25 (the commit after the checkpoint was lost): the partition
  // starts at 40 (KafkaSourceOptions::start_offset) and its first done offsets commit right away.
  EXPECT_EQ(Limited(gate, {{"t", 0, 41}}), (std::vector<int64_t>{40}));
  gate.Durable(gate.Begin());
  EXPECT_EQ(Limited(gate, {{"t", 0, 41}}), (std::vector<int64_t>{41}));
}

}  // namespace
}  // namespace quell::app
