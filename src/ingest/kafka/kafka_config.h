// src/ingest/kafka/kafka_config.h
//
// KafkaSourceConfig: the `ingest.kafka` section of quell.yaml as a plain struct, its parser
// (core::YamlNode: every error reads "file:line:col: what: detail", unknown keys are errors) and
// the resolution of librdkafka pass-through properties, whose secret values are never literal in
// config: they are references `{env: NAME}` or `{file: PATH}` resolved when the source is built.
//
//   ingest:
//     kafka:
//       brokers: "kafka-1:9092,kafka-2:9092"   # or a list
//       group_id: quell
//       topics:
//         - name: alerts                         # exact topic name
//           format: alertmanager                 # core::FormatName spelling
//         - regex: "^otlp-.*"                    # librdkafka regex subscription (leading ^)
//           format: auto                         # from each message's headers (see docs/kafka.md)
//         - name: otlp_logs                      # the OpenTelemetry Collector's Kafka exporter
//           format: otlp_logs
//           encoding: protobuf                   # its default otlp_proto encoding (json: otlp_json)
//       dead_letter_topic: quell-dead-letters
//       batch_size: 1000
//       poll_timeout: 100ms
//       properties:                              # any librdkafka property
//         security.protocol: SASL_SSL
//         sasl.mechanisms: SCRAM-SHA-512
//         sasl.username: quell
//         sasl.password: {env: QUELL_KAFKA_PASSWORD}
//
// Field comments are the reference documentation. Plain values: copy freely, no threading rules.
#ifndef QUELL_INGEST_KAFKA_KAFKA_CONFIG_H_
#define QUELL_INGEST_KAFKA_KAFKA_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/kafka_properties.h"
#include "core/signal.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::ingest {

// One subscription entry: exactly one of `name:` or `regex:`.
struct KafkaTopicConfig {
  std::string pattern;    // Topic name, or a regex starting with '^' (librdkafka's convention).
  bool is_regex = false;  // True when given as `regex:` (the pattern then starts with '^').
  // The wire format of every message on the topic. kUnknown (`format: auto`, the default) reads
  // it from each message's `quell-format` or `content-type` header (docs/kafka.md).
  core::Format format = core::Format::kUnknown;
  // `encoding: protobuf` (alias `otlp_proto`, the OpenTelemetry Collector Kafka exporter's
  // default): OTLP messages in binary protobuf (otlp_protobuf_parser.h). Only with an OTLP
  // format; the default, `json` (alias `otlp_json`), is what every format reads.
  bool protobuf = false;
  core::SourceLocation where;
};

struct KafkaSourceConfig {
  std::string brokers;                    // Required. bootstrap.servers: "host:port,host:port".
  std::string group_id = "quell";         // Consumer group; instances sharing it split partitions.
  std::vector<KafkaTopicConfig> topics;   // Required, at least one.
  std::string dead_letter_topic;          // Empty: malformed messages are counted and skipped.
  std::vector<core::KafkaProperty> properties;  // To librdkafka (consumer, dead-letter producer).
  int64_t batch_size = 1000;              // Max messages taken per poll round, 1..100000.
  // Consumers this instance runs in the group, 1..64, each with its own poll thread and parsers
  // (Kafka Streams' num.stream.threads): the group protocol splits the partitions between them,
  // so consume + parse uses that many cores. More consumers than partitions leave some idle.
  int64_t consumers = 1;
  absl::Duration poll_timeout = absl::Milliseconds(100);    // Max wait of one consume call.
  absl::Duration commit_interval = absl::Milliseconds(500); // auto.commit.interval.ms of done offsets.
  // How long a revoked partition (rebalance, shutdown) waits for its in-flight batches before it
  // is given up uncommitted (the next owner then re-reads them: at-least-once).
  absl::Duration revoke_timeout = absl::Seconds(30);
  core::SourceLocation where;
};

// Parses the `kafka` mapping (the value of `ingest.kafka`). Validates: brokers and topics present,
// each topic has exactly one of name/regex, regexes start with '^', formats known, batch_size in
// range, secret properties (core::IsSecretKafkaProperty) given as {env:}/{file:} references, and no
// property Quell manages itself (group.id, bootstrap.servers, enable.auto.commit,
// enable.auto.offset.store: the source commits only processed offsets).
[[nodiscard]] absl::StatusOr<KafkaSourceConfig> ParseKafkaSourceConfig(const core::YamlNode& node);

// Parses one `properties:` map. Same rules as above. Resolve the result with
// core::ResolveKafkaProperties(properties, "properties") when building the client.
[[nodiscard]] absl::StatusOr<std::vector<core::KafkaProperty>> ParseKafkaProperties(
    const core::YamlNode& node);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_KAFKA_KAFKA_CONFIG_H_
