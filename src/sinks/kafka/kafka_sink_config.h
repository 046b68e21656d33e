// src/sinks/kafka/kafka_sink_config.h
//
// One entry of a receiver's `kafka_configs:`: publish each notification to a Kafka topic with an
// idempotent producer, keyed by the notification's dedup key (so one incident's updates share a
// partition and stay ordered). Example:
//
//   receivers:
//     - name: incidents-bus
//       kafka_configs:
//         - topic: quell-incidents
//           brokers: "kafka-1:9092,kafka-2:9092"  # default: ingest.kafka.brokers (filled by app/)
//           properties:                            # any librdkafka producer property
//             security.protocol: SASL_SSL
//             sasl.mechanisms: SCRAM-SHA-512
//             sasl.username: quell
//             sasl.password: {env: QUELL_KAFKA_PASSWORD}   # secrets: {env:} / {file:} only
//
// Field comments are the docs (docs/kafka.md repeats them). Plain values.
#ifndef QUELL_SINKS_KAFKA_KAFKA_SINK_CONFIG_H_
#define QUELL_SINKS_KAFKA_KAFKA_SINK_CONFIG_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/secret_ref.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::sinks {

// A librdkafka property: a literal, or a secret reference resolved when the producer is built.
struct KafkaSinkProperty {
  std::string name;
  std::string literal;
  std::optional<core::SecretRef> secret;
  core::SourceLocation where;
};

struct KafkaSinkConfig {
  std::string topic;                     // Required.
  std::string brokers;                   // bootstrap.servers; empty: app/ fills ingest.kafka.brokers.
  std::vector<KafkaSinkProperty> properties;  // Producer properties (not bootstrap.servers,
                                              // enable.idempotence: Quell sets them).
  bool send_resolved = true;             // Default: true. Resolved incidents are published too.
  // How long one delivery attempt may take (message.timeout.ms) before it reports Unavailable.
  absl::Duration delivery_timeout = absl::Seconds(30);
  core::SourceLocation where;
};

// Parses one `kafka_configs` entry. Unknown keys, a missing topic, literal secrets (sasl.password,
// ssl.key.password, any name containing "password" or "secret") and Quell-managed properties are
// errors with file:line:col.
[[nodiscard]] absl::StatusOr<KafkaSinkConfig> ParseKafkaSinkConfig(const core::YamlNode& node);

// Resolves the properties' secret references. Errors name the property and the reference, never a
// value.
[[nodiscard]] absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ResolveKafkaSinkProperties(
    const std::vector<KafkaSinkProperty>& properties);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_KAFKA_KAFKA_SINK_CONFIG_H_
