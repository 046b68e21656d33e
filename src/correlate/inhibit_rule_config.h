// src/correlate/inhibit_rule_config.h
//
// `inhibit_rules:` with Alertmanager semantics: a firing alert matching source_matchers mutes
// alerts matching target_matchers when the labels in `equal` have equal values on both (a label
// missing on both counts as equal). Legacy source_match/_re and target_match/_re are accepted.
// Quell addition: `source_started_before_target: true` mutes a target only when the source
// started no later than the target. Optional `name:` names the rule in explain output.
#ifndef QUELL_CORRELATE_INHIBIT_RULE_CONFIG_H_
#define QUELL_CORRELATE_INHIBIT_RULE_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"
#include "correlate/matcher.h"

namespace quell::correlate {

struct InhibitRuleConfig {
  std::string name;                 // Default: "inhibit_rules[<index>]".
  Matchers source_matchers;
  Matchers target_matchers;
  std::vector<std::string> equal;   // Sorted label names.
  bool source_started_before_target = false;
  core::SourceLocation where;
};

[[nodiscard]] absl::StatusOr<std::vector<InhibitRuleConfig>> ParseInhibitRules(
    const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_INHIBIT_RULE_CONFIG_H_
