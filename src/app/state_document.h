// src/app/state_document.h
//
// StateDocument: the correlation state file's one JSON document (ADR 0044), holding the engine's
// snapshot and the deploy gates' side by side so that one atomic write (core::WriteStateFile)
// covers both, and one checkpoint mark (Kafka offsets, intake journal) is true for both:
//
//   {"version":2,"engine":<ShardedEngine::SerializeState()>,"gates":<GateEvaluator::Serialize()>,
//    "marks":<CheckpointMarks::ToJson()>}
//
// ("marks": since session 13; what the checkpoint holds of the Kafka partitions and the intake
// journal. Absent in older files: marks() is then empty.)
//
// A version-1 file (written before the gates were saved) is the engine's snapshot alone: Parse
// reads it as engine() with no gates(). Parse finds the two parts with simdjson On-Demand (stage 1
// and a skip over each part, no document tree); engine() and gates() view into the StateDocument's
// own copy of the bytes. Errors: DataLoss for a file that is neither version. A value type.
#ifndef QUELL_APP_STATE_DOCUMENT_H_
#define QUELL_APP_STATE_DOCUMENT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace quell::app {

class StateDocument {
 public:
  static std::string Compose(std::string_view engine, std::string_view gates, std::string_view marks = {});
  [[nodiscard]] static absl::StatusOr<StateDocument> Parse(std::string_view bytes);

  std::string_view engine() const { return engine_; }
  std::string_view gates() const { return gates_; }  // Empty: no gate state saved (version 1).
  std::string_view marks() const { return marks_; }  // Empty: no marks saved (before session 13).
  int version() const { return version_; }

 private:
  simdjson::padded_string bytes_;
  std::string_view engine_, gates_, marks_;
  int version_ = 0;
};

}  // namespace quell::app

#endif  // QUELL_APP_STATE_DOCUMENT_H_
