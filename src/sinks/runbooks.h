// src/sinks/runbooks.h
//
// Runbooks: every paging route names a runbook (a file under `runbooks.dir`, e.g.
// "checkout-errors.md"); notifications carry a link to it (Notification::runbook_url). The config
// loader calls ValidateRunbook for each route's runbook so a typo fails the load, pointing at the
// route. The link prefix is decided in one place, the config loader (app/quell_config.cc): when
// `correlate.runbook_base_url` is unset it becomes RunbookBaseUrl(runbooks), so the engine, which
// appends the route's runbook name when it builds a Notification, and every sink (which only reads
// runbook_url) agree, at start and on reload. Plain functions, safe from any thread.
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

// The prefix of runbook links: `config.base_url` with a trailing '/' added if missing, or, when
// base_url is empty, "file://<config.dir made absolute against the working directory>/".
// Never empty; the link for runbook "x.md" is RunbookBaseUrl(config) + "x.md".
std::string RunbookBaseUrl(const RunbookConfig& config);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_RUNBOOKS_H_
