// src/app/checkpoint_marks.h
//
// CheckpointMarks: what a correlation state checkpoint holds of each input, saved with it in the
// state file (StateDocument's "marks"), so that a restart skips exactly that:
//   - kafka: per (topic, partition) the next offset whose message is not in the state
//     (CheckpointCommitGate::Begin() when the checkpoint began). The group's commit of those
//     offsets follows the checkpoint; a crash between the two used to re-read their messages into
//     the restored state (alerts absorb that, a deploy gate's evidence counted them twice). The
//     Kafka source now starts each partition at the larger of the two (KafkaSourceOptions::
//     start_offset).
//   - journal: the newest intake journal segment whose records are all in the state
//     (IntakeJournal::BeginCheckpoint()). A crash between the checkpoint and the trim of those
//     segments used to replay them into the state again; IntakeJournal::Open now drops them.
//   - journal_checkpoint: the journal's number of this checkpoint (IntakeJournal::
//     checkpoint_number()). Journal lines after the mark that were already in the snapshot are
//     marked with it ("in_checkpoint"), and the replay after a restore skips them.
//
//   {"kafka":[["topic",partition,offset],...],"journal":segment,"journal_checkpoint":number}
//
// A value type. Parse errors: DataLoss naming what is wrong.
#ifndef QUELL_APP_CHECKPOINT_MARKS_H_
#define QUELL_APP_CHECKPOINT_MARKS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "app/checkpoint_commit_gate.h"

namespace quell::app {

struct CheckpointMarks {
  CheckpointCommitGate::Offsets kafka;
  uint64_t journal = 0;  // 0: no journal segment.
  uint64_t journal_checkpoint = 0;  // 0: none.

  std::string ToJson() const;
  [[nodiscard]] static absl::StatusOr<CheckpointMarks> Parse(std::string_view json);
  // The saved Kafka offset of a partition, or -1.
  int64_t KafkaOffset(std::string_view topic, int32_t partition) const;
};

}  // namespace quell::app

#endif  // QUELL_APP_CHECKPOINT_MARKS_H_
