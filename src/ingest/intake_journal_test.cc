#include "ingest/intake_journal.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/intake_journal_config.h"
#include "ingest/ndjson_replayer.h"
#include "ingest/parser.h"
#include "ingest/signal_json.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

namespace fs = std::filesystem;
using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kWebhook =
    R"({"id":"7312345678901234567","last_updated":"1767225540000","event_type":"query_alert_monitor",)"
    R"("title":"[Triggered] High error rate on checkout","date":"1767225540000","org":{"id":"123456","name":"acme"},)"
    R"("body":"%%%\nError rate above 5% on checkout\n%%%"})";
constexpr std::string_view kLogs = R"([{"message":"boom","status":"error","service":"checkout","ddtags":"team:pay"}])";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The journal's segment files (not its LOCK file), in name order.
std::vector<std::string> Segments(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".ndjson") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// SignalToJson without the record offset (a replay counts it from the start of the journal file).
std::string Rendered(const core::SignalBatch& b, const core::Signal& s) {
  static const std::regex kOffset(R"("record_offset":[0-9]+,)");
  return std::regex_replace(SignalToJson(b, s), kOffset, "");
}

// Renders every signal it is given.
class RenderingSink : public core::BatchSink {
 public:
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    for (const core::Signal& s : batch->signals()) rendered.push_back(Rendered(*batch, s));
    rejections += batch->rejections().size();
    batch->Clear();
    done();
    return absl::OkStatus();
  }
  std::vector<std::string> rendered;
  size_t rejections = 0;
};

std::vector<std::string> ParseDirect(core::Format f, std::string_view body, std::string_view ddtags,
                                     core::EventTime observed) {
  std::unique_ptr<Parser> p = MakeParser(f, ParserOptions{});
  p->SetBatchTags(ddtags);
  core::SignalBatch b;
  std::string padded(body);
  (void)p->Parse(padded, padded.size(), core::SourceKind::kHttp, observed, &b);
  std::vector<std::string> out;
  for (const core::Signal& s : b.signals()) out.push_back(Rendered(b, s));
  return out;
}

class IntakeJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quell_intake_journal_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  IntakeJournalConfig Config(JournalFsync fsync = JournalFsync::kAlways) {
    IntakeJournalConfig c;
    c.dir = (dir_ / "journal").string();
    c.fsync = fsync;
    return c;
  }
  fs::path dir_;
};

TEST_F(IntakeJournalTest, RecordsReplayToTheSignalsTheIntakeParsed) {
  const core::EventTime t1 = core::EventTime::FromUnixNanos(1'767'225'601'000'000'000);
  const core::EventTime t2 = core::EventTime::FromUnixNanos(1'767'225'602'000'000'000);
  {
    auto j = IntakeJournal::Open(Config());
    ASSERT_THAT(j, IsOk());
    EXPECT_TRUE((*j)->leftover_segments().empty());
    IntakeJournalTicket a, b;
    ASSERT_THAT((*j)->Append(&a, core::Format::kDatadogWebhook, t1, kWebhook), IsOk());
    ASSERT_THAT((*j)->WaitDurable(a), IsOk());
    ASSERT_THAT((*j)->Append(&b, core::Format::kDatadogLog, t2, kLogs, "env:prod,canary"), IsOk());
    ASSERT_THAT((*j)->WaitDurable(b), IsOk());
    EXPECT_EQ(a.sequence, 1u);
    EXPECT_EQ(b.sequence, 2u);
    EXPECT_EQ((*j)->stats().records.load(), 2u);
    EXPECT_GE((*j)->stats().syncs.load(), 1u);
    EXPECT_EQ((*j)->segments(), 1u);
    // Never marked done: a crash now leaves both records for the next start.
  }
  auto j = IntakeJournal::Open(Config());
  ASSERT_THAT(j, IsOk());
  ASSERT_EQ((*j)->leftover_segments().size(), 1u);
  EXPECT_THAT(ReadFile((*j)->leftover_segments()[0]), HasSubstr(R"("ddtags":"env:prod,canary")"));

  RenderingSink sink;
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));
  ReplayOptions ro;
  ro.source = core::SourceKind::kHttp;
  Replayer replayer(&sink, &clock, ro);
  ASSERT_THAT(replayer.ReplayFile((*j)->leftover_segments()[0]), IsOk());
  EXPECT_EQ(sink.rejections, 0u);
  std::vector<std::string> want = ParseDirect(core::Format::kDatadogWebhook, kWebhook, "", t1);
  std::vector<std::string> logs = ParseDirect(core::Format::kDatadogLog, kLogs, "env:prod,canary", t2);
  want.insert(want.end(), logs.begin(), logs.end());
  ASSERT_EQ(want.size(), 2u);
  EXPECT_THAT(want[1], HasSubstr(R"("canary")"));  // The batch tags reached the direct parse...
  EXPECT_EQ(sink.rendered, want);                   // ...and the replay, with the same times.
}

// A machine crash can leave the last line cut short (its request was never answered): the replay
// rejects that line with its reason and keeps every whole record before it.
TEST_F(IntakeJournalTest, ATornLastLineCostsOnlyThatRecord) {
  std::string path;
  {
    auto j = IntakeJournal::Open(Config(JournalFsync::kNever));
    ASSERT_THAT(j, IsOk());
    IntakeJournalTicket a, b;
    ASSERT_THAT((*j)->Append(&a, core::Format::kDatadogWebhook, core::EventTime::FromUnixNanos(1), kWebhook), IsOk());
    ASSERT_THAT((*j)->Append(&b, core::Format::kDatadogWebhook, core::EventTime::FromUnixNanos(2), kWebhook), IsOk());
    path = (dir_ / "journal" / "intake-00000000000000000001.ndjson").string();
  }
  fs::resize_file(path, fs::file_size(path) - 40);
  auto j = IntakeJournal::Open(Config(JournalFsync::kNever));
  ASSERT_THAT(j, IsOk());
  ASSERT_EQ((*j)->leftover_segments().size(), 1u);
  RenderingSink sink;
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));
  Replayer replayer(&sink, &clock, ReplayOptions{});
  ASSERT_THAT(replayer.ReplayFile((*j)->leftover_segments()[0]), IsOk());
  EXPECT_EQ(sink.rendered.size(), 1u);
  EXPECT_EQ(sink.rejections, 1u);
  EXPECT_EQ(replayer.stats().lines, 2u);
}

// Disk full (a file size limit in a child process stands in for it): the append that does not fit
// fails, the part of it that was written is cut off, and the records before and after it are
// whole lines that replay.
TEST_F(IntakeJournalTest, AFullDiskFailsTheAppendAndKeepsWholeLines) {
  const std::string small = R"([{"labels":{"alertname":"Small"}}])";
  const std::string big = R"([{"labels":{"alertname":"Big"},"annotations":{"summary":")" + std::string(8000, 'x') + R"("}}])";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int code = 0;
    {
      auto j = IntakeJournal::Open(Config(JournalFsync::kNever));
      if (!j.ok()) std::_Exit(10);
      IntakeJournalTicket a, b, c;
      if (!(*j)->Append(&a, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(1), small).ok()) code = 11;
      absl::Status full = (*j)->Append(&b, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(2), big);
      if (full.code() != absl::StatusCode::kUnavailable) code = 12;
      if ((*j)->stats().write_errors.load() != 1) code = 13;
      if (!(*j)->Append(&c, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(3), small).ok()) code = 14;
    }
    std::_Exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const std::string path = (dir_ / "journal" / "intake-00000000000000000001.ndjson").string();
  EXPECT_LT(fs::file_size(path), 4096u);
  RenderingSink sink;
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));
  Replayer replayer(&sink, &clock, ReplayOptions{});
  ASSERT_THAT(replayer.ReplayFile(path), IsOk());
  EXPECT_EQ(sink.rendered.size(), 2u);
  EXPECT_EQ(sink.rejections, 0u);
}

// The intake's normal order: submit (inside a SubmitScope), then append.
absl::Status SubmitThenAppend(IntakeJournal& j, IntakeJournalTicket* t, std::string_view body) {
  { IntakeJournal::SubmitScope submit(&j, t); }
  return j.Append(t, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(1), body);
}

// A record appended before its submit (the journal was failing) is pending until the submit's
// scope ends: a cut before that leaves its segment, and every later one, for the replay.
TEST_F(IntakeJournalTest, ACheckpointTrimsOnlySegmentsWithoutRecordsAwaitingTheirSubmit) {
  auto opened = IntakeJournal::Open(Config(JournalFsync::kNever));
  ASSERT_THAT(opened, IsOk());
  IntakeJournal& j = **opened;
  const auto t = core::EventTime::FromUnixNanos(1);
  IntakeJournalTicket a;
  ASSERT_THAT(j.Append(&a, core::Format::kAlertmanager, t, R"([{"labels":{"alertname":"A"}}])"), IsOk());
  // A is not submitted yet: its segment closes but must stay.
  uint64_t mark = j.BeginCheckpoint();
  EXPECT_EQ(mark, 0u);
  ASSERT_THAT(j.CheckpointDurable(mark), IsOk());
  EXPECT_EQ(j.segments(), 2u);
  IntakeJournalTicket b;
  ASSERT_THAT(SubmitThenAppend(j, &b, R"([{"labels":{"alertname":"B"}}])"), IsOk());
  // B was submitted before this cut, A not yet: the mark stops before A's segment, so B's (later)
  // one stays too.
  EXPECT_EQ(j.BeginCheckpoint(), 0u);
  EXPECT_EQ(j.segments(), 3u);
  { IntakeJournal::SubmitScope submit(&j, &a); }  // A's submit.
  mark = j.BeginCheckpoint();  // Nothing new since: no rotation, both closed segments are covered.
  EXPECT_EQ(mark, 2u);
  EXPECT_EQ(j.segments(), 3u);
  ASSERT_THAT(j.CheckpointDurable(mark), IsOk());
  EXPECT_EQ(j.segments(), 1u);
  EXPECT_EQ(j.stats().segments_trimmed.load(), 2u);
  EXPECT_THAT(Segments(dir_ / "journal"), ElementsAre("intake-00000000000000000003.ndjson"));
  EXPECT_EQ(j.disk_bytes(), 0u);
  // A record appended first whose body is never submitted (its sync failed) is released.
  IntakeJournalTicket c;
  ASSERT_THAT(j.Append(&c, core::Format::kAlertmanager, t, R"([{"labels":{"alertname":"C"}}])"), IsOk());
  j.Release(&c);
  EXPECT_EQ(j.BeginCheckpoint(), 3u);
}

TEST_F(IntakeJournalTest, ARecordAppendedAfterItsSubmitIsCoveredByTheNextCut) {
  auto opened = IntakeJournal::Open(Config(JournalFsync::kNever));
  ASSERT_THAT(opened, IsOk());
  IntakeJournal& j = **opened;
  IntakeJournalTicket a;
  ASSERT_THAT(SubmitThenAppend(j, &a, "[]"), IsOk());
  uint64_t mark = j.BeginCheckpoint();
  EXPECT_EQ(mark, 1u);
  ASSERT_THAT(j.CheckpointDurable(mark), IsOk());
  EXPECT_THAT(Segments(dir_ / "journal"), ElementsAre("intake-00000000000000000002.ndjson"));
}

// B was submitted, then a checkpoint's cut came (its snapshot holds B), then the intake thread
// appended B, after the checkpoint's mark. B's line is marked with that checkpoint, and the
// replay into a state restored from it (or a later one) skips B; into an older state it applies
// B. A (submitted and appended before the cut) and C (submitted after it) are not marked.
TEST_F(IntakeJournalTest, ABodySubmittedBeforeACutButAppendedAfterItIsMarkedWithIt) {
  const auto t = core::EventTime::FromUnixNanos(1);
  const std::string a_body = R"([{"labels":{"alertname":"A"}}])", b_body = R"([{"labels":{"alertname":"B"}}])",
                    c_body = R"([{"labels":{"alertname":"C"}}])";
  std::string segment;
  {
    auto opened = IntakeJournal::Open(Config(JournalFsync::kNever), /*covered=*/0, /*checkpoint_number=*/6);
    ASSERT_THAT(opened, IsOk());
    IntakeJournal& j = **opened;
    EXPECT_EQ(j.checkpoint_number(), 6u);
    IntakeJournalTicket a, b, c;
    ASSERT_THAT(SubmitThenAppend(j, &a, a_body), IsOk());
    { IntakeJournal::SubmitScope submit(&j, &b); }
    int cuts = 0;
    EXPECT_EQ(j.BeginCheckpoint([&] { ++cuts; }), 1u);  // Closes A's segment; numbered 7.
    EXPECT_EQ(cuts, 1);
    EXPECT_EQ(j.checkpoint_number(), 7u);
    ASSERT_THAT(j.Append(&b, core::Format::kAlertmanager, t, b_body), IsOk());
    ASSERT_THAT(SubmitThenAppend(j, &c, c_body), IsOk());
    segment = (dir_ / "journal" / "intake-00000000000000000002.ndjson").string();
    // A crash here: checkpoint 7 may or may not have become durable.
  }
  const std::string lines = ReadFile(segment);
  EXPECT_THAT(lines, HasSubstr(R"("in_checkpoint":7,)"));
  EXPECT_EQ(lines.find("in_checkpoint"), lines.rfind("in_checkpoint"));  // B's line only.
  EXPECT_LT(lines.find("in_checkpoint"), lines.find(R"("alertname":"B")"));
  EXPECT_GT(lines.find(R"("alertname":"C")"), lines.find(R"("alertname":"B")"));
  for (uint64_t restored : {7u, 8u, 6u, 0u}) {
    RenderingSink sink;
    core::ManualClock clock(core::WallTime::FromUnixNanos(0));
    ReplayOptions ro;
    ro.skip_in_checkpoint_up_to = restored;
    Replayer replayer(&sink, &clock, ro);
    ASSERT_THAT(replayer.ReplayFile(segment), IsOk());
    EXPECT_EQ(sink.rejections, 0u);
    const bool has_b = restored < 7;  // From checkpoint 6 or none, B is not in the restored state.
    ASSERT_EQ(sink.rendered.size(), has_b ? 2u : 1u) << "restored from checkpoint " << restored;
    EXPECT_THAT(sink.rendered.back(), HasSubstr(R"("alertname":"C")"));
    if (has_b) {
      EXPECT_THAT(sink.rendered.front(), HasSubstr(R"("alertname":"B")"));
    }
    EXPECT_EQ(replayer.stats().skipped, has_b ? 0u : 1u);
  }
}

// The cut is an instant between submits: `at_cut` never runs while a SubmitScope is open, and
// a submit that follows a cut sees that cut's number. Threads submit while checkpoints run, one
// after the other, until every thread is through.
TEST_F(IntakeJournalTest, ACutNeverFallsInsideASubmit) {
  auto opened = IntakeJournal::Open(Config(JournalFsync::kNever));
  ASSERT_THAT(opened, IsOk());
  IntakeJournal& j = **opened;
  constexpr int kThreads = 3, kEach = 2000;
  std::atomic<int> in_submit{0}, overlaps{0}, stale{0}, finished{0};
  std::atomic<uint64_t> cut_number{0};    // The number of the last cut whose at_cut ran.
  std::atomic<uint64_t> newest_seen{0};   // The highest checkpoint number a submit came after.
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < kEach; ++k) {
        IntakeJournalTicket t;
        IntakeJournal::SubmitScope submit(&j, &t);
        in_submit.fetch_add(1);
        if (t.submit_checkpoint < cut_number.load()) stale.fetch_add(1);
        uint64_t seen = newest_seen.load();
        while (seen < t.submit_checkpoint && !newest_seen.compare_exchange_weak(seen, t.submit_checkpoint)) {
        }
        in_submit.fetch_sub(1);
      }
      finished.fetch_add(1);
    });
  }
  uint64_t cuts = 0;
  while (finished.load() < kThreads) {
    (void)j.BeginCheckpoint([&] {
      if (in_submit.load() != 0) overlaps.fetch_add(1);
      cut_number.store(j.checkpoint_number());
    });
    ++cuts;
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(stale.load(), 0);
  EXPECT_EQ(j.checkpoint_number(), cuts);
  EXPECT_GT(newest_seen.load(), 0u);  // Submits came between cuts, not all before the first.
}

TEST_F(IntakeJournalTest, LeftoversAreReplayedInOrderAndTrimmedByTheFirstCheckpoint) {
  for (int run = 0; run < 3; ++run) {
    auto j = IntakeJournal::Open(Config(JournalFsync::kNever));
    ASSERT_THAT(j, IsOk());
    EXPECT_EQ((*j)->leftover_segments().size(), static_cast<size_t>(run));
    IntakeJournalTicket t;
    ASSERT_THAT((*j)->Append(&t, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(run + 1), "[]"), IsOk());
  }
  auto j = IntakeJournal::Open(Config(JournalFsync::kNever));
  ASSERT_THAT(j, IsOk());
  const std::vector<std::string>& left = (*j)->leftover_segments();
  ASSERT_EQ(left.size(), 3u);
  EXPECT_THAT(left[0], HasSubstr("intake-00000000000000000001.ndjson"));
  EXPECT_THAT(left[2], HasSubstr("intake-00000000000000000003.ndjson"));
  EXPECT_THAT(ReadFile(left[2]), HasSubstr(R"({"t":3,)"));
  // Nothing appended in this run: the checkpoint does not rotate, and trims the three.
  uint64_t mark = (*j)->BeginCheckpoint();
  EXPECT_EQ(mark, 3u);
  ASSERT_THAT((*j)->CheckpointDurable(mark), IsOk());
  j->reset();  // The empty current segment is removed when the journal closes.
  EXPECT_TRUE(Segments(dir_ / "journal").empty());
}

// QA: two instances started on one state directory each replayed and delivered what the other
// recorded. A journal directory has one writer: a second Open fails while the first is open.
TEST_F(IntakeJournalTest, ASecondJournalOnTheSameDirectoryIsRefused) {
  auto first = IntakeJournal::Open(Config(JournalFsync::kNever));
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(IntakeJournal::Open(Config(JournalFsync::kNever)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("intake journal: ")));
  first->reset();
  EXPECT_THAT(IntakeJournal::Open(Config(JournalFsync::kNever)), IsOk());
}

// A crash between a checkpoint and its trim: the segments up to the checkpoint's mark (saved in
// the state file) are in the restored state already, so Open removes them instead of listing
// them for replay; the next segment is numbered after the mark even when the directory holds
// none past it (new records are never taken for covered ones).
TEST_F(IntakeJournalTest, SegmentsTheRestoredStateCoversAreNotReplayed) {
  for (int run = 0; run < 3; ++run) {
    auto j = IntakeJournal::Open(Config(JournalFsync::kNever));
    ASSERT_THAT(j, IsOk());
    IntakeJournalTicket t;
    ASSERT_THAT((*j)->Append(&t, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(run + 1), "[]"), IsOk());
  }
  {
    auto j = IntakeJournal::Open(Config(JournalFsync::kNever), /*covered=*/2);
    ASSERT_THAT(j, IsOk());
    ASSERT_EQ((*j)->leftover_segments().size(), 1u);
    EXPECT_THAT((*j)->leftover_segments()[0], HasSubstr("intake-00000000000000000003.ndjson"));
    EXPECT_EQ((*j)->covered_at_open(), 2u);
    EXPECT_EQ(Segments(dir_ / "journal").size(), 2u);  // Segment 3 and the new current one, 4.
  }
  fs::remove_all(dir_ / "journal");
  auto j = IntakeJournal::Open(Config(JournalFsync::kNever), /*covered=*/7);
  ASSERT_THAT(j, IsOk());
  EXPECT_TRUE((*j)->leftover_segments().empty());
  IntakeJournalTicket t;
  ASSERT_THAT((*j)->Append(&t, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(9), "[]"), IsOk());
  EXPECT_TRUE(fs::exists(dir_ / "journal" / "intake-00000000000000000008.ndjson"));
}

TEST_F(IntakeJournalTest, ConcurrentRequestsShareSyncsAndKeepWholeLines) {
  auto opened = IntakeJournal::Open(Config(JournalFsync::kAlways));
  ASSERT_THAT(opened, IsOk());
  IntakeJournal& j = **opened;
  constexpr int kThreads = 4, kEach = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kEach; ++k) {
        IntakeJournalTicket t;
        std::string body = R"([{"labels":{"alertname":"A)" + std::to_string(i) + "_" + std::to_string(k) + R"("}}])";
        { IntakeJournal::SubmitScope submit(&j, &t); }
        if (!j.Append(&t, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(1), body).ok() ||
            !j.WaitDurable(t).ok()) {
          failures.fetch_add(1);
        }
        if (k == kEach / 2 && i == 0) (void)j.BeginCheckpoint();  // A rotation in the middle.
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(j.stats().records.load(), static_cast<uint64_t>(kThreads * kEach));
  EXPECT_LE(j.stats().syncs.load(), static_cast<uint64_t>(kThreads * kEach));
  // Every line is whole and replays.
  RenderingSink sink;
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));
  for (const std::string& name : Segments(dir_ / "journal")) {
    Replayer replayer(&sink, &clock, ReplayOptions{});
    ASSERT_THAT(replayer.ReplayFile((dir_ / "journal" / name).string()), IsOk());
  }
  EXPECT_EQ(sink.rendered.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(sink.rejections, 0u);
}

// fsync: interval: the request does not wait; a background thread syncs what was appended.
TEST_F(IntakeJournalTest, IntervalModeSyncsInTheBackground) {
  IntakeJournalConfig c = Config(JournalFsync::kInterval);
  c.fsync_interval = absl::Milliseconds(10);
  auto opened = IntakeJournal::Open(c);
  ASSERT_THAT(opened, IsOk());
  IntakeJournal& j = **opened;
  IntakeJournalTicket t;
  ASSERT_THAT(j.Append(&t, core::Format::kAlertmanager, core::EventTime::FromUnixNanos(1), "[]"), IsOk());
  ASSERT_THAT(j.WaitDurable(t), IsOk());  // At once.
  // The syncer runs on wall time (a real thread): poll for its fdatasync, 10 s at most.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (j.stats().syncs.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(j.stats().syncs.load(), 1u);
  EXPECT_EQ(j.stats().write_errors.load(), 0u);
}

TEST_F(IntakeJournalTest, OpenFailsWithTheDirectoryNamed) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  IntakeJournalConfig c;
  c.dir = (dir_ / "file" / "journal").string();
  auto j = IntakeJournal::Open(c);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(j.status().message()), HasSubstr(c.dir));
}

TEST(IntakeJournalConfigTest, ParsesAndNamesBadValues) {
  auto parse = [](const std::string& yaml) -> absl::StatusOr<IntakeJournalConfig> {
    auto node = core::YamlNode::LoadString(yaml, "quell.yaml");
    if (!node.ok()) return node.status();
    return ParseIntakeJournalConfig(*node->Child("journal"));
  };
  auto ok = parse("journal:\n  dir: /var/lib/quell/journal\n  fsync: never\n");
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->dir, "/var/lib/quell/journal");
  EXPECT_EQ(ok->fsync, JournalFsync::kNever);
  auto defaults = parse("journal:\n  dir: j\n");
  ASSERT_THAT(defaults, IsOk());
  EXPECT_EQ(defaults->fsync, JournalFsync::kInterval);
  EXPECT_EQ(defaults->fsync_interval, absl::Seconds(1));
  auto every = parse("journal:\n  dir: j\n  fsync: always\n  fsync_interval: 5s\n");
  ASSERT_THAT(every, IsOk());
  EXPECT_EQ(every->fsync, JournalFsync::kAlways);
  EXPECT_EQ(every->fsync_interval, absl::Seconds(5));
  auto too_short = parse("journal:\n  dir: j\n  fsync_interval: 1ms\n");
  ASSERT_FALSE(too_short.ok());
  EXPECT_THAT(std::string(too_short.status().message()), HasSubstr("quell.yaml:3:19: ingest.journal.fsync_interval"));
  auto bad = parse("journal:\n  dir: j\n  fsync: sometimes\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("quell.yaml:3:10: ingest.journal.fsync: \"sometimes\" is not one of interval, always, never"));
  auto missing = parse("journal:\n  fsync: never\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("quell.yaml:2:3"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("dir"));
  auto unknown = parse("journal:\n  dir: j\n  sync: always\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("sync"));
}

}  // namespace
}  // namespace quell::ingest
