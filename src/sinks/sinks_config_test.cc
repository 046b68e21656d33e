// src/sinks/sinks_config_test.cc
#include "sinks/sinks_config.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/receiver_factory.h"
#include "sinks/secret_check.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kFull[] = R"(
route: {receiver: oncall}      # other components' keys are ignored
receivers:
  - name: oncall
    rate_limit: {per_second: 5, burst: 10}
    pagerduty_configs:
      - routing_key: {env: QUELL_CFG_PD}
    slack_configs:
      - api_url: {env: QUELL_CFG_SLACK}
    webhook_configs:
      - url: {env: QUELL_CFG_HOOK}
        payload: quell
    kafka_configs:
      - {topic: incidents}
  - name: archive
    file_configs:
      - path: /tmp/quell-archive.jsonl
  - name: console
    stdout_configs:
      - {}
redaction:
  mrn_patterns: ['MRN-\d{8}']
  allow_fields: [labels.alertname]
outbox:
  dir: /tmp/quell-outbox
  max_age: 12h
runbooks:
  dir: runbooks
  base_url: https://git.example.com/runbooks/
)";

TEST(SinksConfigTest, ParsesEverySection) {
  auto doc = core::YamlNode::LoadString(kFull, "quell.yaml");
  ASSERT_THAT(doc, IsOk());
  auto c = ParseSinksConfig(*doc);
  ASSERT_THAT(c, IsOk());
  ASSERT_EQ(c->receivers.size(), 3u);
  EXPECT_EQ(c->receiver_names(), (std::set<std::string>{"archive", "console", "oncall"}));
  const ReceiverConfig* oncall = c->Find("oncall");
  ASSERT_NE(oncall, nullptr);
  EXPECT_EQ(oncall->pagerduty_configs.size(), 1u);
  EXPECT_EQ(oncall->slack_configs.size(), 1u);
  EXPECT_EQ(oncall->webhook_configs[0].payload, WebhookPayload::kQuell);
  EXPECT_EQ(oncall->kafka_configs.size(), 1u);
  EXPECT_EQ(oncall->rate_limit->per_second, 5);
  EXPECT_EQ(oncall->where.ToString(), "quell.yaml:4:5");
  EXPECT_EQ(c->redaction.mrn_patterns.size(), 1u);
  EXPECT_EQ(c->outbox.max_age, absl::Hours(12));
  EXPECT_EQ(c->runbooks.base_url, "https://git.example.com/runbooks/");
}

TEST(SinksConfigTest, BuildsReceiversWithRateLimits) {
  ::setenv("QUELL_CFG_PD", "pd-key-secret", 1);
  ::setenv("QUELL_CFG_SLACK", "http://127.0.0.1:1/slack-secret", 1);
  ::setenv("QUELL_CFG_HOOK", "http://127.0.0.1:1/hook-secret", 1);
  auto doc = core::YamlNode::LoadString(kFull, "quell.yaml");
  auto c = ParseSinksConfig(*doc);
  ASSERT_THAT(c, IsOk());
  auto set = BuildReceivers(*c);
  ASSERT_THAT(set, IsOk());
  std::vector<std::string> ids;
  for (const auto& r : set->receivers) ids.push_back(r->id());
  EXPECT_THAT(ids, ::testing::ElementsAre("oncall/pagerduty/0", "oncall/slack/0", "oncall/webhook/0",
                                          "archive/file/0", "console/stdout/0"));
  EXPECT_EQ(set->rate_limits.at("oncall/pagerduty/0").per_second, 5);
  EXPECT_EQ(set->rate_limits.at("oncall/slack/0").per_second, 1);  // Slack's cap.
  EXPECT_FALSE(set->rate_limits.contains("archive/file/0"));
}

TEST(SinksConfigTest, MissingSecretFailsTheBuildWithoutValues) {
  ::unsetenv("QUELL_CFG_PD");
  auto doc = core::YamlNode::LoadString(kFull, "quell.yaml");
  auto c = ParseSinksConfig(*doc);
  ASSERT_THAT(c, IsOk());
  auto set = BuildReceivers(*c);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("QUELL_CFG_PD"));
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("oncall"));
}

struct BadCase {
  const char* yaml;
  const char* expect;
  const char* secret;  // Must not appear in the message.
};

TEST(SinksConfigTest, ErrorsPointAtTheLineAndNeverEchoSecrets) {
  const BadCase cases[] = {
      {"receivers:\n  - name: a\n    pagerduty_configs:\n      - routing_key: abcdef0123456789abcdef0123456789\n",
       "t.yaml:4:22", "abcdef0123456789abcdef0123456789"},
      {"receivers:\n  - name: a\n    slack_configs:\n      - api_url: https://hooks.slack.com/services/T/B/zzz\n",
       "t.yaml:4:18", "hooks.slack.com"},
      {"receivers:\n  - name: a\n  - name: a\n", "t.yaml:3:11", ""},
      {"receivers:\n  - name: a\n    email_configs: []\n", "t.yaml:3:5", ""},
      {"receivers:\n  - nmae: a\n", "t.yaml:2:5", ""},
      {"receivers:\n  - name: a/b\n", "t.yaml:2:11", ""},
      {"receivers:\n  - name: a\n    rate_limit: {per_second: 0}\n", "t.yaml:3:17", ""},
      {"outbox:\n  max_age: -1s\n", "t.yaml:2:12", ""},
      {"outbox:\n  max_segments: 1\n", "t.yaml:2:3", ""},
      {"runbooks:\n  url: x\n", "t.yaml:2:3", ""},
      {"redaction:\n  ssn: maybe\n", "t.yaml:2:8", ""},
  };
  for (const auto& bc : cases) {
    auto doc = core::YamlNode::LoadString(bc.yaml, "t.yaml");
    ASSERT_THAT(doc, IsOk()) << bc.yaml;
    auto c = ParseSinksConfig(*doc);
    ASSERT_FALSE(c.ok()) << bc.yaml;
    EXPECT_THAT(std::string(c.status().message()), HasSubstr(bc.expect)) << bc.yaml;
    EXPECT_THAT(CheckNoSecretIn(c.status(), {bc.secret}), IsOk()) << bc.yaml;
  }
}

TEST(SinksConfigTest, EmptyDocumentGivesDefaults) {
  auto doc = core::YamlNode::LoadString("other: 1\n", "t.yaml");
  auto c = ParseSinksConfig(*doc);
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->receivers.empty());
  EXPECT_EQ(c->outbox.dir, "data/outbox");
}

}  // namespace
}  // namespace quell::sinks
