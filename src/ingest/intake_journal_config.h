// src/ingest/intake_journal_config.h
//
// IntakeJournalConfig: the `ingest.journal` section of quell.yaml (the HTTP intake's write-ahead
// log, intake_journal.h). Absent = no journal: what the HTTP intake accepted after the last state
// checkpoint is lost in a crash.
//
//   ingest:
//     journal:
//       dir: /var/lib/quell/intake-journal   # required; created when missing
//       fsync: always                        # always (default): on disk before the 2xx answer;
//                                            # never: survives a crash of the process only
//
// The journal is trimmed at the correlation state checkpoints, so it needs correlate.state_file
// (LoadConfig checks it and names this section's position).
#ifndef QUELL_INGEST_INTAKE_JOURNAL_CONFIG_H_
#define QUELL_INGEST_INTAKE_JOURNAL_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::ingest {

struct IntakeJournalConfig {
  std::string dir;    // Empty = no journal.
  bool fsync = true;  // fsync: always.
  core::SourceLocation where;
};

// Parses the `ingest.journal` mapping. Errors: "file:line:col: ingest.journal.<key>: detail".
[[nodiscard]] absl::StatusOr<IntakeJournalConfig> ParseIntakeJournalConfig(const core::YamlNode& node);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_INTAKE_JOURNAL_CONFIG_H_
