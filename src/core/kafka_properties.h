// src/core/kafka_properties.h
//
// KafkaProperty: one librdkafka pass-through property of a Kafka client Quell builds (the ingest
// source's consumer and dead-letter producer, a Kafka receiver's producer), and the rules every
// such client shares: which property names hold secrets, that a secret is only ever given as a
// core::SecretRef ({env: NAME} / {file: PATH}) and never literally, and that a secret value
// never appears in an error or a log line. Lives in core/ because ingest/ and sinks/ both need
// it and may not include each other. Plain values and pure functions: any thread.
#ifndef QUELL_CORE_KAFKA_PROPERTIES_H_
#define QUELL_CORE_KAFKA_PROPERTIES_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/secret_ref.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::core {

// A librdkafka property: a literal value, or a secret reference resolved when the client is built.
struct KafkaProperty {
  std::string name;                // librdkafka property name, e.g. "security.protocol".
  std::string literal;             // The value, when `secret` is empty.
  std::optional<SecretRef> secret;  // {env: NAME} / {file: PATH}.
  SourceLocation where;            // Of the property's key in config.
};

// True for librdkafka properties whose values are secrets: sasl.password, ssl.key.password,
// ssl.keystore.password, ssl.key.pem, sasl.oauthbearer.client.secret, sasl.oauthbearer.config,
// and any name containing "password" or "secret".
bool IsSecretKafkaProperty(std::string_view name);

// `value`, or "[redacted]" when `name` is a secret property. Use wherever a property is printed.
std::string RedactKafkaProperty(std::string_view name, std::string_view value);

// Parses the YAML value of property `out->name` into `out`: a scalar literal, or a {env:}/{file:}
// reference. A literal value for a secret property is an InvalidArgument error at the value's
// file:line:col that does not echo the value. `context` prefixes errors ("properties",
// "kafka_configs: properties").
[[nodiscard]] absl::Status ParseKafkaPropertyValue(const YamlNode& value, std::string_view context,
                                                   KafkaProperty* out);

// Resolves secret references, in order. Errors read "file:line:col: <context>: <name>: <detail>"
// (the reference's position), naming the variable or file, never a value.
[[nodiscard]] absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ResolveKafkaProperties(
    const std::vector<KafkaProperty>& properties, std::string_view context);

// The detail for a property librdkafka's rd_kafka_conf_set refused: its message `error`, which may
// quote the value, or "invalid value ([redacted])" for a secret property.
std::string KafkaPropertyErrorDetail(std::string_view name, std::string_view error);

}  // namespace quell::core

#endif  // QUELL_CORE_KAFKA_PROPERTIES_H_
