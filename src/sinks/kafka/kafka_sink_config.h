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
#include "core/kafka_properties.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::sinks {

struct KafkaSinkConfig {
  std::string topic;                     // Required.
  std::string brokers;                   // bootstrap.servers; empty: app/ fills ingest.kafka.brokers.
  std::vector<core::KafkaProperty> properties;  // Producer properties (not bootstrap.servers,
                                               // enable.idempotence: Quell sets them).
  bool send_resolved = true;             // Default: true. Resolved incidents are published too.
  // How long one delivery attempt may take (message.timeout.ms) before it reports Unavailable.
  absl::Duration delivery_timeout = absl::Seconds(30);
  core::SourceLocation where;
};

// Parses one `kafka_configs` entry. Unknown keys, a missing topic, literal secrets
// (core::IsSecretKafkaProperty) and Quell-managed properties are errors with file:line:col.
// Resolve the properties with core::ResolveKafkaProperties(properties, "kafka_configs: properties").
[[nodiscard]] absl::StatusOr<KafkaSinkConfig> ParseKafkaSinkConfig(const core::YamlNode& node);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_KAFKA_KAFKA_SINK_CONFIG_H_
