// src/ingest/kafka/kafka_config.cc
#include "ingest/kafka/kafka_config.h"


#include "core/status_macros.h"
#include "core/strings.h"
#include "fmt/format.h"

namespace quell::ingest {
namespace {

// Properties Quell sets itself; overriding them would break the delivery guarantees.
constexpr std::string_view kManagedProperties[] = {
    "group.id", "bootstrap.servers", "metadata.broker.list", "enable.auto.commit",
    "enable.auto.offset.store"};

absl::StatusOr<KafkaTopicConfig> ParseTopic(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("topics[]", {"name", "regex", "format", "encoding"}));
  KafkaTopicConfig t;
  t.where = node.location();
  auto name = node.Child("name");
  auto regex = node.Child("regex");
  if (name.has_value() == regex.has_value()) {
    return node.Error("topics[]: give exactly one of name or regex");
  }
  const core::YamlNode& p = name ? *name : *regex;
  QUELL_ASSIGN_OR_RETURN(t.pattern, p.AsString());
  if (t.pattern.empty()) return p.Error("topics[]: empty topic");
  if (regex) {
    t.is_regex = true;
    if (t.pattern[0] != '^') {
      return p.Error("topics[]: regex: must start with '^' (librdkafka treats only such names as "
                     "regular expressions)");
    }
  } else if (t.pattern[0] == '^') {
    return p.Error("topics[]: name: starts with '^'; use regex: for patterns");
  }
  if (auto f = node.Child("format")) {
    QUELL_ASSIGN_OR_RETURN(std::string s, f->AsString());
    if (s != "auto" && !core::ParseFormatName(s, &t.format)) {
      return f->Error(fmt::format(
          "topics[]: format: unknown format \"{}\" (allowed: auto, datadog_webhook, datadog_event, "
          "datadog_log, otlp_logs, otlp_traces, otlp_metrics, alertmanager, quell)",
          s));
    }
  }
  if (auto e = node.Child("encoding")) {
    QUELL_ASSIGN_OR_RETURN(std::string s, e->AsString());
    if (s == "protobuf" || s == "otlp_proto") {
      t.protobuf = true;
    } else if (s != "json" && s != "otlp_json") {
      return e->Error(fmt::format("topics[]: encoding: unknown encoding \"{}\" (allowed: json, protobuf; "
                                  "the Collector's names otlp_json, otlp_proto)",
                                  s));
    }
    if (t.protobuf && t.format != core::Format::kOtlpLogs && t.format != core::Format::kOtlpTraces &&
        t.format != core::Format::kOtlpMetrics) {
      return e->Error("topics[]: encoding: protobuf needs format otlp_logs, otlp_traces or otlp_metrics");
    }
  }
  return t;
}

}  // namespace

absl::StatusOr<std::vector<core::KafkaProperty>> ParseKafkaProperties(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectMap("properties"));
  std::vector<core::KafkaProperty> out;
  for (const core::YamlEntry& e : node.Entries()) {
    core::SourceLocation where = e.key_location;
    for (std::string_view m : kManagedProperties) {
      if (e.key == m) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: properties: {}: is managed by Quell (use brokers/group_id; offsets are committed "
            "only after processing)",
            where.ToString(), e.key));
      }
    }
    for (const core::KafkaProperty& p : out) {
      if (p.name == e.key) {
        return absl::InvalidArgumentError(
            fmt::format("{}: properties: {}: listed twice", where.ToString(), e.key));
      }
    }
    core::KafkaProperty p;
    p.name = e.key;
    p.where = std::move(where);
    QUELL_RETURN_IF_ERROR(core::ParseKafkaPropertyValue(e.value, "properties", &p));
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<KafkaSourceConfig> ParseKafkaSourceConfig(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "ingest.kafka", {"brokers", "group_id", "topics", "dead_letter_topic", "properties",
                       "batch_size", "consumers", "poll_timeout", "commit_interval", "revoke_timeout"}));
  KafkaSourceConfig c;
  c.where = node.location();
  auto brokers = node.Child("brokers");
  if (!brokers) return node.Error("ingest.kafka: brokers: required");
  if (brokers->IsSequence()) {
    QUELL_ASSIGN_OR_RETURN(std::vector<std::string> list, brokers->AsStringList());
    c.brokers = fmt::format("{}", fmt::join(list, ","));
  } else {
    QUELL_ASSIGN_OR_RETURN(c.brokers, brokers->AsString());
  }
  if (c.brokers.empty()) return brokers->Error("ingest.kafka: brokers: empty");
  QUELL_RETURN_IF_ERROR(node.ReadString("group_id", &c.group_id));
  if (c.group_id.empty()) return node.Child("group_id")->Error("ingest.kafka: group_id: empty");

  auto topics = node.Child("topics");
  if (!topics) return node.Error("ingest.kafka: topics: required");
  QUELL_RETURN_IF_ERROR(topics->ExpectSequence("ingest.kafka: topics"));
  for (const core::YamlNode& t : topics->Items()) {
    QUELL_ASSIGN_OR_RETURN(KafkaTopicConfig tc, ParseTopic(t));
    for (const KafkaTopicConfig& prev : c.topics) {
      if (prev.pattern == tc.pattern) {
        return t.Error(fmt::format("topics[]: \"{}\" is listed twice (first at {})", tc.pattern,
                                   prev.where.ToString()));
      }
    }
    c.topics.push_back(std::move(tc));
  }
  if (c.topics.empty()) return topics->Error("ingest.kafka: topics: at least one topic is required");

  QUELL_RETURN_IF_ERROR(node.ReadString("dead_letter_topic", &c.dead_letter_topic));
  for (const KafkaTopicConfig& t : c.topics) {
    if (!t.is_regex && !c.dead_letter_topic.empty() && t.pattern == c.dead_letter_topic) {
      return node.Child("dead_letter_topic")
          ->Error("ingest.kafka: dead_letter_topic: is also a consumed topic");
    }
  }
  if (auto p = node.Child("properties")) {
    QUELL_ASSIGN_OR_RETURN(c.properties, ParseKafkaProperties(*p));
  }
  QUELL_RETURN_IF_ERROR(node.ReadInt("batch_size", &c.batch_size));
  if (c.batch_size < 1 || c.batch_size > 100000) {
    return node.Child("batch_size")->Error("ingest.kafka: batch_size: must be in 1..100000");
  }
  QUELL_RETURN_IF_ERROR(node.ReadInt("consumers", &c.consumers));
  if (c.consumers < 1 || c.consumers > 64) {
    return node.Child("consumers")->Error("ingest.kafka: consumers: must be in 1..64");
  }
  QUELL_RETURN_IF_ERROR(node.ReadDuration("poll_timeout", &c.poll_timeout));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("commit_interval", &c.commit_interval));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("revoke_timeout", &c.revoke_timeout));
  if (c.poll_timeout <= absl::ZeroDuration() || c.poll_timeout > absl::Seconds(10)) {
    return node.Child("poll_timeout")->Error("ingest.kafka: poll_timeout: must be in (0, 10s]");
  }
  if (c.commit_interval < absl::ZeroDuration()) {
    return node.Child("commit_interval")->Error("ingest.kafka: commit_interval: negative");
  }
  if (c.revoke_timeout < absl::ZeroDuration()) {
    return node.Child("revoke_timeout")->Error("ingest.kafka: revoke_timeout: negative");
  }
  return c;
}

}  // namespace quell::ingest
