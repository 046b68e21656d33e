// src/sinks/receiver_defaults_test.cc
//
// Alertmanager's global receiver settings (slack_api_url, slack_api_url_file, pagerduty_url) and
// the `*_file` forms of the entries' secrets, as ParseSinksConfig applies them.
#include "sinks/receiver_defaults.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/sinks_config.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<SinksConfig> Parse(const std::string& yaml) {
  auto doc = core::YamlNode::LoadString(yaml, "am.yml");
  if (!doc.ok()) return doc.status();
  return ParseSinksConfig(*doc);
}

// The usual alertmanager.yml: the Slack URL once in global, each slack_configs entry naming only
// its channel; an entry's own api_url wins.
TEST(ReceiverDefaultsTest, SlackEntriesWithoutApiUrlPostToTheGlobalOne) {
  auto c = Parse(R"(
global:
  slack_api_url: {env: SLACK_URL}
receivers:
  - name: team
    slack_configs:
      - channel: '#alerts'
      - api_url: {file: /run/secrets/other}
)");
  ASSERT_THAT(c, IsOk());
  const auto& slack = c->Find("team")->slack_configs;
  ASSERT_EQ(slack.size(), 2u);
  EXPECT_EQ(slack[0].api_url.ToString(), "env:SLACK_URL");
  EXPECT_EQ(slack[0].channel, "#alerts");
  EXPECT_EQ(slack[1].api_url.ToString(), "file:/run/secrets/other");
}

TEST(ReceiverDefaultsTest, FileFormsAreFileReferences) {
  auto c = Parse(R"(
global:
  slack_api_url_file: /run/secrets/slack
receivers:
  - name: team
    slack_configs:
      - channel: '#a'
      - api_url_file: /run/secrets/team_slack
    pagerduty_configs:
      - routing_key_file: /run/secrets/pd
)");
  ASSERT_THAT(c, IsOk());
  const ReceiverConfig* team = c->Find("team");
  EXPECT_EQ(team->slack_configs[0].api_url.ToString(), "file:/run/secrets/slack");
  EXPECT_EQ(team->slack_configs[1].api_url.ToString(), "file:/run/secrets/team_slack");
  EXPECT_EQ(team->pagerduty_configs[0].routing_key.ToString(), "file:/run/secrets/pd");
  EXPECT_EQ(team->pagerduty_configs[0].routing_key.where.ToString(), "am.yml:10:27");
}

TEST(ReceiverDefaultsTest, PagerDutyEntriesWithoutUrlUseTheGlobalOne) {
  auto c = Parse(R"(
global:
  pagerduty_url: https://events.eu.pagerduty.com/v2/enqueue
receivers:
  - name: pager
    pagerduty_configs:
      - routing_key: {env: PD}
      - routing_key: {env: PD}
        url: https://pd-proxy.internal
)");
  ASSERT_THAT(c, IsOk());
  const auto& pd = c->Find("pager")->pagerduty_configs;
  EXPECT_EQ(pd[0].url, "https://events.eu.pagerduty.com/v2/enqueue");
  EXPECT_EQ(PagerDutyEndpointsFor(pd[0].url).events, "https://events.eu.pagerduty.com/v2/enqueue");
  EXPECT_EQ(pd[1].url, "https://pd-proxy.internal");
  // Without global.pagerduty_url, PagerDuty itself.
  auto plain = Parse("receivers:\n  - name: p\n    pagerduty_configs:\n      - routing_key: {env: PD}\n");
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->Find("p")->pagerduty_configs[0].url, "https://events.pagerduty.com");
}

// Errors point at the key or value in the file.
TEST(ReceiverDefaultsTest, BadGlobalsAreErrorsAtTheirPosition) {
  // Alertmanager writes the URL literally; in Quell a secret is a reference.
  EXPECT_THAT(Parse("global:\n  slack_api_url: https://hooks.slack.com/services/T/B/X\nreceivers: []\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:2:18: global.slack_api_url: must be a reference {env: NAME} or {file: PATH}")));
  EXPECT_THAT(Parse("global:\n  slack_api_url: {env: A}\n  slack_api_url_file: /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:3:23: global: give slack_api_url or slack_api_url_file, not both")));
  EXPECT_THAT(Parse("global:\n  slack_api_url_file: ''\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("am.yml:2:23: global.slack_api_url_file: empty path")));
  EXPECT_THAT(Parse("global:\n  pagerduty_url: https://events.pagerduty.com/generic/2010-04-15/create_event.json\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:2:18: global.pagerduty_url: the Events API v1 endpoint")));
  EXPECT_THAT(Parse("global:\n  pagerduty_url: events.pagerduty.com\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:2:18: global.pagerduty_url: must start with http:// or https://")));
}

TEST(ReceiverDefaultsTest, EntryErrors) {
  // No URL anywhere: the error says where one may go.
  EXPECT_THAT(Parse("receivers:\n  - name: t\n    slack_configs:\n      - channel: '#a'\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:4:9: slack_configs: api_url is required (here, or global.slack_api_url")));
  EXPECT_THAT(Parse("receivers:\n  - name: t\n    slack_configs:\n      - api_url: {env: A}\n        api_url_file: /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:5:23: slack_configs: give api_url or api_url_file, not both")));
  EXPECT_THAT(Parse("receivers:\n  - name: t\n    pagerduty_configs:\n      - routing_key: {env: A}\n"
                    "        routing_key_file: /x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:5:27: pagerduty_configs: give routing_key or routing_key_file, not both")));
  EXPECT_THAT(Parse("receivers:\n  - name: t\n    pagerduty_configs:\n      - source: x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("am.yml:4:9: pagerduty_configs: routing_key is required")));
}

}  // namespace
}  // namespace quell::sinks
