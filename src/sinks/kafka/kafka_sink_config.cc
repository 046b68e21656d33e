// src/sinks/kafka/kafka_sink_config.cc
#include "sinks/kafka/kafka_sink_config.h"

#include "core/status_macros.h"
#include "core/strings.h"
#include "fmt/format.h"

namespace quell::sinks {
namespace {

constexpr std::string_view kManaged[] = {"bootstrap.servers", "metadata.broker.list",
                                         "enable.idempotence", "message.timeout.ms",
                                         "delivery.timeout.ms"};

}  // namespace

absl::StatusOr<KafkaSinkConfig> ParseKafkaSinkConfig(const core::YamlNode& node) {
  KafkaSinkConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "kafka_configs entry", {"topic", "brokers", "properties", "send_resolved", "delivery_timeout"}));
  QUELL_RETURN_IF_ERROR(node.RequireString("topic", &c.topic));
  if (c.topic.empty()) return node.Child("topic")->Error("kafka_configs: topic must not be empty");
  if (auto b = node.Child("brokers")) {
    if (b->IsSequence()) {
      QUELL_ASSIGN_OR_RETURN(std::vector<std::string> list, b->AsStringList());
      c.brokers = fmt::format("{}", fmt::join(list, ","));
    } else {
      QUELL_ASSIGN_OR_RETURN(c.brokers, b->AsString());
    }
  }
  QUELL_RETURN_IF_ERROR(node.ReadBool("send_resolved", &c.send_resolved));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("delivery_timeout", &c.delivery_timeout));
  if (c.delivery_timeout < absl::Milliseconds(1)) {
    return node.Child("delivery_timeout")->Error("kafka_configs: delivery_timeout: must be positive");
  }
  if (auto props = node.Child("properties")) {
    QUELL_RETURN_IF_ERROR(props->ExpectMap("kafka_configs: properties"));
    for (const core::YamlEntry& e : props->Entries()) {
      for (std::string_view m : kManaged) {
        if (e.key == m) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: kafka_configs: properties: {}: is managed by Quell (use brokers / delivery_timeout)",
              e.key_location.ToString(), e.key));
        }
      }
      core::KafkaProperty p;
      p.name = e.key;
      p.where = e.key_location;
      QUELL_RETURN_IF_ERROR(core::ParseKafkaPropertyValue(e.value, "kafka_configs: properties", &p));
      c.properties.push_back(std::move(p));
    }
  }
  return c;
}

}  // namespace quell::sinks
