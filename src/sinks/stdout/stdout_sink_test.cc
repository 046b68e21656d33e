// src/sinks/stdout/stdout_sink_test.cc
#include "sinks/stdout/stdout_sink.h"

#include <cstdio>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/notification_json.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;

TEST(StdoutSinkTest, WritesJsonLines) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  StdoutSink sink("console", 0, StdoutConfig{}, f);
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

TEST(StdoutSinkTest, SkipsResolvedWhenConfigured) {
  std::FILE* f = std::tmpfile();
  StdoutConfig c;
  c.send_resolved = false;
  StdoutSink sink("console", 0, c, f);
  core::Notification n;
  n.status = core::NotificationStatus::kResolved;
  absl::Status got = absl::InternalError("not called");
  sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
  EXPECT_THAT(got, IsOk());
  EXPECT_EQ(std::ftell(f), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace quell::sinks
