// src/ingest/kafka/kafka_config_test.cc
#include "ingest/kafka/kafka_config.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using ::quell::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<KafkaSourceConfig> Parse(const std::string& yaml) {
  auto node = core::YamlNode::LoadString(yaml, "quell.yaml");
  if (!node.ok()) return node.status();
  return ParseKafkaSourceConfig(*node);
}

TEST(KafkaConfigTest, ParsesEveryField) {
  ASSERT_OK_AND_ASSIGN(KafkaSourceConfig c, Parse(R"(
brokers: [a:9092, b:9092]
group_id: quell-prod
topics:
  - name: alerts
    format: alertmanager
  - regex: "^otlp-.*"
    format: auto
dead_letter_topic: dead
batch_size: 500
consumers: 4
poll_timeout: 50ms
commit_interval: 1s
revoke_timeout: 10s
properties:
  security.protocol: SASL_SSL
  fetch.max.bytes: 1048576
  sasl.password: {env: KAFKA_PW}
)"));
  EXPECT_EQ(c.brokers, "a:9092,b:9092");
  EXPECT_EQ(c.group_id, "quell-prod");
  ASSERT_EQ(c.topics.size(), 2u);
  EXPECT_EQ(c.topics[0].pattern, "alerts");
  EXPECT_FALSE(c.topics[0].is_regex);
  EXPECT_EQ(c.topics[0].format, core::Format::kAlertmanager);
  EXPECT_TRUE(c.topics[1].is_regex);
  EXPECT_EQ(c.topics[1].format, core::Format::kUnknown);
  EXPECT_EQ(c.topics[1].where.line, 7);  // The raw string starts with a newline.
  EXPECT_EQ(c.dead_letter_topic, "dead");
  EXPECT_EQ(c.batch_size, 500);
  EXPECT_EQ(c.consumers, 4);
  EXPECT_EQ(c.poll_timeout, absl::Milliseconds(50));
  EXPECT_EQ(c.commit_interval, absl::Seconds(1));
  EXPECT_EQ(c.revoke_timeout, absl::Seconds(10));
  ASSERT_EQ(c.properties.size(), 3u);
  EXPECT_EQ(c.properties[1].literal, "1048576");
  ASSERT_TRUE(c.properties[2].secret.has_value());
  EXPECT_EQ(c.properties[2].secret->ToString(), "env:KAFKA_PW");
}

TEST(KafkaConfigTest, DefaultsLiveInTheStruct) {
  ASSERT_OK_AND_ASSIGN(KafkaSourceConfig c, Parse("brokers: k:9092\ntopics: [{name: t}]\n"));
  EXPECT_EQ(c.group_id, "quell");
  EXPECT_EQ(c.batch_size, 1000);
  EXPECT_EQ(c.consumers, 1);
  EXPECT_EQ(c.poll_timeout, absl::Milliseconds(100));
  EXPECT_TRUE(c.dead_letter_topic.empty());
  EXPECT_EQ(c.topics[0].format, core::Format::kUnknown);
}

TEST(KafkaConfigTest, ErrorsPointAtTheLine) {
  EXPECT_THAT(Parse("brokers: k\ntopics: [{name: t}]\nbatch_sise: 3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("quell.yaml:3:1"), HasSubstr("unknown key \"batch_sise\""))));
  EXPECT_THAT(Parse("topics: [{name: t}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("brokers: required")));
  EXPECT_THAT(Parse("brokers: k\ntopics:\n  - name: t\n    regex: \"^x\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("quell.yaml:3:5"), HasSubstr("exactly one of name or regex"))));
  EXPECT_THAT(Parse("brokers: k\ntopics:\n  - regex: \"x.*\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must start with '^'")));
  EXPECT_THAT(Parse("brokers: k\ntopics:\n  - name: t\n    format: xml\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("quell.yaml:4:13"), HasSubstr("unknown format \"xml\""))));
  EXPECT_THAT(Parse("brokers: k\ntopics: [{name: t}, {name: t}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listed twice")));
  EXPECT_THAT(Parse("brokers: k\ntopics: [{name: t}]\nbatch_size: 0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch_size: must be in")));
  EXPECT_THAT(Parse("brokers: k\ntopics: [{name: t}]\nconsumers: 0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("quell.yaml:3:12"), HasSubstr("consumers: must be in 1..64"))));
  EXPECT_THAT(Parse("brokers: k\ntopics: [{name: t}]\ndead_letter_topic: t\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("also a consumed topic")));
  EXPECT_THAT(Parse("brokers: k\ntopics: []\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least one topic")));
  EXPECT_THAT(Parse("brokers: k\ntopics:\n  - name: t\n    format: otlp_logs\n    encoding: avro\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("quell.yaml:5:15"), HasSubstr("unknown encoding \"avro\""))));
  EXPECT_THAT(Parse("brokers: k\ntopics:\n  - name: t\n    format: alertmanager\n    encoding: protobuf\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("quell.yaml:5:15"), HasSubstr("protobuf needs format otlp_logs"))));
}

TEST(KafkaConfigTest, OtlpTopicsTakeTheCollectorsEncodings) {
  ASSERT_OK_AND_ASSIGN(KafkaSourceConfig c, Parse(R"(
brokers: k:9092
topics:
  - {name: otlp_logs, format: otlp_logs, encoding: otlp_proto}
  - {name: otlp_spans, format: otlp_traces, encoding: protobuf}
  - {name: otlp_metrics, format: otlp_metrics, encoding: otlp_json}
  - {name: alerts, format: alertmanager, encoding: json}
)"));
  ASSERT_EQ(c.topics.size(), 4u);
  EXPECT_TRUE(c.topics[0].protobuf);
  EXPECT_TRUE(c.topics[1].protobuf);
  EXPECT_FALSE(c.topics[2].protobuf);
  EXPECT_FALSE(c.topics[3].protobuf);
}

TEST(KafkaConfigTest, ManagedPropertiesAreRejected) {
  for (const char* p : {"group.id", "bootstrap.servers", "enable.auto.commit", "enable.auto.offset.store"}) {
    EXPECT_THAT(Parse(fmt::format("brokers: k\ntopics: [{{name: t}}]\nproperties:\n  {}: x\n", p)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("quell.yaml:4:3"), HasSubstr("managed by Quell"))))
        << p;
  }
}

TEST(KafkaConfigTest, SecretsMustBeReferencesAndNeverAppearInErrors) {
  auto s = Parse("brokers: k\ntopics: [{name: t}]\nproperties:\n  sasl.password: hunter2-literal\n");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          AllOf(HasSubstr("quell.yaml:4:18"), HasSubstr("never literally"),
                                Not(HasSubstr("hunter2")))));
  s = Parse("brokers: k\ntopics: [{name: t}]\nproperties:\n  ssl.key.password: abc\n");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("abc"))));
}

TEST(KafkaConfigTest, ResolvesEnvAndFileReferences) {
  ASSERT_EQ(setenv("QUELL_TEST_KAFKA_PW", "s3cret-value", 1), 0);
  std::string path = ::testing::TempDir() + "/kafka_pw";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("file-secret\n", f);
    std::fclose(f);
  }
  ASSERT_OK_AND_ASSIGN(KafkaSourceConfig c,
                       Parse(fmt::format("brokers: k\ntopics: [{{name: t}}]\nproperties:\n"
                                         "  sasl.password: {{env: QUELL_TEST_KAFKA_PW}}\n"
                                         "  ssl.key.password: {{file: {}}}\n"
                                         "  client.id: quell-a\n",
                                         path)));
  ASSERT_OK_AND_ASSIGN(auto props, core::ResolveKafkaProperties(c.properties, "properties"));
  ASSERT_EQ(props.size(), 3u);
  EXPECT_EQ(props[0], (std::pair<std::string, std::string>("sasl.password", "s3cret-value")));
  EXPECT_EQ(props[1].second, "file-secret");
  EXPECT_EQ(props[2].second, "quell-a");

  ASSERT_OK_AND_ASSIGN(c, Parse("brokers: k\ntopics: [{name: t}]\nproperties:\n"
                                "  sasl.password: {env: QUELL_TEST_KAFKA_UNSET_VAR}\n"));
  EXPECT_THAT(core::ResolveKafkaProperties(c.properties, "properties"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("quell.yaml:4:18: properties: sasl.password: "),
                             HasSubstr("QUELL_TEST_KAFKA_UNSET_VAR"))));
}

}  // namespace
}  // namespace quell::ingest
