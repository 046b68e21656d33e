// src/core/secret_ref.h
//
// SecretRef: how config names a secret (PagerDuty routing key, webhook URL, API key, Kafka SASL
// password) without containing it. In YAML a secret is written as a map with exactly one key:
//
//   routing_key: {env: PD_ROUTING_KEY}        # an environment variable
//   routing_key: {file: /run/secrets/pd_key}  # a file's content, trailing newline trimmed
//
// A plain scalar is rejected ("must be a reference ... never literal"), so config text never holds
// a secret. Resolve() reads the value when the config is loaded; errors name the variable or file,
// never the value. ToString() is safe to log ("env:PD_ROUTING_KEY").
#ifndef QUELL_CORE_SECRET_REF_H_
#define QUELL_CORE_SECRET_REF_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::core {

struct SecretRef {
  enum class Kind { kEnv, kFile };
  Kind kind = Kind::kEnv;
  std::string name;       // Variable name or file path.
  SourceLocation where;   // Of the reference in config.

  // The secret's value. NotFound / InvalidArgument naming `where` and the variable or file when
  // unset, unreadable or empty.
  [[nodiscard]] absl::StatusOr<std::string> Resolve() const;
  std::string ToString() const;  // "env:NAME" or "file:PATH"; never the value.
};

// Parses `{env: NAME}` or `{file: PATH}`; `what` names the field in errors ("routing_key").
[[nodiscard]] absl::StatusOr<SecretRef> ParseSecretRef(const YamlNode& node, std::string_view what);

}  // namespace quell::core

#endif  // QUELL_CORE_SECRET_REF_H_
