// src/sinks/slack/slack_sink_test.cc
//
// SlackSink against a fake Slack webhook on loopback.
#include "sinks/slack/slack_sink.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "fmt/format.h"
#include "simdjson.h"
#include "sinks/receiver_factory.h"
#include "sinks/send_resolved_receiver.h"
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
  std::unique_ptr<SlackSink> Make(SlackConfig c) {
    c.api_url = EnvSecret("QUELL_TEST_SLACK_URL", url_);
    auto s = SlackSink::Create("chat", 1, c, http_, &clock_);
    EXPECT_THAT(s, IsOk());
    return s.ok() ? std::move(*s) : nullptr;
  }
  // The integration for `c` as BuildReceivers builds it (send_resolved applied around the sink),
  // on the fixture's client and clock.
  std::unique_ptr<Receiver> Build(SlackConfig c) {
    c.api_url = EnvSecret("QUELL_TEST_SLACK_URL", url_);
    return BuildOne(ReceiverConfig{.name = "chat", .slack_configs = {std::move(c)}});
  }
  // The mrkdwn text of block `i` of `body`.
  static std::string BlockText(const std::string& body, size_t i) {
    simdjson::dom::parser p;
    simdjson::dom::element doc = p.parse(body);
    return std::string(std::string_view(doc["blocks"].at(i)["text"]["text"]));
  }
  static size_t Chars(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
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

// QA: links went into mrkdwn `<url|text>` unescaped, so a crafted deploy link produced a live
// <!channel> mention. URLs are now percent-encoded where mrkdwn would read them (<, >, |, spaces)
// and & becomes &amp;; a link that is not http(s) is dropped (its text stays).
TEST_F(SlackSinkTest, CraftedLinksCannotInjectMarkup) {
  auto n = Incident();
  n.deploy->link = "https://ci.example/b?a=1&b=2>|<!channel>";
  n.runbook_url = "https://git/runbooks/a b.md?x=<!here>";
  n.external_url = "http://quell/api/v1/incidents/inc-9|<@U123>";
  std::string body = sink_->MessageBody(n);
  EXPECT_THAT(body, ::testing::Not(HasSubstr("<!channel>")));
  EXPECT_THAT(body, ::testing::Not(HasSubstr("<!here>")));
  EXPECT_THAT(body, ::testing::Not(HasSubstr("<@U123>")));
  std::string section = BlockText(body, 1);
  EXPECT_THAT(section, HasSubstr("<https://ci.example/b?a=1&amp;b=2%3E%7C%3C!channel%3E|change>"));
  EXPECT_THAT(section, HasSubstr("<https://git/runbooks/a%20b.md?x=%3C!here%3E|checkout.md>"));
  simdjson::dom::parser p;
  std::string_view ctx = p.parse(body)["blocks"].at(3)["elements"].at(0)["text"];
  EXPECT_EQ(ctx, "Quell incident <http://quell/api/v1/incidents/inc-9%7C%3C@U123%3E|inc-9>");
  n.deploy->link = "javascript:alert(1)";
  section = BlockText(sink_->MessageBody(n), 1);
  EXPECT_THAT(section, HasSubstr("*Deploy:* checkout 1.2.3 (prod)\n"));
  EXPECT_THAT(section, ::testing::Not(HasSubstr("javascript")));
}

// QA: a 3,500-character description filled the 3,000-character section, which was cut at the end:
// root cause, deploy and runbook were lost. The description is shortened instead.
TEST_F(SlackSinkTest, LongDescriptionKeepsTheTrailingFields) {
  auto n = Incident();
  n.common_annotations = core::LabelSet{{"description", std::string(3500, 'd') + "<&>"}, {"summary", "5xx above 5%"}};
  std::string section = BlockText(sink_->MessageBody(n), 1);
  EXPECT_LE(Chars(section), 3000u);
  EXPECT_THAT(section, HasSubstr("*Description:* dddd"));
  EXPECT_THAT(section, HasSubstr("\xE2\x80\xA6\n*Root cause:* checkout"));
  EXPECT_THAT(section, HasSubstr("*Deploy:* checkout 1.2.3 (prod) <https://ci/run/9|change>"));
  EXPECT_THAT(section, HasSubstr("*Runbook:* <https://git/runbooks/checkout.md|checkout.md>"));
  // Cut where the escaped text would overflow, never inside an entity.
  n.common_annotations = core::LabelSet{{"description", std::string(2000, '&')}};
  section = BlockText(sink_->MessageBody(n), 1);
  EXPECT_LE(Chars(section), 3000u);
  EXPECT_THAT(section, HasSubstr("&amp;\xE2\x80\xA6\n*Root cause:*"));
  EXPECT_THAT(section, HasSubstr("*Runbook:*"));
}

TEST_F(SlackSinkTest, LongMemberListEndsWithTheCountOfTheRest) {
  SlackConfig c;
  c.max_members = 100;
  auto sink = Make(c);
  auto n = Incident();
  n.alerts.clear();
  for (int i = 0; i < 100; ++i) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}, {"pod", fmt::format("p{:03}", i)}, {"detail", std::string(60, 'x')}};
    n.alerts.push_back(a);
  }
  n.truncated_alerts = 7;
  std::string members = BlockText(sink->MessageBody(n), 2);
  EXPECT_LE(Chars(members), 3000u);
  size_t listed = 0;
  for (size_t at = members.find("• firing "); at != std::string::npos; at = members.find("• firing ", at + 1)) {
    ++listed;
  }
  ASSERT_GT(listed, 10u);
  ASSERT_LT(listed, 100u);
  EXPECT_THAT(members, ::testing::EndsWith(fmt::format("… and {} more", 100 - listed + 7)));
}

// QA (item 4): with send_resolved false, resolved members were listed in firing messages, and a
// change that only resolved members posted again.
TEST_F(SlackSinkTest, SendResolvedFalseListsOnlyFiringMembers) {
  fake_.SetDefault(FakeHttpEndpoint::Behavior::Respond(200, "ok"));
  SlackConfig c;
  c.send_resolved = false;
  auto sink = Build(c);
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(dynamic_cast<SendResolvedReceiver*>(sink.get()), nullptr);
  auto n = Incident();
  n.alerts.clear();
  for (std::string_view pod : {"b", "a"}) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}, {"pod", pod}};
    n.alerts.push_back(a);
  }
  n.firing_count = 2;
  n.resolved_count = 0;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  n.alerts[1].resolved = true;
  n.firing_count = 1;
  n.resolved_count = 1;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());  // Only a resolved: nothing to post.
  ASSERT_EQ(fake_.requests().size(), 1u);
  core::NotifiedAlert c2;
  c2.labels = core::LabelSet{{"alertname", "X"}, {"pod", "c"}};
  n.alerts.push_back(c2);
  n.firing_count = 2;
  EXPECT_THAT(DeliverSync(*sink, n).status, IsOk());
  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  std::string members = BlockText(reqs[1].body, 2);
  EXPECT_EQ(members, "• firing {alertname=\"X\", pod=\"b\"}\n• firing {alertname=\"X\", pod=\"c\"}\n");
  EXPECT_THAT(BlockText(reqs[1].body, 1), HasSubstr("*Resolved:* 0"));
}

TEST_F(SlackSinkTest, MembersFollowAlertmanagerOrder) {
  auto n = Incident();
  n.alerts.clear();
  for (std::string_view inst : {"c:9", "a:9", "b:9"}) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}, {"instance", inst}};
    n.alerts.push_back(a);
  }
  core::NotifiedAlert nojob;
  nojob.labels = core::LabelSet{{"alertname", "A"}};
  n.alerts.insert(n.alerts.begin(), nojob);
  EXPECT_EQ(BlockText(sink_->MessageBody(n), 2),
            "• firing {alertname=\"X\", instance=\"a:9\"}\n• firing {alertname=\"X\", instance=\"b:9\"}\n"
            "• firing {alertname=\"X\", instance=\"c:9\"}\n• firing {alertname=\"A\"}\n");
}

// QA: "[FIRING] [FIRING:2] HighErrorRate": the engine's summary already opens with the state.
TEST_F(SlackSinkTest, TheStateIsNotRepeatedBeforeASummaryThatHasIt) {
  auto n = Incident();
  n.summary = "[FIRING:2] HighErrorRate (root cause: checkout)";
  simdjson::dom::parser p;
  std::string body = sink_->MessageBody(n);
  simdjson::dom::element doc = p.parse(body);
  EXPECT_EQ(std::string_view(doc["text"]), "[FIRING:2] HighErrorRate (root cause: checkout)");
  EXPECT_EQ(std::string_view(doc["blocks"].at(0)["text"]["text"]), "[FIRING:2] HighErrorRate (root cause: checkout)");
  n.status = core::NotificationStatus::kResolved;
  n.summary = "[RESOLVED:1] HighErrorRate";
  body = sink_->MessageBody(n);
  simdjson::dom::element resolved = p.parse(body);
  EXPECT_EQ(std::string_view(resolved["text"]), "[RESOLVED:1] HighErrorRate");
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
