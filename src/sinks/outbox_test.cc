// src/sinks/outbox_test.cc
#include "sinks/outbox.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("quell_outbox_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    config_.dir = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static core::Notification N(std::string key, uint64_t seq) {
    core::Notification n;
    n.receiver = "r";
    n.dedup_key = std::move(key);
    n.sequence = seq;
    n.summary = "s" + std::to_string(seq);
    return n;
  }
  std::unique_ptr<Outbox> Open() {
    auto o = Outbox::Open(config_, &clock_);
    EXPECT_THAT(o, IsOk());
    return std::move(*o);
  }
  std::vector<uint64_t> Append(Outbox& o, const std::vector<core::Notification>& ns, std::string_view target = "r/x/0") {
    std::vector<Outbox::Item> items;
    for (const auto& n : ns) items.push_back({target, &n});
    auto ids = o.AppendBatch(items);
    EXPECT_THAT(ids, IsOk());
    return *ids;
  }

  std::filesystem::path dir_;
  OutboxConfig config_;
  core::ManualClock clock_{core::WallTime::FromUnixNanos(1'700'000'000'000'000'000)};
};

TEST_F(OutboxTest, ReplaysPendingInOrderAndSkipsDone) {
  {
    auto o = Open();
    auto ids = Append(*o, {N("a", 1), N("b", 1), N("a", 2), N("c", 1)});
    ASSERT_EQ(ids.size(), 4u);
    EXPECT_LT(ids[0], ids[1]);
    o->MarkDone(ids[1]);
    ASSERT_THAT(o->Sync(), IsOk());
    EXPECT_EQ(o->stats().depth, 3);
  }
  clock_.Advance(absl::Minutes(5));
  auto o = Open();
  auto rec = o->TakeRecovered();
  ASSERT_EQ(rec.size(), 3u);
  EXPECT_EQ(rec[0].notification.dedup_key, "a");
  EXPECT_EQ(rec[0].notification.sequence, 1u);
  EXPECT_EQ(rec[1].notification.dedup_key, "a");
  EXPECT_EQ(rec[1].notification.sequence, 2u);
  EXPECT_EQ(rec[2].notification.dedup_key, "c");
  EXPECT_EQ(rec[0].target, "r/x/0");
  auto st = o->stats();
  EXPECT_EQ(st.depth, 3);
  EXPECT_EQ(st.oldest_age, absl::Minutes(5));
  // New ids continue after the old ones.
  auto ids = Append(*o, {N("d", 1)});
  EXPECT_GT(ids[0], rec[2].id);
}

TEST_F(OutboxTest, TornTailIsTruncatedAndEarlierRecordsSurvive) {
  {
    auto o = Open();
    Append(*o, {N("a", 1), N("b", 1)});
  }
  auto seg = dir_ / "seg-000000000001.log";
  auto size = std::filesystem::file_size(seg);
  {
    std::ofstream f(seg, std::ios::app | std::ios::binary);
    f.write("\x40\x00\x00\x00garbage", 11);  // A half-written record.
  }
  {
    auto o = Open();
    EXPECT_EQ(o->TakeRecovered().size(), 2u);
    EXPECT_EQ(o->stats().corrupt_records, 1);
    EXPECT_EQ(std::filesystem::file_size(seg), size);
    Append(*o, {N("c", 1)});
  }
  auto o = Open();
  EXPECT_EQ(o->TakeRecovered().size(), 3u);
  EXPECT_EQ(o->stats().corrupt_records, 0);
}

TEST_F(OutboxTest, CorruptedByteIsDetected) {
  {
    auto o = Open();
    Append(*o, {N("a", 1)});
  }
  auto seg = dir_ / "seg-000000000001.log";
  std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(30);
  f.put('X');
  f.close();
  auto o = Open();
  EXPECT_EQ(o->TakeRecovered().size(), 0u);
  EXPECT_EQ(o->stats().corrupt_records, 1);
}

TEST_F(OutboxTest, RotatesAndCompactsDoneSegments) {
  config_.segment_bytes = 4096;
  config_.max_segments = 3;
  auto o = Open();
  std::vector<uint64_t> all;
  for (int i = 0; i < 40; ++i) {
    auto ids = Append(*o, {N("k" + std::to_string(i), 1), N("k" + std::to_string(i), 2)});
    all.insert(all.end(), ids.begin(), ids.end());
  }
  EXPECT_GT(o->stats().segments, 3);
  // Everything but the very first entry is delivered; it pins the oldest segment.
  for (size_t i = 1; i < all.size(); ++i) o->MarkDone(all[i]);
  for (int i = 0; i < 5; ++i) ASSERT_THAT(o->Compact(), IsOk());
  auto st = o->stats();
  EXPECT_LE(st.segments, 3);
  EXPECT_EQ(st.depth, 1);
  o.reset();
  auto again = Open();
  auto rec = again->TakeRecovered();
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0].id, all[0]);
  EXPECT_EQ(rec[0].notification.dedup_key, "k0");
  EXPECT_EQ(rec[0].enqueued_at, clock_.Now());
}

// QA: a second instance on the same state directory delivered the first one's pending pages
// again (three pages for one alert). An outbox directory has one writer.
TEST_F(OutboxTest, ASecondOutboxOnTheSameDirectoryIsRefused) {
  auto o = Open();
  EXPECT_THAT(Outbox::Open(config_, &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is in use by another Quell process")));
  o.reset();
  EXPECT_THAT(Outbox::Open(config_, &clock_), IsOk());
}

TEST_F(OutboxTest, DeadLetterWritesLineAndRemovesEntry) {
  auto o = Open();
  core::Notification n = N("a", 1);
  auto ids = Append(*o, {n});
  OutboxEntry e{ids[0], "r/x/0", clock_.Now(), n};
  ASSERT_THAT(o->DeadLetter(e, "webhook receiver \"r\": HTTP 400", 1), IsOk());
  EXPECT_EQ(o->stats().depth, 0);
  EXPECT_EQ(o->stats().dead_lettered_total, 1);
  std::ifstream f(o->dead_letter_path());
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_THAT(ss.str(), HasSubstr("\"reason\":\"webhook receiver \\\"r\\\": HTTP 400\""));
  EXPECT_THAT(ss.str(), HasSubstr("\"dedup_key\":\"a\""));
  o.reset();
  EXPECT_TRUE(Open()->TakeRecovered().empty());
}

// A child process appends, marks some done, and is SIGKILLed in the middle of its work; a new
// Outbox in the parent recovers exactly the entries not marked done, in order.
TEST_F(OutboxTest, SurvivesSigkillOfTheWritingProcess) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    auto o = Outbox::Open(config_, &clock_);
    if (!o.ok()) ::_exit(2);
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<core::Notification> ns;
      for (int i = 0; i < 10; ++i) ns.push_back(N("k" + std::to_string(i), static_cast<uint64_t>(batch)));
      std::vector<Outbox::Item> items;
      for (const auto& n : ns) items.push_back({"r/x/0", &n});
      auto ids = (*o)->AppendBatch(items);
      if (!ids.ok()) ::_exit(3);
      if (batch < 5) {
        for (uint64_t id : *ids) (*o)->MarkDone(id);  // "Delivered" the first 5 batches.
      }
    }
    if (!(*o)->Sync().ok()) ::_exit(4);
    // Mid-delivery of batch 5: one more done mark buffered but never synced, then killed.
    char c = 'x';
    if (::write(pipefd[1], &c, 1) != 1) ::_exit(5);
    for (;;) ::pause();
  }
  ::close(pipefd[1]);
  char c;
  ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
  ::close(pipefd[0]);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto o = Open();
  auto rec = o->TakeRecovered();
  ASSERT_EQ(rec.size(), 50u);
  for (size_t i = 0; i < rec.size(); ++i) {
    EXPECT_EQ(rec[i].notification.sequence, 5 + i / 10);
    EXPECT_EQ(rec[i].notification.dedup_key, "k" + std::to_string(i % 10));
    if (i > 0) {
      EXPECT_LT(rec[i - 1].id, rec[i].id);
    }
  }
}

// After a crash the engine derives again what it handed over since its last checkpoint (ADR 0057):
// the reopened outbox knows every entry appended in the last sent_retention before it closed,
// done, dead or pending, by its target and its whole notification but the decision time.
TEST_F(OutboxTest, KnowsWhatItHeldBeforeARestartApartFromTheDecisionTime) {
  core::Notification sent = N("a", 1);
  sent.incident_id = "i1";
  sent.time = core::EventTime::FromUnixNanos(1'000);
  core::Notification pending = N("b", 1);
  core::Notification dead = N("c", 1);
  {
    auto o = Open();
    EXPECT_FALSE(o->Holds("r/x/0", sent));  // An empty log holds nothing.
    auto ids = Append(*o, {sent, pending, dead});
    EXPECT_FALSE(o->Holds("r/x/0", sent));  // Only what was there at Open() counts.
    o->MarkDone(ids[0]);
    ASSERT_THAT(o->DeadLetter(OutboxEntry{ids[2], "r/x/0", clock_.Now(), dead}, "test", 1), IsOk());
    ASSERT_THAT(o->Sync(), IsOk());
  }
  clock_.Advance(absl::Hours(3));  // A long downtime: the memory counts from the log's newest entry.
  auto o = Open();
  core::Notification again = sent;
  again.time = core::EventTime::FromUnixNanos(2'000);  // Decided at another watermark.
  EXPECT_TRUE(o->Holds("r/x/0", again));
  EXPECT_TRUE(o->Holds("r/x/0", pending));
  EXPECT_TRUE(o->Holds("r/x/0", dead));
  EXPECT_FALSE(o->Holds("r/y/0", again));  // Another integration of the receiver.
  core::Notification other = again;
  other.sequence = 2;  // The next notification of the incident (a repeat has the same content).
  EXPECT_FALSE(o->Holds("r/x/0", other));
  other = again;
  other.incident_id = "i2";
  EXPECT_FALSE(o->Holds("r/x/0", other));
  other = again;
  other.status = core::NotificationStatus::kResolved;
  EXPECT_FALSE(o->Holds("r/x/0", other));
  other = again;
  other.firing_count = 2;  // Derived from more input than the first time: news, so it is sent.
  EXPECT_FALSE(o->Holds("r/x/0", other));
  // The memory lasts sent_retention after the start.
  clock_.Advance(config_.sent_retention - absl::Seconds(1));
  EXPECT_TRUE(o->Holds("r/x/0", again));
  clock_.Advance(absl::Seconds(1));
  EXPECT_FALSE(o->Holds("r/x/0", again));
}

TEST_F(OutboxTest, KnowsOnlyWhatWasAppendedWithinSentRetentionOfTheNewestEntry) {
  config_.sent_retention = absl::Minutes(10);
  {
    auto o = Open();
    o->MarkDone(Append(*o, {N("old", 1)})[0]);
    clock_.Advance(absl::Minutes(11));
    o->MarkDone(Append(*o, {N("new", 1)})[0]);
    ASSERT_THAT(o->Sync(), IsOk());
  }
  auto o = Open();
  EXPECT_FALSE(o->Holds("r/x/0", N("old", 1)));
  EXPECT_TRUE(o->Holds("r/x/0", N("new", 1)));
  o.reset();
  config_.sent_retention = absl::ZeroDuration();  // Off.
  EXPECT_FALSE(Open()->Holds("r/x/0", N("new", 1)));
}

// Compaction keeps done segments for sent_retention, so that a crash within it finds what was sent
// (the disk bound, max_segments, still wins); past it they go, as before.
TEST_F(OutboxTest, DoneSegmentsStayForSentRetention) {
  config_.segment_bytes = 4096;
  config_.sent_retention = absl::Minutes(10);
  auto o = Open();
  std::vector<uint64_t> all;
  for (int i = 0; i < 40; ++i) {
    auto ids = Append(*o, {N("k" + std::to_string(i), 1)});
    all.insert(all.end(), ids.begin(), ids.end());
  }
  const int64_t segments = o->stats().segments;
  ASSERT_GT(segments, 2);
  ASSERT_LE(segments, config_.max_segments);
  for (uint64_t id : all) o->MarkDone(id);
  ASSERT_THAT(o->Compact(), IsOk());
  EXPECT_EQ(o->stats().segments, segments);
  o.reset();
  o = Open();
  EXPECT_TRUE(o->Holds("r/x/0", N("k0", 1)));
  clock_.Advance(absl::Minutes(10));
  ASSERT_THAT(o->Compact(), IsOk());
  EXPECT_EQ(o->stats().segments, 1);
  // Over max_segments, done segments go at once, retention or not.
  config_.max_segments = 2;
  o.reset();
  o = Open();
  for (int i = 0; i < 40; ++i) o->MarkDone(Append(*o, {N("m" + std::to_string(i), 1)})[0]);
  ASSERT_GT(o->stats().segments, 2);
  ASSERT_THAT(o->Compact(), IsOk());
  EXPECT_EQ(o->stats().segments, 2);
}

TEST_F(OutboxTest, ParseConfig) {
  auto doc = core::YamlNode::LoadString(
      "outbox:\n  dir: /tmp/x\n  max_age: 2h\n  retry: {initial_backoff: 2s, max_backoff: 1m}\n"
      "  circuit_breaker: {failure_threshold: 3, cooldown: 10s}\n  sent_retention: 15m\n",
      "q.yaml");
  ASSERT_THAT(doc, IsOk());
  auto c = ParseOutboxConfig(*doc->Child("outbox"));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->dir, "/tmp/x");
  EXPECT_EQ(c->max_age, absl::Hours(2));
  EXPECT_EQ(c->retry.initial_backoff, absl::Seconds(2));
  EXPECT_EQ(c->circuit_breaker.failure_threshold, 3);
  EXPECT_EQ(c->sent_retention, absl::Minutes(15));
  auto bad = core::YamlNode::LoadString("outbox:\n  dri: x\n", "q.yaml");
  auto e = ParseOutboxConfig(*bad->Child("outbox"));
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("q.yaml:2:3"));
  auto negative = core::YamlNode::LoadString("outbox:\n  dir: x\n  sent_retention: -1h\n", "q.yaml");
  auto n = ParseOutboxConfig(*negative->Child("outbox"));
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("q.yaml:3:"));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("sent_retention: invalid duration"));
}

}  // namespace
}  // namespace quell::sinks
