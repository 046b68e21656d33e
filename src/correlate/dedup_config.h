// src/correlate/dedup_config.h
//
// `dedup:` which labels make an alert's fingerprint, per input format. By default every label
// does (Alertmanager's identity). A format listed here is fingerprinted over `labels` only, so
// e.g. Datadog webhooks that carry a changing `host` tag still deduplicate per monitor:
//
//   dedup:
//     - format: datadog_webhook      # core::FormatName spelling
//       labels: [alertname, service, env]
#ifndef QUELL_CORRELATE_DEDUP_CONFIG_H_
#define QUELL_CORRELATE_DEDUP_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/signal.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct DedupRule {
  core::Format format = core::Format::kUnknown;
  std::vector<std::string> labels;  // Sorted, unique, non-empty.
  core::SourceLocation where;
};

struct DedupConfig {
  std::vector<DedupRule> rules;
  // The rule for `format`, or nullptr (all labels).
  const DedupRule* Find(core::Format format) const {
    for (const DedupRule& r : rules) {
      if (r.format == format) return &r;
    }
    return nullptr;
  }
};

[[nodiscard]] absl::StatusOr<DedupConfig> ParseDedup(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_DEDUP_CONFIG_H_
