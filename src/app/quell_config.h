// src/app/quell_config.h
//
// QuellConfig: the whole quell.yaml, loaded, parsed section by section by the component that owns
// each section, and cross-checked. The root document's top-level keys:
//
//   server:          HTTP listener                      (server/server_config.h)
//   ingest:          http (intake), kafka (source), datadog_webhook (field mapping),
//                    dead_letter {path}, replay {file, speed}, journal {dir, fsync}
//   route, inhibit_rules, time_intervals, maintenance_windows, dedup, flapping, transient,
//   topology, deploys, rate_limits, correlate:        the engine's rules (correlate/rules_config.h)
//   receivers, redaction, outbox, runbooks:            delivery (sinks/sinks_config.h)
//   gates:           deploy gates                       (correlate/gates/gate_config.h)
//   auth:            {tokens_file}                      (server/api_tokens.h; absent = auth off)
//   audit:           {path}                             (server/audit_log.h)
//   include:         [file or directory, ...]           fragments, see below
//   global:          {resolve_timeout}                  Alertmanager's; its other keys are errors
//                                                       naming where Quell takes them
//
// Unknown top-level keys are errors. Every error names file:line:col of the offending node.
//
// Fragments (`include`): each entry is a YAML file, or a directory whose *.yaml/*.yml files are
// read in name order; relative entries are relative to the including file's directory. A fragment
// may hold `receivers`, `route` (a subtree appended as a child of the root route, after the root's
// own children, inheriting the root's settings as any child route does),
// `inhibit_rules`, `time_intervals`, `maintenance_windows` and `gates`; these are appended to the
// main file's. Errors in a fragment point at the fragment's own file:line:col, and every route
// keeps the file that defines it (`quell check-config` prints it). Fragments do not include.
//
// Relative paths inside sections (runbooks dir, outbox dir, files) are relative to the working
// directory of the process.
#ifndef QUELL_APP_QUELL_CONFIG_H_
#define QUELL_APP_QUELL_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "correlate/gates/gate_config.h"
#include "correlate/rules_config.h"
#include "ingest/datadog_webhook_mapping.h"
#include "ingest/intake_config.h"
#include "ingest/intake_journal_config.h"
#include "ingest/kafka/kafka_config.h"
#include "server/server_config.h"
#include "sinks/sinks_config.h"

namespace quell::app {

struct ReplayConfig {
  std::string file;   // NDJSON record file replayed at start-up; empty = none.
  double speed = 0;   // 0 = as fast as possible; else real time x speed.
  bool rebase_to_now = false;  // `timestamps: now`: shift the stream so its first record is at start-up.
};

struct QuellConfig {
  std::string path;                    // Main file ("<embedded default>" for the built-in one).
  std::vector<std::string> files;      // Main file and every fragment, in load order.
  std::string content_sha256;          // Over every file's bytes in load order.
  std::string original_yaml;           // The main file's text.

  server::ServerConfig server;
  ingest::IntakeConfig intake;
  std::optional<ingest::KafkaSourceConfig> kafka;
  ingest::DatadogWebhookMapping datadog_webhook = ingest::DatadogWebhookMapping::Default();
  ingest::IntakeJournalConfig journal;  // ingest.journal; dir empty = none.
  std::string dead_letter_path = "quell-dead-letters.jsonl";
  bool dead_letter_redact = true;      // ingest.dead_letter.redact: originals through the redactor.
  ReplayConfig replay;
  correlate::RulesConfig rules;
  sinks::SinksConfig sinks;
  gates::GatesConfig gates;
  std::string tokens_file;             // Empty = API auth off.
  std::string audit_path = "quell-audit.jsonl";
  // global.resolve_timeout, as in Alertmanager: an Alertmanager-format alert posted without
  // endsAt ends this long after it was received unless posted again (0: it fires until resolved).
  absl::Duration resolve_timeout = absl::Minutes(5);
};

// Loads, parses and validates `path` and its fragments. On success rules.settings.runbook_base_url
// is never empty: correlate.runbook_base_url when set, else sinks::RunbookBaseUrl(sinks.runbooks)
// (runbooks.base_url, or file://<absolute runbooks dir>/), so notifications link their runbook.
[[nodiscard]] absl::StatusOr<QuellConfig> LoadConfig(const std::string& path);
// The same for in-memory text named `name`; `base_dir` resolves relative includes.
[[nodiscard]] absl::StatusOr<QuellConfig> LoadConfigString(std::string_view text, const std::string& name,
                                                           const std::string& base_dir);
// The embedded default (config/quell.yaml compiled into the binary). Its bundled read-only files,
// the runbooks directory and the sample stream, come from EmbeddedDefaultResourceDir(); its state
// paths (quell-state/...) stay relative to the working directory.
[[nodiscard]] absl::StatusOr<QuellConfig> LoadEmbeddedDefault();
// The same with the bundled files read from `resource_dir` ("" = the working directory).
[[nodiscard]] absl::StatusOr<QuellConfig> LoadEmbeddedDefaultFrom(const std::string& resource_dir);
std::string_view EmbeddedDefaultConfig();
// Where the embedded default's bundled files are: "" (the working directory) when it holds
// runbooks/default.md and config/sample-stream.ndjson, as the repository root and the Docker image's
// /opt/quell do; else the first of <the quell binary's directory>/../.. (a build tree's build/bin)
// and <that directory>/../share/quell (an installed layout) that holds both, made absolute; else ""
// (and loading reports what is missing from the working directory).
std::string EmbeddedDefaultResourceDir();
// The search above, for a given working directory and executable path.
std::string FindEmbeddedDefaultResources(const std::string& cwd, const std::string& exe);

}  // namespace quell::app

#endif  // QUELL_APP_QUELL_CONFIG_H_
