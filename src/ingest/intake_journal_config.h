// src/ingest/intake_journal_config.h
//
// IntakeJournalConfig: the `ingest.journal` section of quell.yaml (the HTTP intake's write-ahead
// log, intake_journal.h). Absent = no journal: what the HTTP intake accepted after the last state
// checkpoint is lost in a crash.
//
//   ingest:
//     journal:
//       dir: /var/lib/quell/intake-journal   # required; created when missing
//       fsync: interval                      # interval (default): fdatasync every fsync_interval
//                                            #   in the background; a crash of the process loses
//                                            #   nothing, one of the machine at most that interval
//                                            # always: on disk before the 2xx answer (each request
//                                            #   waits for a group commit)
//                                            # never: the kernel writes back when it chooses
//       fsync_interval: 1s                   # interval mode only; 10ms..1m
//
// The journal is trimmed at the correlation state checkpoints, so it needs correlate.state_file
// (LoadConfig checks it and names this section's position).
#ifndef QUELL_INGEST_INTAKE_JOURNAL_CONFIG_H_
#define QUELL_INGEST_INTAKE_JOURNAL_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::ingest {

enum class JournalFsync : uint8_t { kInterval = 0, kAlways, kNever };
std::string_view JournalFsyncName(JournalFsync f);  // "interval", "always", "never".

struct IntakeJournalConfig {
  std::string dir;  // Empty = no journal.
  JournalFsync fsync = JournalFsync::kInterval;
  absl::Duration fsync_interval = absl::Seconds(1);
  core::SourceLocation where;
};

// Parses the `ingest.journal` mapping. Errors: "file:line:col: ingest.journal.<key>: detail".
[[nodiscard]] absl::StatusOr<IntakeJournalConfig> ParseIntakeJournalConfig(const core::YamlNode& node);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_INTAKE_JOURNAL_CONFIG_H_
