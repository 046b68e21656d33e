// src/core/state_file.h
//
// Whole-file state snapshots (the silences, the correlation state): written so that a reader,
// after any crash, finds either the previous snapshot or the new one, never a torn mix.
//
// WriteStateFile writes `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the directory
// (as Alertmanager's silence snapshot and Prometheus' WAL checkpoints do). ReadStateFile returns
// the file's bytes, or std::nullopt when it does not exist. Errors: Unavailable (I/O: retry at the
// next write), DataLoss (a file that exists but cannot be read). Thread-compatible: callers
// serialize writes to one path.
#ifndef QUELL_CORE_STATE_FILE_H_
#define QUELL_CORE_STATE_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace quell::core {

[[nodiscard]] absl::Status WriteStateFile(const std::string& path, std::string_view bytes);
[[nodiscard]] absl::StatusOr<std::optional<std::string>> ReadStateFile(const std::string& path);

}  // namespace quell::core

#endif  // QUELL_CORE_STATE_FILE_H_
