#include "core/kafka_properties.h"

#include <cstdlib>

#include "core/status_macros.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::core {
namespace {

using ::quell::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Parses every entry of the map `yaml` as a property under context "properties".
absl::StatusOr<std::vector<KafkaProperty>> ParseAll(const std::string& yaml) {
  QUELL_ASSIGN_OR_RETURN(YamlNode root, YamlNode::LoadString(yaml, "k.yaml"));
  std::vector<KafkaProperty> out;
  for (const YamlEntry& e : root.Entries()) {
    KafkaProperty p;
    p.name = e.key;
    p.where = e.key_location;
    QUELL_RETURN_IF_ERROR(ParseKafkaPropertyValue(e.value, "properties", &p));
    out.push_back(std::move(p));
  }
  return out;
}

TEST(KafkaPropertiesTest, SecretNames) {
  for (const char* n : {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem",
                        "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret",
                        "some.future.password.thing", "my.secret"}) {
    EXPECT_TRUE(IsSecretKafkaProperty(n)) << n;
  }
  for (const char* n : {"sasl.username", "security.protocol", "ssl.ca.location", "client.id"}) {
    EXPECT_FALSE(IsSecretKafkaProperty(n)) << n;
  }
  EXPECT_EQ(RedactKafkaProperty("sasl.password", "hunter2"), "[redacted]");
  EXPECT_EQ(RedactKafkaProperty("security.protocol", "SSL"), "SSL");
  EXPECT_EQ(KafkaPropertyErrorDetail("ssl.key.pem", "bad value 'BEGIN KEY'"), "invalid value ([redacted])");
  EXPECT_EQ(KafkaPropertyErrorDetail("acks", "bad value 'x'"), "bad value 'x'");
}

TEST(KafkaPropertiesTest, LiteralSecretIsRejectedWithoutEchoingIt) {
  auto s = ParseAll("client.id: q\nsasl.password: hunter2-literal\n");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          AllOf(HasSubstr("k.yaml:2:16: properties: sasl.password: "),
                                HasSubstr("never literally"), Not(HasSubstr("hunter2")))));
  EXPECT_THAT(ParseAll("acks: [1, 2]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k.yaml:1:7: properties: acks: expected")));
}

TEST(KafkaPropertiesTest, ResolvesReferencesAndNamesTheMissingOne) {
  ASSERT_EQ(setenv("QUELL_TEST_KAFKA_PROPERTIES_PW", "s3cret-value", 1), 0);
  ASSERT_OK_AND_ASSIGN(auto props, ParseAll("sasl.password: {env: QUELL_TEST_KAFKA_PROPERTIES_PW}\n"
                                            "client.id: quell-a\n"));
  ASSERT_OK_AND_ASSIGN(auto resolved, ResolveKafkaProperties(props, "properties"));
  ASSERT_EQ(resolved.size(), 2u);
  EXPECT_EQ(resolved[0], (std::pair<std::string, std::string>("sasl.password", "s3cret-value")));
  EXPECT_EQ(resolved[1], (std::pair<std::string, std::string>("client.id", "quell-a")));

  ASSERT_OK_AND_ASSIGN(props, ParseAll("sasl.password: {env: QUELL_TEST_KAFKA_PROPERTIES_UNSET}\n"));
  EXPECT_THAT(ResolveKafkaProperties(props, "kafka_configs: properties"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("k.yaml:1:16: kafka_configs: properties: sasl.password: "),
                             HasSubstr("QUELL_TEST_KAFKA_PROPERTIES_UNSET"))));
}

}  // namespace
}  // namespace quell::core
