// src/sinks/file/file_sink_test.cc
#include "sinks/file/file_sink.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/notification_json.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

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
