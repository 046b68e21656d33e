#include "ingest/ndjson_replayer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "gtest/gtest.h"
#include "ingest/ndjson_record_writer.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

// Records what it was given and when (by the manual clock); refuses the first `refuse` offers.
class FakeSink : public core::BatchSink {
 public:
  explicit FakeSink(const core::Clock* clock) : clock_(clock) {}
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    if (refuse > 0) {
      --refuse;
      return absl::ResourceExhaustedError("queue full");
    }
    for (const core::Signal& s : batch->signals()) {
      titles.push_back(std::string(s.title));
      times.push_back(clock_->Now());
      event_times.push_back(s.event_time);
      end_times.push_back(s.end_time);
    }
    rejections += batch->rejections().size();
    batch->Clear();
    ++batches;
    done();
    return absl::OkStatus();
  }
  const core::Clock* clock_;
  int refuse = 0;
  std::vector<std::string> titles;
  std::vector<core::WallTime> times;
  std::vector<core::EventTime> event_times, end_times;
  size_t rejections = 0;
  int batches = 0;
};

std::string Record(int64_t t_ns, const std::string& name) {
  std::string line;
  RecordWriter::FormatRecord(core::Format::kAlertmanager, core::EventTime::FromUnixNanos(t_ns),
                             "[{\"labels\":{\"alertname\":\"" + name + "\"}}]", &line);
  return line;
}

TEST(ReplayerTest, FastModeBatchesAndCountsBadLines) {
  core::ManualClock clock(core::WallTime::FromUnixNanos(1'000'000'000));
  FakeSink sink(&clock);
  std::stringstream in(Record(1, "a") + "oops\n" + Record(2, "b") + "\n" + Record(3, "c"));
  ReplayOptions o;
  o.max_batch_lines = 2;
  Replayer r(&sink, &clock, o, [&](core::WallTime t) { clock.Set(t); });
  ASSERT_OK(r.Replay(in));
  EXPECT_EQ(sink.titles, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(sink.rejections, 1u);
  EXPECT_EQ(sink.batches, 2);
  EXPECT_EQ(r.stats().lines, 4u);
  EXPECT_EQ(r.stats().accepted, 3u);
  EXPECT_EQ(r.stats().rejected, 1u);
}

TEST(ReplayerTest, PacedModeWaitsOnTheInjectedClock) {
  const core::WallTime start = core::WallTime::FromUnixNanos(5'000'000'000);
  core::ManualClock clock(start);
  FakeSink sink(&clock);
  std::stringstream in(Record(10'000'000'000, "a") + Record(12'000'000'000, "b") + Record(11'000'000'000, "late") +
                       Record(20'000'000'000, "c"));
  ReplayOptions o;
  o.speed = 2;  // Twice real time.
  std::vector<core::WallTime> waits;
  Replayer r(&sink, &clock, o, [&](core::WallTime t) {
    waits.push_back(t);
    clock.Set(t);
  });
  ASSERT_OK(r.Replay(in));
  ASSERT_EQ(sink.titles, (std::vector<std::string>{"a", "b", "late", "c"}));
  EXPECT_EQ(sink.times[0], start);
  EXPECT_EQ(sink.times[1], start + absl::Seconds(1));
  EXPECT_EQ(sink.times[2], start + absl::Seconds(1));  // Earlier than the clock already is: no wait.
  EXPECT_EQ(sink.times[3], start + absl::Seconds(5));
  EXPECT_EQ(waits.size(), 2u);
}

TEST(ReplayerTest, RetriesWhenTheSinkRefuses) {
  core::ManualClock clock;
  FakeSink sink(&clock);
  sink.refuse = 2;
  std::stringstream in(Record(1, "a"));
  int waits = 0;
  Replayer r(&sink, &clock, ReplayOptions{}, [&](core::WallTime t) {
    ++waits;
    clock.Set(t);
  });
  ASSERT_OK(r.Replay(in));
  EXPECT_EQ(waits, 2);
  EXPECT_EQ(sink.titles.size(), 1u);
}

TEST(ReplayerTest, RejectedLinesGoToTheDeadLetterFile) {
  core::ManualClock clock(core::WallTime::FromUnixNanos(1'000'000'000));
  FakeSink sink(&clock);
  const std::string good = Record(1, "a");
  std::string bad_inner;  // A valid line whose Alertmanager body has one record without labels.
  RecordWriter::FormatRecord(core::Format::kAlertmanager, core::EventTime::FromUnixNanos(2),
                             "[{\"labels\":{\"alertname\":\"b\"}},{\"annotations\":{}}]", &bad_inner);
  std::stringstream in(good + "oops\n" + bad_inner);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("quell_replay_dead_letter_" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  auto file = DeadLetterFile::Open(path.string(), DeadLetterFile::Options{});
  ASSERT_OK(file.status());
  ReplayOptions o;
  o.dead_letter = file->get();
  Replayer r(&sink, &clock, o, [&](core::WallTime t) { clock.Set(t); });
  ASSERT_OK(r.Replay(in));
  EXPECT_EQ(sink.titles, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(r.stats().rejected, 2u);
  EXPECT_EQ(r.stats().dead_lettered, 2u);

  std::ifstream lines(path);
  std::vector<std::string> entries;
  for (std::string l; std::getline(lines, l);) entries.push_back(l);
  ASSERT_EQ(entries.size(), 2u);
  // The bad line: line 1, at its byte offset in the file, the line itself as original.
  EXPECT_NE(entries[0].find("\"offset\":" + std::to_string(good.size())), std::string::npos) << entries[0];
  EXPECT_NE(entries[0].find("\"record\":1"), std::string::npos) << entries[0];
  EXPECT_NE(entries[0].find("\"original\":\"oops\""), std::string::npos) << entries[0];
  // The bad record inside line 2: past the start of that line, its own bytes as original.
  EXPECT_NE(entries[1].find("\"record\":2"), std::string::npos) << entries[1];
  EXPECT_NE(entries[1].find("annotations"), std::string::npos) << entries[1];
  EXPECT_EQ(entries[1].find("alertname"), std::string::npos) << entries[1];
  EXPECT_EQ((*file)->stats().written, 2u);
  std::filesystem::remove(path);
}

core::EventTime At(const char* rfc3339) { return core::EventTime::FromAbsl(*core::ParseRfc3339(rfc3339)); }

TEST(ReplayerTest, RebaseToNowShiftsEventAndEndTimesKeepingTheirSpacing) {
  // Recorded on 2026-01-01, replayed on 2026-11-26. From a stream (no first pass possible) the first
  // record's time maps to the clock's now.
  const core::EventTime t0 = At("2026-01-01T00:00:00Z");
  core::ManualClock clock(core::WallTime::FromUnixNanos(At("2026-11-26T03:00:00Z").unix_nanos()));
  FakeSink sink(&clock);
  auto alert = [](core::EventTime t, const std::string& name, const char* starts, const char* ends) {
    std::string line;
    RecordWriter::FormatRecord(core::Format::kAlertmanager, t,
                               "[{\"labels\":{\"alertname\":\"" + name + "\"},\"startsAt\":\"" + starts +
                                   "\",\"endsAt\":\"" + ends + "\"}]",
                               &line);
    return line;
  };
  std::stringstream in(alert(t0, "a", "2025-12-31T23:59:00Z", "2026-01-01T00:04:00Z") + "\n" +
                       alert(t0 + absl::Minutes(2), "b", "2026-01-01T00:02:00Z", "2026-01-01T00:07:00Z"));
  ReplayOptions o;
  o.rebase_to_now = true;
  Replayer r(&sink, &clock, o, [&](core::WallTime t) { clock.Set(t); });
  ASSERT_OK(r.Replay(in));
  ASSERT_EQ(sink.titles, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sink.event_times[0], At("2026-11-26T02:59:00Z"));
  EXPECT_EQ(sink.end_times[0], At("2026-11-26T03:04:00Z"));
  EXPECT_EQ(sink.event_times[1], At("2026-11-26T03:02:00Z"));
  EXPECT_EQ(sink.end_times[1], At("2026-11-26T03:07:00Z"));

  // From a file the stream is shifted to end at now: its latest record (t0 + 2 min) is at 03:00.
  const std::string path = ::testing::TempDir() + "/replay_rebase_" + std::to_string(::getpid()) + ".ndjson";
  {
    std::ofstream f(path);
    f << alert(t0, "a", "2025-12-31T23:59:00Z", "2026-01-01T00:04:00Z") << "\n"
      << alert(t0 + absl::Minutes(2), "b", "2026-01-01T00:02:00Z", "2026-01-01T00:07:00Z") << "\n";
  }
  FakeSink from_file(&clock);
  Replayer r3(&from_file, &clock, o, [&](core::WallTime t) { clock.Set(t); });
  ASSERT_OK(r3.ReplayFile(path));
  std::filesystem::remove(path);
  ASSERT_EQ(from_file.event_times.size(), 2u);
  EXPECT_EQ(from_file.event_times[0], At("2026-11-26T02:57:00Z"));
  EXPECT_EQ(from_file.end_times[0], At("2026-11-26T03:02:00Z"));
  EXPECT_EQ(from_file.event_times[1], At("2026-11-26T03:00:00Z"));
  EXPECT_EQ(r3.stats().accepted, 2u);

  // Without the option the recorded times pass unchanged.
  FakeSink plain(&clock);
  std::stringstream again(alert(t0, "a", "2025-12-31T23:59:00Z", "2026-01-01T00:04:00Z"));
  Replayer r2(&plain, &clock, ReplayOptions{}, [&](core::WallTime t) { clock.Set(t); });
  ASSERT_OK(r2.Replay(again));
  ASSERT_EQ(plain.event_times.size(), 1u);
  EXPECT_EQ(plain.event_times[0], At("2025-12-31T23:59:00Z"));
}

TEST(ReplayerTest, MissingFileIsNotFound) {
  core::ManualClock clock;
  FakeSink sink(&clock);
  Replayer r(&sink, &clock, ReplayOptions{});
  EXPECT_EQ(r.ReplayFile("/nonexistent/replay.ndjson").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace quell::ingest
