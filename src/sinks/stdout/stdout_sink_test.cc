// src/sinks/stdout/stdout_sink_test.cc
#include "sinks/stdout/stdout_sink.h"

#include <cstdio>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/notification_json.h"
#include "sinks/receiver_factory.h"
#include "sinks/send_resolved_receiver.h"
#include "tests/testing/one_receiver.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::BuildOneReceiver;
using ::quell::testing::IsOk;

TEST(StdoutSinkTest, WritesJsonLines) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StdoutSink sink("console", 0, f);
  core::Notification n;
  n.receiver = "console";
  n.summary = "hello";
  absl::Status got = absl::InternalError("not called");
  sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
  EXPECT_THAT(got, IsOk());
  std::rewind(f);
  char buf[4096];
  ASSERT_NE(std::fgets(buf, sizeof(buf), f), nullptr);
  std::string line(buf);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line, NotificationToJson(n));
  std::fclose(f);
}

// send_resolved is applied around the sink (SendResolvedReceiver): built as BuildReceivers builds it.
TEST(StdoutSinkTest, SkipsResolvedWhenConfigured) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StdoutConfig c;
  c.send_resolved = false;
  ReceiverDeps deps;
  deps.stdout_stream = f;
  std::unique_ptr<Receiver> built =
      BuildOneReceiver(ReceiverConfig{.name = "console", .stdout_configs = {c}}, std::move(deps));
  ASSERT_NE(built, nullptr);
  ASSERT_NE(dynamic_cast<SendResolvedReceiver*>(built.get()), nullptr);
  Receiver& sink = *built;
  core::Notification n;
  n.receiver = "console";
  n.dedup_key = "k";
  n.status = core::NotificationStatus::kResolved;
  absl::Status got = absl::InternalError("not called");
  sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
  EXPECT_THAT(got, IsOk());
  EXPECT_EQ(std::ftell(f), 0);
  // A firing notification is written, without its resolved member.
  n.status = core::NotificationStatus::kFiring;
  for (std::string_view pod : {"a", "b"}) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}, {"pod", pod}};
    a.resolved = pod == "b";
    n.alerts.push_back(a);
  }
  n.firing_count = 1;
  n.resolved_count = 1;
  got = absl::InternalError("not called");
  sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
  EXPECT_THAT(got, IsOk());
  std::rewind(f);
  char buf[4096];
  ASSERT_NE(std::fgets(buf, sizeof(buf), f), nullptr);
  std::string line(buf);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto back = NotificationFromJson(line);
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->alerts.size(), 1u);
  EXPECT_EQ(back->alerts[0].labels.Get("pod"), "a");
  EXPECT_EQ(back->resolved_count, 0u);
  EXPECT_EQ(std::fgets(buf, sizeof(buf), f), nullptr);  // One line only.
  std::fclose(f);
}

// The sink itself writes whatever it is given, resolved notifications included.
TEST(StdoutSinkTest, WritesResolvedNotifications) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StdoutSink sink("console", 0, f);
  core::Notification n;
  n.status = core::NotificationStatus::kResolved;
  absl::Status got = absl::InternalError("not called");
  sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
  EXPECT_THAT(got, IsOk());
  EXPECT_GT(std::ftell(f), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace quell::sinks
