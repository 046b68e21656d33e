// src/core/read_file.h
//
// ReadFile: a whole file's bytes, for the config, rules, tokens, secrets, TLS keys and outbox
// segments Quell reads at once. Errors name the path and the reason:
//   NotFound "PATH: cannot read file: No such file or directory" (the file is missing),
//   Unavailable "PATH: cannot read file: REASON" (any other open or read failure).
// Callers add what the file was for ("tokens file", "secret file") around that message.
// Thread-safe (no shared state).
#ifndef QUELL_CORE_READ_FILE_H_
#define QUELL_CORE_READ_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace quell::core {

[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace quell::core

#endif  // QUELL_CORE_READ_FILE_H_
