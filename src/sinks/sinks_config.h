// src/sinks/sinks_config.h
//
// SinksConfig: the sinks' part of quell.yaml, read from the root document by ParseSinksConfig:
//
//   receivers:                       # Alertmanager-like: a named list of integrations
//     - name: oncall
//       rate_limit: {per_second: 5, burst: 10}   # optional, per integration
//       pagerduty_configs: [...]     # pagerduty/pagerduty_config.h
//       slack_configs: [...]         # slack/slack_config.h
//       webhook_configs: [...]       # webhook/webhook_config.h
//       kafka_configs: [...]         # src/sinks/kafka/ (parsed by the Kafka receiver's own parser)
//       file_configs: [...]          # file/file_config.h
//       stdout_configs: [...]        # stdout/stdout_config.h
//   redaction: {...}                 # redactor.h
//   outbox: {...}                    # outbox.h (with retry: and circuit_breaker:)
//   runbooks: {dir: runbooks, base_url: https://...}   # runbooks.h
//   global: {slack_api_url: ..., pagerduty_url: ...}  # receiver_defaults.h (Alertmanager's)
//
// Other top-level keys are ignored (they belong to other components). Unknown keys inside these
// sections are errors; every error reads "file:line:col: ...". Receiver names are unique and
// non-empty; a receiver with no integrations is allowed (it discards, like Alertmanager's).
// Plain value.
#ifndef QUELL_SINKS_SINKS_CONFIG_H_
#define QUELL_SINKS_SINKS_CONFIG_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"
#include "sinks/dispatcher.h"
#include "sinks/file/file_config.h"
#include "sinks/outbox.h"
#include "sinks/pagerduty/pagerduty_config.h"
#include "sinks/receiver_defaults.h"
#include "sinks/redactor.h"
#include "sinks/runbooks.h"
#include "sinks/slack/slack_config.h"
#include "sinks/stdout/stdout_config.h"
#include "sinks/webhook/webhook_config.h"

namespace quell::sinks {

struct ReceiverConfig {
  std::string name;                              // Required, unique. Routes name it.
  std::optional<RateLimit> rate_limit;           // rate_limit: {per_second, burst}. Default: none.
  std::vector<PagerDutyConfig> pagerduty_configs;
  std::vector<SlackConfig> slack_configs;
  std::vector<WebhookConfig> webhook_configs;
  // Raw entries for the Kafka receiver (src/sinks/kafka/), which owns their schema; validated
  // only as mappings here.
  std::vector<core::YamlNode> kafka_configs;
  std::vector<FileConfig> file_configs;
  std::vector<StdoutConfig> stdout_configs;
  core::SourceLocation where;
};

struct SinksConfig {
  std::vector<ReceiverConfig> receivers;
  RedactionConfig redaction;
  OutboxConfig outbox;
  RunbookConfig runbooks;
  // Alertmanager's global receiver settings, applied to the receivers parsed with this config
  // (and to those of its include fragments).
  ReceiverDefaults receiver_defaults;

  // Names of all receivers (the engine checks route references against this set).
  std::set<std::string> receiver_names() const;
  // The receiver named `name`, or null.
  const ReceiverConfig* Find(std::string_view name) const;
};

// Reads `receivers`, `redaction`, `outbox`, `runbooks` from `root` (a mapping), and the receiver
// defaults of Alertmanager's `global` section (receiver_defaults.h); absent sections keep their
// defaults.
[[nodiscard]] absl::StatusOr<SinksConfig> ParseSinksConfig(const core::YamlNode& root);
// `defaults`: Alertmanager's global receiver settings (receiver_defaults.h), which ParseSinksConfig
// reads from the root's `global` section.
[[nodiscard]] absl::StatusOr<ReceiverConfig> ParseReceiverConfig(const core::YamlNode& node,
                                                                 const ReceiverDefaults& defaults = {});

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SINKS_CONFIG_H_
