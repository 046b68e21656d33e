// src/sinks/file/file_sink_test.cc
#include "sinks/file/file_sink.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

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
using ::testing::HasSubstr;

TEST(FileSinkTest, AppendsOneJsonLinePerNotification) {
  auto path = std::filesystem::temp_directory_path() / ("quell_file_sink_" + std::to_string(::getpid()) + ".jsonl");
  std::filesystem::remove(path);
  FileConfig c;
  c.path = path.string();
  c.fsync = true;
  FileSink sink("archive", 0, c);
  EXPECT_EQ(sink.id(), "archive/file/0");
  core::Notification n;
  n.receiver = "archive";
  n.dedup_key = "k";
  n.summary = "line\nbreak";
  for (int i = 0; i < 3; ++i) {
    n.sequence = static_cast<uint64_t>(i);
    absl::Status got = absl::InternalError("not called");
    sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
    EXPECT_THAT(got, IsOk());
  }
  std::ifstream f(path);
  std::string line;
  int count = 0;
  while (std::getline(f, line)) {
    auto back = NotificationFromJson(line);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(back->sequence, static_cast<uint64_t>(count));
    EXPECT_EQ(back->summary, "line\nbreak");
    ++count;
  }
  EXPECT_EQ(count, 3);
  std::filesystem::remove(path);
}

// QA (item 4): send_resolved false only skipped resolved notifications; a firing one still carried
// its resolved members, and a change that only resolved members was written again. send_resolved
// is applied around the sink (SendResolvedReceiver), so the sink is built as BuildReceivers builds it.
TEST(FileSinkTest, SendResolvedFalseWritesOnlyFiringMembers) {
  auto path = std::filesystem::temp_directory_path() / ("quell_file_sink_sr_" + std::to_string(::getpid()) + ".jsonl");
  std::filesystem::remove(path);
  FileConfig c;
  c.path = path.string();
  c.send_resolved = false;
  std::unique_ptr<Receiver> built = BuildOneReceiver(ReceiverConfig{.name = "archive", .file_configs = {c}});
  ASSERT_NE(built, nullptr);
  ASSERT_NE(dynamic_cast<SendResolvedReceiver*>(built.get()), nullptr);
  Receiver& sink = *built;
  EXPECT_EQ(sink.id(), "archive/file/0");
  core::Notification n;
  n.receiver = "archive";
  n.dedup_key = "k";
  for (std::string_view pod : {"a", "b"}) {
    core::NotifiedAlert a;
    a.labels = core::LabelSet{{"alertname", "X"}, {"pod", pod}};
    n.alerts.push_back(a);
  }
  n.firing_count = 2;
  auto deliver = [&] {
    absl::Status got = absl::InternalError("not called");
    sink.Deliver(n, [&](DeliveryOutcome o) { got = o.status; });
    EXPECT_THAT(got, IsOk());
  };
  deliver();
  n.alerts[0].resolved = true;  // a resolves, nothing new fires: not written.
  n.firing_count = 1;
  n.resolved_count = 1;
  deliver();
  core::NotifiedAlert c3;
  c3.labels = core::LabelSet{{"alertname", "X"}, {"pod", "c"}};
  n.alerts.push_back(c3);
  n.firing_count = 2;
  deliver();
  n.status = core::NotificationStatus::kResolved;
  deliver();
  std::ifstream f(path);
  std::vector<core::Notification> lines;
  for (std::string line; std::getline(f, line);) {
    auto back = NotificationFromJson(line);
    ASSERT_THAT(back, IsOk());
    lines.push_back(*back);
  }
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[1].alerts.size(), 2u);
  EXPECT_EQ(lines[1].alerts[0].labels.Get("pod"), "b");
  EXPECT_EQ(lines[1].alerts[1].labels.Get("pod"), "c");
  EXPECT_EQ(lines[1].resolved_count, 0u);
  std::filesystem::remove(path);
}

TEST(FileSinkTest, UnwritablePathIsRetryableAndNamesTheReceiver) {
  FileConfig c;
  c.path = "/nonexistent-dir-quell/x.jsonl";
  FileSink sink("archive", 0, c);
  absl::Status got;
  sink.Deliver(core::Notification{}, [&](DeliveryOutcome o) { got = o.status; });
  EXPECT_EQ(got.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(got.message()), HasSubstr("file receiver \"archive\""));
}

TEST(FileSinkTest, ParseConfig) {
  auto doc = core::YamlNode::LoadString("path: /tmp/x.jsonl\nfsync: true\n", "f.yaml");
  auto c = ParseFileConfig(*doc);
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->fsync);
  auto bad = core::YamlNode::LoadString("fsync: true\n", "f.yaml");
  EXPECT_FALSE(ParseFileConfig(*bad).ok());
}

}  // namespace
}  // namespace quell::sinks
