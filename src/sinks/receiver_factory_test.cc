// src/sinks/receiver_factory_test.cc
//
// BuildReceivers' send_resolved wiring: each integration with `send_resolved: false` is wrapped
// once in a SendResolvedReceiver, the others are handed over bare, and ids and rate limits stay
// the integration's. (What the wrapper does is tested in send_resolved_receiver_test.cc and,
// through this factory, in every sink's own test.)
#include "sinks/receiver_factory.h"

#include <cstdlib>
#include <iterator>
#include <typeinfo>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/file/file_sink.h"
#include "sinks/pagerduty/pagerduty_sink.h"
#include "sinks/send_resolved_receiver.h"
#include "sinks/slack/slack_sink.h"
#include "sinks/stdout/stdout_sink.h"
#include "sinks/webhook/webhook_sink.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;

// Every integration type twice: the default (send_resolved: true), then send_resolved: false.
constexpr char kConfig[] = R"(
receivers:
  - name: oncall
    rate_limit: {per_second: 5, burst: 10}
    pagerduty_configs:
      - {routing_key: {env: QUELL_RF_PD}}
      - {routing_key: {env: QUELL_RF_PD}, send_resolved: false}
    slack_configs:
      - {api_url: {env: QUELL_RF_SLACK}, send_resolved: true}
      - {api_url: {env: QUELL_RF_SLACK}, send_resolved: false}
    webhook_configs:
      - {url: {env: QUELL_RF_HOOK}}
      - {url: {env: QUELL_RF_HOOK}, send_resolved: false}
  - name: archive
    file_configs:
      - {path: /tmp/quell-rf-archive.jsonl}
      - {path: /tmp/quell-rf-archive.jsonl, send_resolved: false}
    stdout_configs:
      - {}
      - {send_resolved: false}
)";

TEST(ReceiverFactoryTest, WrapsExactlyTheIntegrationsWithSendResolvedFalse) {
  ::setenv("QUELL_RF_PD", "pd-key-secret", 1);
  ::setenv("QUELL_RF_SLACK", "http://127.0.0.1:1/slack-secret", 1);
  ::setenv("QUELL_RF_HOOK", "http://127.0.0.1:1/hook-secret", 1);
  auto doc = core::YamlNode::LoadString(kConfig, "quell.yaml");
  ASSERT_THAT(doc, IsOk());
  auto c = ParseSinksConfig(*doc);
  ASSERT_THAT(c, IsOk());
  auto set = BuildReceivers(*c);
  ASSERT_THAT(set, IsOk());

  struct Want {
    const char* id;
    const std::type_info& integration;
    bool wrapped;
  };
  const Want want[] = {
      {"oncall/pagerduty/0", typeid(PagerDutySink), false}, {"oncall/pagerduty/1", typeid(PagerDutySink), true},
      {"oncall/slack/0", typeid(SlackSink), false},         {"oncall/slack/1", typeid(SlackSink), true},
      {"oncall/webhook/0", typeid(WebhookSink), false},     {"oncall/webhook/1", typeid(WebhookSink), true},
      {"archive/file/0", typeid(FileSink), false},          {"archive/file/1", typeid(FileSink), true},
      {"archive/stdout/0", typeid(StdoutSink), false},      {"archive/stdout/1", typeid(StdoutSink), true},
  };
  ASSERT_EQ(set->receivers.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    SCOPED_TRACE(want[i].id);
    const Receiver& r = *set->receivers[i];
    EXPECT_EQ(r.id(), want[i].id);
    auto* wrapper = dynamic_cast<const SendResolvedReceiver*>(&r);
    if (want[i].wrapped) {
      ASSERT_NE(wrapper, nullptr);
      const Receiver& inner = wrapper->inner();
      EXPECT_EQ(typeid(inner), want[i].integration);
      EXPECT_EQ(dynamic_cast<const SendResolvedReceiver*>(&inner), nullptr) << "wrapped once only";
      EXPECT_EQ(r.type(), inner.type());
      EXPECT_EQ(r.name(), inner.name());
    } else {
      EXPECT_EQ(wrapper, nullptr) << "send_resolved: true must be the bare integration";
      EXPECT_EQ(typeid(r), want[i].integration);
    }
  }
  // Rate limits are keyed by the integration's id, wrapped or not.
  EXPECT_EQ(set->rate_limits.at("oncall/pagerduty/0").per_second, 5);
  EXPECT_EQ(set->rate_limits.at("oncall/pagerduty/1").per_second, 5);
  EXPECT_EQ(set->rate_limits.at("oncall/slack/1").per_second, 1);  // Slack's cap.
  EXPECT_FALSE(set->rate_limits.contains("archive/stdout/1"));
}

}  // namespace
}  // namespace quell::sinks
