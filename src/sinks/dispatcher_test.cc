// src/sinks/dispatcher_test.cc
//
// Dispatcher behaviour on a ManualClock with scripted receivers: no sleeps, every timing exact.
#include "sinks/dispatcher.h"

#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/secret_check.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

class ScriptedReceiver final : public Receiver {
 public:
  ScriptedReceiver(std::string name, std::string type, const core::Clock* clock)
      : name_(std::move(name)), type_(std::move(type)), id_(IntegrationId(name_, type_, 0)), clock_(clock) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return type_; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override {
    seen.push_back(n);
    times.push_back(clock_->Now());
    if (async) {
      pending.push_back(std::move(done));
      return;
    }
    DeliveryOutcome o = def;
    if (!script.empty()) {
      o = script.front();
      script.pop_front();
    }
    done(o);
  }
  // Completes the oldest pending attempt (async mode).
  void CompleteOldest(DeliveryOutcome o) {
    auto d = std::move(pending.front());
    pending.pop_front();
    d(std::move(o));
  }

  std::string name_, type_, id_;
  const core::Clock* clock_;
  bool async = false;
  std::deque<DeliveryOutcome> script;
  DeliveryOutcome def;
  std::vector<core::Notification> seen;
  std::vector<core::WallTime> times;
  std::deque<DeliveryCallback> pending;
};

DeliveryOutcome Fail(absl::StatusCode code, absl::Duration retry_after = absl::ZeroDuration()) {
  return DeliveryOutcome{absl::Status(code, "test receiver \"r\": failure"), retry_after};
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("quell_dispatcher_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    outbox_config_.dir = dir_.string();
    outbox_config_.retry = RetryConfig{absl::Seconds(1), absl::Seconds(60), 2.0};
    outbox_config_.circuit_breaker = CircuitConfig{3, absl::Seconds(30)};
    outbox_config_.max_age = absl::Hours(1);
  }
  void TearDown() override {
    dispatcher_.reset();
    outbox_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Builds a dispatcher with one scripted receiver per name in `names` (all type "test").
  void Build(std::vector<std::string> names = {"r"}, std::map<std::string, RateLimit> limits = {},
             const Redactor* redactor = nullptr) {
    auto o = Outbox::Open(outbox_config_, &clock_);
    ASSERT_THAT(o, IsOk());
    outbox_ = std::move(*o);
    std::vector<std::unique_ptr<Receiver>> rs;
    receivers_.clear();
    for (const auto& n : names) {
      auto r = std::make_unique<ScriptedReceiver>(n, "test", &clock_);
      receivers_.push_back(r.get());
      rs.push_back(std::move(r));
    }
    DispatcherOptions opts;
    opts.seed = 99;
    dispatcher_ = std::make_unique<Dispatcher>(&clock_, outbox_.get(), redactor, std::move(rs), std::move(limits), opts);
  }
  void Restart() {
    dispatcher_.reset();
    outbox_.reset();
  }
  static core::Notification N(std::string key, uint64_t seq, std::string receiver = "r") {
    core::Notification n;
    n.receiver = std::move(receiver);
    n.dedup_key = std::move(key);
    n.sequence = seq;
    n.summary = "incident " + n.dedup_key;
    return n;
  }
  // Polls until nothing more happens at the current time.
  void Settle() {
    for (int i = 0; i < 5; ++i) dispatcher_->Poll();
  }
  std::string ReadAll(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  std::filesystem::path dir_;
  OutboxConfig outbox_config_;
  core::ManualClock clock_{core::WallTime::FromUnixNanos(1'700'000'000'000'000'000)};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<ScriptedReceiver*> receivers_;
};

TEST_F(DispatcherTest, DeliversAndMarksDone) {
  Build();
  for (int i = 0; i < 3; ++i) dispatcher_->Send(N("k" + std::to_string(i), 1));
  Settle();
  EXPECT_EQ(receivers_[0]->seen.size(), 3u);
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.delivered_total, 3);
  EXPECT_EQ(st.outbox.depth, 0);
  EXPECT_EQ(st.queued, 0);
}

TEST_F(DispatcherTest, RetriesWithExponentialBackoffAndFullJitter) {
  outbox_config_.circuit_breaker.failure_threshold = 100;  // Keep the circuit out of this test.
  Build();
  auto* r = receivers_[0];
  r->def = Fail(absl::StatusCode::kUnavailable);
  dispatcher_->Send(N("a", 1));
  Settle();
  ASSERT_EQ(r->seen.size(), 1u);
  // The expected waits come from a RetryPolicy with the same seed.
  RetryPolicy expected(outbox_config_.retry, 99);
  for (int attempt = 1; attempt <= 4; ++attempt) {
    absl::Duration wait = expected.Backoff(attempt);
    EXPECT_LE(wait, expected.Cap(attempt));
    core::WallTime due = r->times.back() + wait;
    if (wait > absl::Milliseconds(1)) {
      clock_.Set(due - absl::Milliseconds(1));
      Settle();
      EXPECT_EQ(r->seen.size(), static_cast<size_t>(attempt)) << "retried before its backoff, attempt " << attempt;
    }
    clock_.Set(due);
    if (attempt == 4) r->def = DeliveryOutcome::Ok();
    Settle();
    ASSERT_EQ(r->seen.size(), static_cast<size_t>(attempt + 1));
    EXPECT_EQ(r->times.back(), due);
  }
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.retries_total, 4);
  EXPECT_EQ(st.delivered_total, 1);
  EXPECT_EQ(st.outbox.depth, 0);
}

TEST_F(DispatcherTest, HonoursRetryAfter) {
  Build();
  auto* r = receivers_[0];
  r->script = {Fail(absl::StatusCode::kResourceExhausted, absl::Seconds(30))};
  dispatcher_->Send(N("a", 1));
  Settle();
  ASSERT_EQ(r->seen.size(), 1u);
  clock_.Advance(absl::Seconds(29));
  Settle();
  EXPECT_EQ(r->seen.size(), 1u);
  clock_.Advance(absl::Seconds(1));
  Settle();
  EXPECT_EQ(r->seen.size(), 2u);
  EXPECT_EQ(dispatcher_->stats().delivered_total, 1);
  // 429s do not count toward the circuit.
  EXPECT_EQ(dispatcher_->stats().targets[0].circuit, CircuitBreaker::State::kClosed);
}

TEST_F(DispatcherTest, PermanentFailureIsDeadLetteredNotRetried) {
  Build();
  auto* r = receivers_[0];
  r->def = Fail(absl::StatusCode::kInvalidArgument);
  dispatcher_->Send(N("a", 1));
  Settle();
  clock_.Advance(absl::Hours(2));
  Settle();
  EXPECT_EQ(r->seen.size(), 1u);
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.dead_lettered_total, 1);
  EXPECT_EQ(st.outbox.depth, 0);
  std::string dl = ReadAll(outbox_->dead_letter_path());
  EXPECT_THAT(dl, HasSubstr("\"dedup_key\":\"a\""));
  EXPECT_THAT(dl, HasSubstr("failure"));
}

// Captures what the dispatcher logs through spdlog's default logger while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l %v");
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST_F(DispatcherTest, LogsEachDeadLetterAndEachCircuitChange) {
  LogCapture log;
  Build();
  auto* r = receivers_[0];
  r->def = Fail(absl::StatusCode::kInvalidArgument);
  core::Notification n = N("dk-1", 1);
  n.incident_id = "inc-7";
  dispatcher_->Send(n);
  Settle();
  EXPECT_THAT(log.text(), HasSubstr("error notify: incident for receiver \"r\" (integration " + r->id() +
                                    ", dedup_key dk-1, incident inc-7) dead-lettered after 1 attempt(s): "
                                    "test receiver \"r\": failure"));
  // A transient failure is logged at debug only; the circuit's opening and closing once each.
  r->def = Fail(absl::StatusCode::kUnavailable);
  for (int i = 0; i < 4; ++i) dispatcher_->Send(N("k" + std::to_string(i), 1));
  Settle();
  ASSERT_EQ(dispatcher_->stats().targets[0].circuit, CircuitBreaker::State::kOpen);
  const std::string open_line = "warning notify: integration " + r->id() + " unreachable, circuit open";
  EXPECT_THAT(log.text(), HasSubstr(open_line + " (next probe after 30s): test receiver \"r\": failure"));
  EXPECT_THAT(log.text(), HasSubstr("debug notify: integration " + r->id() + " attempt 1 failed, will retry"));
  clock_.Advance(absl::Seconds(30));
  r->def = DeliveryOutcome::Ok();
  Settle();
  const std::string text = log.text();
  EXPECT_EQ(text.find(open_line), text.rfind(open_line));  // Logged once, not per failure.
  EXPECT_THAT(text, HasSubstr("info notify: integration " + r->id() + " reachable again, circuit closed"));
  EXPECT_EQ(dispatcher_->stats().delivered_total, 4);
}

TEST_F(DispatcherTest, LaterNotificationNeverOvertakesEarlierForSameDedupKey) {
  Build();
  auto* r = receivers_[0];
  r->async = true;
  dispatcher_->Send(N("a", 1));
  dispatcher_->Send(N("a", 2));
  dispatcher_->Send(N("b", 1));
  Settle();
  ASSERT_EQ(r->seen.size(), 2u);  // a#1 and b#1; a#2 waits behind a#1.
  EXPECT_EQ(r->seen[0].dedup_key, "a");
  EXPECT_EQ(r->seen[1].dedup_key, "b");
  r->CompleteOldest(Fail(absl::StatusCode::kUnavailable));  // a#1 fails.
  r->CompleteOldest(DeliveryOutcome::Ok());                  // b#1 ok.
  Settle();
  EXPECT_EQ(r->seen.size(), 2u);  // a#2 still waits for a#1's retry.
  clock_.Advance(absl::Seconds(2));
  Settle();
  ASSERT_EQ(r->seen.size(), 3u);
  EXPECT_EQ(r->seen[2].dedup_key, "a");
  EXPECT_EQ(r->seen[2].sequence, 1u);
  r->CompleteOldest(DeliveryOutcome::Ok());
  Settle();
  ASSERT_EQ(r->seen.size(), 4u);
  EXPECT_EQ(r->seen[3].sequence, 2u);
  r->CompleteOldest(DeliveryOutcome::Ok());
  Settle();
  EXPECT_EQ(dispatcher_->stats().delivered_total, 3);
}

TEST_F(DispatcherTest, CircuitOpensAfterConsecutiveFailuresAndClosesAfterProbe) {
  Build();
  auto* r = receivers_[0];
  r->def = Fail(absl::StatusCode::kUnavailable);
  for (int i = 0; i < 3; ++i) dispatcher_->Send(N("k" + std::to_string(i), 1));
  Settle();
  ASSERT_EQ(r->seen.size(), 3u);
  EXPECT_EQ(dispatcher_->stats().targets[0].circuit, CircuitBreaker::State::kOpen);
  // Backoffs (<= 2s) pass, but the circuit holds everything back until the cooldown.
  clock_.Advance(absl::Seconds(29));
  Settle();
  EXPECT_EQ(r->seen.size(), 3u);
  dispatcher_->Send(N("k3", 1));  // Queued, not dropped, not attempted.
  Settle();
  EXPECT_EQ(r->seen.size(), 3u);
  clock_.Advance(absl::Seconds(1));
  r->def = DeliveryOutcome::Ok();
  dispatcher_->Poll();
  EXPECT_EQ(r->seen.size(), 4u);  // Exactly one half-open probe.
  EXPECT_EQ(dispatcher_->stats().targets[0].circuit, CircuitBreaker::State::kHalfOpen);
  Settle();  // Probe succeeded: closed; the rest flow.
  EXPECT_EQ(r->seen.size(), 7u);
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.targets[0].circuit, CircuitBreaker::State::kClosed);
  EXPECT_EQ(st.delivered_total, 4);
  EXPECT_EQ(st.dead_lettered_total, 0);
}

TEST_F(DispatcherTest, RateLimitQueuesInsteadOfDropping) {
  Build({"r"}, {{"r/test/0", RateLimit{1, 1}}});
  auto* r = receivers_[0];
  for (int i = 0; i < 5; ++i) dispatcher_->Send(N("k" + std::to_string(i), 1));
  Settle();
  EXPECT_EQ(r->seen.size(), 1u);
  for (int s = 1; s <= 4; ++s) {
    clock_.Advance(absl::Milliseconds(999));
    Settle();
    EXPECT_EQ(r->seen.size(), static_cast<size_t>(s));
    clock_.Advance(absl::Milliseconds(1));
    Settle();
    EXPECT_EQ(r->seen.size(), static_cast<size_t>(s + 1));
  }
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.delivered_total, 5);
  EXPECT_EQ(st.dead_lettered_total, 0);
}

TEST_F(DispatcherTest, MaxAgeMovesToDeadLetterAndCounts) {
  Build();
  auto* r = receivers_[0];
  r->def = Fail(absl::StatusCode::kUnavailable);
  dispatcher_->Send(N("a", 1));
  dispatcher_->Send(N("a", 2));
  for (int i = 0; i < 70; ++i) {
    clock_.Advance(absl::Minutes(1));
    Settle();
  }
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.dead_lettered_total, 2);
  EXPECT_EQ(st.queued, 0);
  EXPECT_EQ(st.outbox.depth, 0);
  std::string dl = ReadAll(outbox_->dead_letter_path());
  EXPECT_THAT(dl, HasSubstr("max_age"));
}

TEST_F(DispatcherTest, UnknownReceiverIsDeadLettered) {
  Build();
  dispatcher_->Send(N("a", 1, "nobody"));
  Settle();
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.unknown_receiver_total, 1);
  EXPECT_EQ(st.dead_lettered_total, 1);
  EXPECT_TRUE(receivers_[0]->seen.empty());
}

TEST_F(DispatcherTest, FansOutToEveryIntegrationIndependently) {
  Build({"r", "r"});
  // Both have id "r/test/0" in this fake; give the second a distinct id.
  receivers_[1]->id_ = "r/test/1";
  Restart();
  auto o = Outbox::Open(outbox_config_, &clock_);
  ASSERT_THAT(o, IsOk());
  outbox_ = std::move(*o);
  std::vector<std::unique_ptr<Receiver>> rs;
  auto a = std::make_unique<ScriptedReceiver>("r", "a", &clock_);
  auto b = std::make_unique<ScriptedReceiver>("r", "b", &clock_);
  auto* pa = a.get();
  auto* pb = b.get();
  pb->def = Fail(absl::StatusCode::kUnavailable);
  rs.push_back(std::move(a));
  rs.push_back(std::move(b));
  dispatcher_ = std::make_unique<Dispatcher>(&clock_, outbox_.get(), nullptr, std::move(rs),
                                             std::map<std::string, RateLimit>{});
  dispatcher_->Send(N("x", 1));
  Settle();
  EXPECT_EQ(pa->seen.size(), 1u);
  EXPECT_EQ(pb->seen.size(), 1u);
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.delivered_total, 1);
  EXPECT_EQ(st.outbox.depth, 1);  // b's copy is still pending.
}

TEST_F(DispatcherTest, RedeliversEverythingAfterRestartInOrder) {
  Build();
  receivers_[0]->def = Fail(absl::StatusCode::kUnavailable);
  dispatcher_->Send(N("a", 1));
  dispatcher_->Send(N("a", 2));
  dispatcher_->Send(N("b", 1));
  Settle();
  Restart();
  Build();
  auto* r = receivers_[0];
  Settle();
  auto st = dispatcher_->stats();
  EXPECT_EQ(st.recovered_total, 3);
  ASSERT_EQ(r->seen.size(), 3u);
  EXPECT_EQ(r->seen[0].dedup_key, "a");
  EXPECT_EQ(r->seen[0].sequence, 1u);
  EXPECT_EQ(r->seen[1].dedup_key, "b");
  EXPECT_EQ(r->seen[2].dedup_key, "a");
  EXPECT_EQ(r->seen[2].sequence, 2u);
  EXPECT_EQ(st.delivered_total, 3);
  Restart();
  Build();
  Settle();
  EXPECT_TRUE(receivers_[0]->seen.empty());  // Nothing is delivered twice after success.
}

TEST_F(DispatcherTest, SentButNeverPolledIsKeptForTheNextStart) {
  Build();
  dispatcher_->Send(N("a", 1));
  Restart();  // Destroyed without a single Poll.
  Build();
  Settle();
  EXPECT_EQ(dispatcher_->stats().recovered_total, 1);
  ASSERT_EQ(receivers_[0]->seen.size(), 1u);
  EXPECT_EQ(receivers_[0]->seen[0].dedup_key, "a");
}

// QA (ADR 0057): after a crash the engine derives again, from the input replayed since its last
// checkpoint, the notifications it had handed over since then. The outbox holds them from before
// the crash, delivered or pending: only that copy reaches the receiver, and only once. A
// notification that differs (another sequence number, more alerts) is sent as usual.
TEST_F(DispatcherTest, ANotificationDerivedAgainAfterACrashIsNotSentAgain) {
  auto red = Redactor::Create(RedactionConfig{});  // It compares what it would append: redacted.
  ASSERT_THAT(red, IsOk());
  Build({"r"}, {}, red->get());
  core::Notification delivered = N("a", 1);
  delivered.summary = "patient 123-45-6789";
  delivered.time = core::EventTime::FromUnixNanos(1'000);
  core::Notification pending = N("b", 1);
  dispatcher_->Send(delivered);
  Settle();
  ASSERT_EQ(receivers_[0]->seen.size(), 1u);
  receivers_[0]->def = Fail(absl::StatusCode::kUnavailable);
  dispatcher_->Send(pending);
  Settle();
  ASSERT_EQ(dispatcher_->stats().outbox.depth, 1);
  Restart();  // The crash.
  clock_.Advance(absl::Seconds(30));
  Build({"r"}, {}, red->get());
  ScriptedReceiver* r = receivers_[0];
  core::Notification again = delivered;
  again.time = core::EventTime::FromUnixNanos(2'000);  // Replayed at another watermark.
  dispatcher_->Send(again);
  dispatcher_->Send(pending);
  core::Notification next = N("a", 2);  // What the incident says next: news.
  dispatcher_->Send(next);
  Settle();
  ASSERT_EQ(r->seen.size(), 2u);
  EXPECT_EQ(r->seen[0].dedup_key, "b");  // The pending copy, recovered.
  EXPECT_EQ(r->seen[1].dedup_key, "a");
  EXPECT_EQ(r->seen[1].sequence, 2u);
  DispatcherStats st = dispatcher_->stats();
  EXPECT_EQ(st.duplicates_suppressed_total, 2);
  EXPECT_EQ(st.recovered_total, 1);
  EXPECT_EQ(st.delivered_total, 2);
  EXPECT_EQ(st.outbox.depth, 0);
  // A second crash before the engine's next checkpoint derives them once more: still once.
  Restart();
  Build({"r"}, {}, red->get());
  dispatcher_->Send(again);
  dispatcher_->Send(pending);
  Settle();
  EXPECT_TRUE(receivers_[0]->seen.empty());
  EXPECT_EQ(dispatcher_->stats().duplicates_suppressed_total, 2);
}

TEST_F(DispatcherTest, RedactsBeforeOutboxAndReceivers) {
  auto red = Redactor::Create(RedactionConfig{});
  ASSERT_THAT(red, IsOk());
  Build({"r"}, {}, red->get());
  receivers_[0]->def = Fail(absl::StatusCode::kUnavailable);
  core::Notification n = N("a", 1);
  n.summary = "patient 123-45-6789 jane@example.org";
  dispatcher_->Send(n);
  Settle();
  ASSERT_EQ(receivers_[0]->seen.size(), 1u);
  EXPECT_THAT(receivers_[0]->seen[0].summary, Not(HasSubstr("123-45-6789")));
  std::string disk;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) disk += ReadAll(e.path());
  EXPECT_THAT(disk, HasSubstr("[REDACTED:ssn]"));
  EXPECT_THAT(CheckNoSecretIn(disk, {"123-45-6789", "jane@example.org"}), IsOk());
}

TEST_F(DispatcherTest, StartStopRunsOnOwnThread) {
  Build();
  dispatcher_->Start();
  dispatcher_->Send(N("a", 1));
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (dispatcher_->stats().delivered_total < 1 && absl::Now() < deadline) {
    dispatcher_->WaitForActivityForTesting(absl::Milliseconds(50));
  }
  dispatcher_->Stop();
  EXPECT_EQ(dispatcher_->stats().delivered_total, 1);
}

}  // namespace
}  // namespace quell::sinks

namespace quell::sinks {
namespace {

TEST_F(DispatcherTest, LatencyHistogramsTimeEachAttemptByOutcome) {
  outbox_config_.circuit_breaker.failure_threshold = 100;
  Build();
  auto* r = receivers_[0];
  r->async = true;
  dispatcher_->Send(N("a", 1));
  Settle();
  ASSERT_EQ(r->pending.size(), 1u);
  clock_.Advance(absl::Milliseconds(40));  // The first attempt takes 40 ms and fails transiently.
  r->CompleteOldest(Fail(absl::StatusCode::kUnavailable));
  Settle();
  clock_.Advance(absl::Minutes(1));        // Past any backoff: the retry starts.
  Settle();
  ASSERT_EQ(r->pending.size(), 1u);
  clock_.Advance(absl::Seconds(2));        // The retry takes 2 s and is accepted.
  r->CompleteOldest(DeliveryOutcome::Ok());
  Settle();
  ASSERT_EQ(dispatcher_->stats().delivered_total, 1);

  std::vector<TargetLatency> lat = dispatcher_->latency();
  ASSERT_EQ(lat.size(), 1u);
  EXPECT_EQ(lat[0].id, r->id());
  const auto& ok = lat[0].attempt[static_cast<int>(AttemptOutcome::kDelivered)];
  const auto& failed = lat[0].attempt[static_cast<int>(AttemptOutcome::kFailed)];
  const auto& dead = lat[0].attempt[static_cast<int>(AttemptOutcome::kDeadLettered)];
  EXPECT_EQ(ok.count, 1u);
  EXPECT_DOUBLE_EQ(ok.sum_seconds, 2.0);
  EXPECT_EQ(failed.count, 1u);
  EXPECT_DOUBLE_EQ(failed.sum_seconds, 0.04);
  EXPECT_EQ(dead.count, 0u);
  // 40 ms lands in the 50 ms bucket, not the 25 ms one.
  size_t le25 = 0, le50 = 0;
  for (size_t i = 0; i < failed.bounds.size(); ++i) {
    if (failed.bounds[i] == 0.025) le25 = failed.cumulative[i];
    if (failed.bounds[i] == 0.05) le50 = failed.cumulative[i];
  }
  EXPECT_EQ(le25, 0u);
  EXPECT_EQ(le50, 1u);
  // Time to accept spans both attempts and the backoff: 40 ms + 1 min + 2 s.
  EXPECT_EQ(lat[0].time_to_accept.count, 1u);
  EXPECT_DOUBLE_EQ(lat[0].time_to_accept.sum_seconds, 62.04);
}

TEST_F(DispatcherTest, LatencyHistogramCountsPermanentFailuresAsDeadLettered) {
  Build();
  receivers_[0]->def = Fail(absl::StatusCode::kInvalidArgument);
  dispatcher_->Send(N("a", 1));
  Settle();
  auto lat = dispatcher_->latency();
  EXPECT_EQ(lat[0].attempt[static_cast<int>(AttemptOutcome::kDeadLettered)].count, 1u);
  EXPECT_EQ(lat[0].attempt[static_cast<int>(AttemptOutcome::kDelivered)].count, 0u);
  EXPECT_EQ(lat[0].time_to_accept.count, 0u);
}

}  // namespace
}  // namespace quell::sinks
