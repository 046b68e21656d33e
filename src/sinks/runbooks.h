// src/sinks/runbooks.h
//
// Runbooks: every paging route names a runbook (a file under `runbooks.dir`, e.g.
// "checkout-errors.md"); notifications carry a link to it built from `runbooks.base_url`. The
// config loader calls ValidateRunbook for each route's runbook so a typo fails the load, pointing
// at the route; the engine calls RunbookUrl when it builds a Notification. Plain functions, safe
// from any thread.
#ifndef QUELL_SINKS_RUNBOOKS_H_
#define QUELL_SINKS_RUNBOOKS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::sinks {

// The `runbooks:` section.
struct RunbookConfig {
  std::string dir = "runbooks";  // Default: runbooks (relative to the working directory).
  // Default: "file://<absolute dir>/". Typically the repository's browse URL, e.g.
  // https://git.example.com/ops/quell/-/blob/main/runbooks/ (a trailing '/' is added if missing).
  std::string base_url;
  core::SourceLocation where;
};
[[nodiscard]] absl::StatusOr<RunbookConfig> ParseRunbookConfig(const core::YamlNode& node);

// OK iff `name` is a relative path without ".." components naming a regular file under `dir`.
// NotFound / InvalidArgument otherwise ("runbook \"x.md\": not found under runbooks/").
[[nodiscard]] absl::Status ValidateRunbook(std::string_view dir, std::string_view name);

// The link for runbook `name`: base_url (or the file:// default for `config.dir`) + name.
// Empty when `name` is empty.
std::string RunbookUrl(const RunbookConfig& config, std::string_view name);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_RUNBOOKS_H_
