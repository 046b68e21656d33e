// src/sinks/slack/slack_sink_test.cc
//
// SlackSink against a fake Slack webhook on loopback.
#include "sinks/slack/slack_sink.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/testing/http_sink_fixture.h"

namespace quell::sinks {
namespace {

using ::quell::testing::FakeHttpEndpoint;
using ::quell::testing::IsOk;
using ::testing::HasSubstr;

class SlackSinkTest : public ::quell::testing::HttpSinkTest {
 protected:
  void SetUp() override {
    url_ = fake_.url("/services/T000/B000/XXXXSECRETXXXX");
    SlackConfig c;
    c.api_url = EnvSecret("QUELL_TEST_SLACK_URL", url_);
    auto s = SlackSink::Create("chat", 0, c, http_, &clock_);
    ASSERT_THAT(s, IsOk());
    sink_ = std::move(*s);
  }
  static core::Notification Incident() {
    core::Notification n;
    n.receiver = "chat";
    n.dedup_key = "k";
    n.incident_id = "inc-9";
    n.summary = "Checkout <errors> & timeouts";
    n.severity = core::Severity::kError;
    n.firing_count = 2;
    n.resolved_count = 1;
    n.root_cause_service = "checkout";
    n.deploy = core::AttributedDeploy{"checkout", "1.2.3", "prod", {}, "https://ci/run/9"};
    n.runbook = "checkout.md";
    n.runbook_url = "https://git/runbooks/checkout.md";
    n.external_url = "http://quell/api/v1/incidents/inc-9";
    n.common_annotations = core::LabelSet{{"description", "502s from <upstream>"}, {"summary", "5xx above 5%"}};
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}};
    n.alerts.push_back(a);
    return n;
  }
  std::string url_;
  std::unique_ptr<SlackSink> sink_;
};

TEST_F(SlackSinkTest, PostsBlocksWithFallbackText) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(200, "ok"));
  EXPECT_THAT(DeliverSync(*sink_, Incident()).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/services/T000/B000/XXXXSECRETXXXX");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(reqs[0].body);
  EXPECT_EQ(std::string_view(doc["text"]), "[FIRING] Checkout &lt;errors&gt; &amp; timeouts");
  simdjson::dom::array blocks = doc["blocks"];
  ASSERT_GE(blocks.size(), 3u);
  EXPECT_EQ(std::string_view(blocks.at(0)["type"]), "header");
  EXPECT_EQ(std::string_view(blocks.at(0)["text"]["type"]), "plain_text");
  EXPECT_EQ(std::string_view(blocks.at(1)["type"]), "section");
  std::string_view section = blocks.at(1)["text"]["text"];
  EXPECT_THAT(std::string(section), HasSubstr("*Summary:* 5xx above 5%"));
  EXPECT_THAT(std::string(section), HasSubstr("*Description:* 502s from &lt;upstream&gt;"));
  EXPECT_THAT(std::string(section), HasSubstr("*Root cause:* checkout"));
  EXPECT_THAT(std::string(section), HasSubstr("*Firing:* 2"));
  EXPECT_THAT(std::string(section), HasSubstr("<https://ci/run/9|change>"));
  EXPECT_THAT(std::string(section), HasSubstr("<https://git/runbooks/checkout.md|checkout.md>"));
  EXPECT_EQ(std::string_view(blocks.at(blocks.size() - 1)["type"]), "context");
}

TEST_F(SlackSinkTest, HeaderIsAtMost150Chars) {
  auto n = Incident();
  n.summary = std::string(400, 'y');
  simdjson::dom::parser p;
  std::string body = sink_->MessageBody(n);
  std::string_view header = p.parse(body)["blocks"].at(0)["text"]["text"];
  EXPECT_EQ(header.size(), 149u + 3u);  // 149 ASCII chars + "…" (1 char, 3 bytes) = 150 chars.
  EXPECT_EQ(header.substr(0, 8), "FIRING: ");
}

TEST_F(SlackSinkTest, ErrorStringsArePermanentAnd429IsRetried) {
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(400, "invalid_payload"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(400, "no_text"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(404, "channel_not_found"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(403, "action_prohibited"));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(429, "rate_limited", {{"Retry-After", "3"}}));
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(500, "oops"));
  std::vector<DeliveryOutcome> os;
  for (int i = 0; i < 6; ++i) os.push_back(DeliverSync(*sink_, Incident()));
  EXPECT_EQ(os[0].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(os[0].status.message()), HasSubstr("invalid_payload"));
  EXPECT_EQ(os[1].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(os[1].status.message()), HasSubstr("no_text"));
  EXPECT_EQ(os[2].status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(os[2].status.message()), HasSubstr("channel_not_found"));
  EXPECT_EQ(os[3].status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(os[4].status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(os[4].retry_after, absl::Seconds(3));
  EXPECT_EQ(os[5].status.code(), absl::StatusCode::kUnavailable);
  for (const auto& o : os) {
    ExpectNoSecrets(o.status, {url_, "XXXXSECRETXXXX"});
  }
}

TEST_F(SlackSinkTest, UnknownErrorBodiesAreNotEchoed) {
  fake_.Push(FakeHttpEndpoint::Behavior::Respond(400, "weird thing with patient 123-45-6789"));
  auto o = DeliverSync(*sink_, Incident());
  EXPECT_EQ(o.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(CheckNoSecretIn(o.status, {"123-45-6789", "weird"}), IsOk());
}

TEST_F(SlackSinkTest, ConfigRequiresASecretReference) {
  auto doc = core::YamlNode::LoadString("api_url: https://hooks.slack.com/services/T/B/SECRET\n", "s.yaml");
  auto c = ParseSlackConfig(*doc);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(CheckNoSecretIn(c.status(), {"SECRET", "hooks.slack.com"}), IsOk());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("s.yaml:1:"));
  auto ok = core::YamlNode::LoadString("api_url: {file: /run/secrets/slack}\nper_second: 0.5\n", "s.yaml");
  auto c2 = ParseSlackConfig(*ok);
  ASSERT_THAT(c2, IsOk());
  EXPECT_EQ(c2->per_second, 0.5);
}

}  // namespace
}  // namespace quell::sinks
