#include "ingest/intake_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<IntakeConfig> Parse(std::string_view yaml) {
  auto node = core::YamlNode::LoadString(yaml, "quell.yaml");
  if (!node.ok()) return node.status();
  return ParseIntakeConfig(*node);
}

TEST(IntakeConfigTest, DefaultsWhenAbsent) {
  auto cfg = Parse("~");
  ASSERT_THAT(cfg, IsOk());
  EXPECT_FALSE(cfg->require_api_key);
  EXPECT_TRUE(cfg->datadog_api_keys.empty());
  EXPECT_EQ(cfg->rate_limit.requests_per_second, 0);
  EXPECT_EQ(cfg->max_body_bytes, 5u * 1024 * 1024);
  EXPECT_EQ(cfg->retry_after, absl::Seconds(1));
}

TEST(IntakeConfigTest, ParsesKeysAndLimits) {
  auto cfg = Parse(R"(
require_api_key: true
datadog_api_keys: [{env: DD_API_KEY}, {file: /run/secrets/dd}]
rate_limit: {requests_per_second: 50}
max_body_bytes: 1000
retry_after: 3s
max_records_per_body: 10
)");
  ASSERT_THAT(cfg, IsOk());
  EXPECT_TRUE(cfg->require_api_key);
  ASSERT_EQ(cfg->datadog_api_keys.size(), 2u);
  EXPECT_EQ(cfg->datadog_api_keys[0].ToString(), "env:DD_API_KEY");
  EXPECT_EQ(cfg->datadog_api_keys[1].ToString(), "file:/run/secrets/dd");
  EXPECT_EQ(cfg->rate_limit.requests_per_second, 50);
  EXPECT_EQ(cfg->rate_limit.burst, 50);  // Defaults to the rate.
  EXPECT_EQ(cfg->max_body_bytes, 1000u);
  EXPECT_EQ(cfg->retry_after, absl::Seconds(3));
  EXPECT_EQ(cfg->max_records_per_body, 10u);
}

TEST(IntakeConfigTest, ErrorsNameFileLineColumn) {
  EXPECT_THAT(Parse("datadog_api_keys: [\"literal-key-value\"]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:1:20")));
  // A literal key is never echoed back.
  auto lit = Parse("datadog_api_keys: [\"literal-key-value\"]\n");
  EXPECT_THAT(std::string(lit.status().message()), ::testing::Not(HasSubstr("literal-key-value")));
  EXPECT_THAT(Parse("require_api_key: true\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("quell.yaml:1:18: ingest.http.require_api_key: true needs at least one")));
  EXPECT_THAT(Parse("max_body_bytes: 1\nrate_limits: {}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:2:1: ingest.http: unknown key")));
  EXPECT_THAT(Parse("rate_limit: {requests_per_second: 0}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("requests_per_second: must be > 0")));
  EXPECT_THAT(Parse("rate_limit: {requests_per_second: 5, burst: 0.5}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("burst: must be >= 1")));
  EXPECT_THAT(Parse("rate_limit: {rps: 5}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ingest.http.rate_limit: unknown key \"rps\"")));
  EXPECT_THAT(Parse("retry_after: 500ms\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quell.yaml:1:14: ingest.http.retry_after")));
  EXPECT_THAT(Parse("max_body_bytes: 0\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_body_bytes")));
}

}  // namespace
}  // namespace quell::ingest
