#include "correlate/sharded_engine.h"

#include <chrono>
#include <map>
#include <set>
#include <condition_variable>
#include <mutex>

#include "core/event_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;

core::EventTime T(std::string_view s) { return core::EventTime::FromAbsl(*core::ParseRfc3339(s)); }

class BlockingRecorder : public core::NotificationSink {
 public:
  void Send(core::Notification n) override {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !blocked_; });
    out_.push_back(std::move(n));
  }
  void Block() { std::lock_guard<std::mutex> l(mu_); blocked_ = true; }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    blocked_ = false;
    cv_.notify_all();
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_; });
  }
  std::vector<core::Notification> Take() {
    std::lock_guard<std::mutex> l(mu_);
    return out_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  bool entered_ = false;
  std::vector<core::Notification> out_;
};

std::shared_ptr<const CompiledRules> Rules(std::string_view extra = "") {
  std::string text = std::string(R"(
route: {receiver: pager, group_by: [alertname, service], group_wait: 30s, runbook: generic.md}
topology:
  window: 10m
  services:
    - {name: web, depends_on: [api]}
    - {name: api, depends_on: [db]}
    - {name: db}
correlate: {allowed_lateness: 0s, queue_capacity: 1, idle_timeout: 30s}
)") + std::string(extra);
  return CompiledRules::Build(*LoadRulesString(text, "rules.yaml"));
}

// A firing alert {alertname, service} plus `extra` labels.
void AddAlert(core::SignalBatch* b, std::string_view name, std::string_view service, core::EventTime t,
              std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {}) {
  core::Signal& s = b->Add();
  s.kind = core::SignalKind::kAlert;
  s.state = core::SignalState::kFiring;
  s.event_time = t;
  b->AddLabelCopy("alertname", name);
  b->AddLabelCopy("service", service);
  for (const auto& [label, value] : extra) b->AddLabelCopy(label, value);
  b->FinishLabels();
}

void AddResolved(core::SignalBatch* b, std::string_view name, std::string_view service, core::EventTime t) {
  AddAlert(b, name, service, t);
  b->last().state = core::SignalState::kResolved;
}

std::map<std::string, core::NotificationStatus> KeysByStatus(const std::vector<core::Notification>& out) {
  std::map<std::string, core::NotificationStatus> keys;
  for (const core::Notification& n : out) keys[n.dedup_key] = n.status;
  return keys;
}

// An alert's decisions (explain) as text: time, decision, detail, rule; newest first.
std::string ExplainText(const std::vector<DecisionRecord>& decisions) {
  std::string out;
  for (const DecisionRecord& d : decisions) {
    out += fmt::format("{} {} [{}] {}\n", d.time.unix_nanos(), d.decision, d.detail, d.rule);
  }
  return out;
}

// The noise report's rows by (alertname, route): their counters as text.
std::map<std::string, std::string> NoiseTotals(const std::vector<NoiseRow>& rows) {
  std::map<std::string, std::string> out;
  for (const NoiseRow& r : rows) {
    out[r.alertname + " " + r.route] = fmt::format("signals={} alerts={} incidents={} pages={} resolves={}", r.signals,
                                                   r.alerts, r.incidents, r.pages, r.resolve_seconds.size());
  }
  return out;
}

// A restart with correlate.state_file: the state taken from a 2-shard engine restores into a
// 3-shard one (every alert lands where the new engine routes its labels, so a re-send updates it
// instead of opening a second alert), the incidents come back with their ids and what they had
// paged (so nothing is paged again), and the resolves that arrive after the restart close them
// under the same dedup keys, their sequence numbers following the pages'.
TEST(ShardedEngineTest, StateRestoresIntoAnotherShardCountWithTheSameDedupKeys) {
  Silencer silencer;
  core::ManualClock clock;
  BlockingRecorder before_rec;
  std::string state;
  std::map<std::string, core::NotificationStatus> paged;
  std::set<std::string> ids_before;
  std::map<std::string, std::string> noise_before;
  std::map<std::string, std::string> explain_before;  // Fingerprint -> its decisions.
  {
    ShardedEngine before(Rules(), &before_rec, &silencer, &clock, 2);
    core::SignalBatch b;
    AddAlert(&b, "Latency", "web", T("2026-01-05T10:00:00Z"));
    AddAlert(&b, "Errors", "api", T("2026-01-05T10:00:01Z"));
    AddAlert(&b, "Conns", "db", T("2026-01-05T10:00:02Z"));
    for (int i = 0; i < 6; ++i) AddAlert(&b, "Other", "svc" + std::to_string(i), T("2026-01-05T10:00:03Z"));
    ASSERT_OK(before.Submit(&b, nullptr));
    core::Deployment d;
    d.service = "api";
    d.version = "v2";
    d.started_at = T("2026-01-05T09:58:00Z");
    before.RecordDeployment(d);
    before.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
    before.Drain();
    paged = KeysByStatus(before_rec.Take());
    ASSERT_EQ(paged.size(), 7u);  // The db cascade and six others.
    for (const IncidentView& v : before.ListIncidents()) ids_before.insert(v.id);
    noise_before = NoiseTotals(before.Noise(absl::Hours(24)));
    for (const AlertView& a : before.Alerts()) explain_before[a.fingerprint] = ExplainText(before.Explain(a.fingerprint));
    state = before.SerializeState();
  }

  BlockingRecorder rec;
  ShardedEngine after(Rules(), &rec, &silencer, &clock, 3);
  size_t alerts = 0;
  ASSERT_OK(after.RestoreState(state, &alerts));
  EXPECT_EQ(alerts, 9u);
  ASSERT_EQ(after.Alerts().size(), 9u);
  std::set<std::string> ids_after;
  for (const IncidentView& v : after.ListIncidents()) ids_after.insert(v.id);
  EXPECT_EQ(ids_after, ids_before);  // The same incidents, by id (their pages link to them).
  // The noise report sums the shards: the same totals from 3 shards as from 2.
  EXPECT_EQ(NoiseTotals(after.Noise(absl::Hours(24))), noise_before);
  EXPECT_EQ(noise_before.size(), 4u);  // Latency, Errors, Conns, Other.
  // Explain: each alert's decisions came along with it, on whichever shard it now lives.
  ASSERT_EQ(explain_before.size(), 9u);
  for (const auto& [fp, text] : explain_before) {
    EXPECT_THAT(text, ::testing::HasSubstr("notified")) << fp;
    EXPECT_EQ(ExplainText(after.Explain(fp)), text) << fp;
  }
  after.AdvanceWatermark(T("2026-01-05T10:06:00Z"));
  after.Drain();
  // Each incident knows what it paged: the restart sends nothing.
  EXPECT_TRUE(rec.Take().empty());

  core::SignalBatch again;  // A re-send after the restart finds its restored alert.
  AddAlert(&again, "Other", "svc3", T("2026-01-05T10:00:03Z"));
  ASSERT_OK(after.Submit(&again, nullptr));
  after.Drain();
  EXPECT_EQ(after.Alerts().size(), 9u);

  core::SignalBatch resolved;
  AddResolved(&resolved, "Latency", "web", T("2026-01-05T10:07:00Z"));
  AddResolved(&resolved, "Errors", "api", T("2026-01-05T10:07:00Z"));
  AddResolved(&resolved, "Conns", "db", T("2026-01-05T10:07:00Z"));
  for (int i = 0; i < 6; ++i) AddResolved(&resolved, "Other", "svc" + std::to_string(i), T("2026-01-05T10:07:00Z"));
  ASSERT_OK(after.Submit(&resolved, nullptr));
  after.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  after.Drain();
  const std::vector<core::Notification> resolves = rec.Take();
  std::map<std::string, core::NotificationStatus> closed = KeysByStatus(resolves);
  ASSERT_EQ(closed.size(), paged.size());
  for (const auto& [key, status] : closed) {
    EXPECT_TRUE(paged.count(key)) << key;
    EXPECT_EQ(status, core::NotificationStatus::kResolved) << key;
  }
  for (const core::Notification& n : resolves) EXPECT_EQ(n.sequence, 2u) << n.dedup_key;  // After the page's 1.
  // The deploy came along: the restored state holds it.
  EXPECT_NE(after.SerializeState().find(R"("version":"v2")"), std::string::npos);

  // Another restart, into 2 shards: the resolved incidents stay listed (incident_retention), by
  // the same ids, each on the shard of its alerts so that its page lists them; none notifies.
  BlockingRecorder rec2;
  ShardedEngine again2(Rules(), &rec2, &silencer, &clock, 2);
  ASSERT_OK(again2.RestoreState(after.SerializeState()));
  again2.AdvanceWatermark(T("2026-01-05T10:21:00Z"));
  again2.Drain();
  EXPECT_TRUE(rec2.Take().empty());
  std::set<std::string> resolved_ids;
  for (const IncidentView& v : again2.ListIncidents()) {
    EXPECT_EQ(v.status, "resolved") << v.id;
    resolved_ids.insert(v.id);
    auto detail = again2.GetIncident(v.id);
    ASSERT_TRUE(detail.has_value());
    EXPECT_FALSE(detail->members.empty()) << v.id;
    EXPECT_EQ(detail->resolved_members, detail->members.size()) << v.id;
    ASSERT_FALSE(detail->notifications.empty()) << v.id;
    EXPECT_EQ(detail->notifications.back().status, "resolved") << v.id;
  }
  EXPECT_EQ(resolved_ids, ids_before);
}

// A restored incident keeps its ack (no repeat while acknowledged) and, without one, its
// repeat_interval counts from its last page before the restart, not from the restart.
TEST(ShardedEngineTest, RestoredIncidentsKeepTheirAckAndRepeatSchedule) {
  Silencer silencer;
  core::ManualClock clock;
  std::string state;
  std::string acked_id;
  {
    BlockingRecorder rec;
    ShardedEngine before(Rules(), &rec, &silencer, &clock, 1);
    core::SignalBatch b;
    AddAlert(&b, "Acked", "a", T("2026-01-05T10:00:00Z"));
    AddAlert(&b, "Open", "b", T("2026-01-05T10:00:00Z"));
    ASSERT_OK(before.Submit(&b, nullptr));
    before.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
    before.Drain();
    ASSERT_EQ(rec.Take().size(), 2u);
    for (const IncidentView& v : before.ListIncidents()) {
      if (v.group_labels.Get("alertname") == "Acked") acked_id = v.id;
    }
    ASSERT_FALSE(acked_id.empty());
    ASSERT_OK(before.Ack(acked_id, "alice", "on it"));
    before.Drain();
    state = before.SerializeState();
  }
  BlockingRecorder rec;
  ShardedEngine after(Rules(), &rec, &silencer, &clock, 1);
  ASSERT_OK(after.RestoreState(state));
  std::optional<IncidentView> acked = after.GetIncident(acked_id);
  ASSERT_TRUE(acked.has_value());
  EXPECT_TRUE(acked->acked);
  EXPECT_EQ(acked->acked_by, "alice");
  after.AdvanceWatermark(T("2026-01-05T13:00:00Z"));  // 3h after the pages: no repeat yet.
  after.Drain();
  EXPECT_TRUE(rec.Take().empty());
  after.AdvanceWatermark(T("2026-01-05T14:02:00Z"));  // Past 4h: Open repeats, Acked is held.
  after.Drain();
  std::vector<core::Notification> repeats = rec.Take();
  ASSERT_EQ(repeats.size(), 1u);
  EXPECT_EQ(repeats[0].group_labels.Get("alertname"), "Open");
  EXPECT_EQ(repeats[0].sequence, 2u);
}

TEST(ShardedEngineTest, RestoreStateRefusesWhatIsNotAStateSnapshot) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock;
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 2);
  EXPECT_THAT(engine.RestoreState("not json"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(engine.RestoreState(R"({"version":2,"shards":[]})"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(engine.RestoreState(R"({"version":1})"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(engine.RestoreState(R"({"version":1,"shards":[{"alerts":[{"fp":"00"}]}]})"),
              StatusIs(absl::StatusCode::kDataLoss));
  // An empty engine's own state restores to an empty engine.
  ASSERT_OK(engine.RestoreState(engine.SerializeState()));
  EXPECT_TRUE(engine.Alerts().empty());
}

// A snapshot begun between two submits holds the first batch and not the second, although the
// shard had processed neither when it was begun (it was stuck delivering): its task queues behind
// the batches submitted before it. This is what lets a checkpoint be taken at the intake
// journal's cut (app/runtime.cc).
TEST(ShardedEngineTest, AStateSnapshotHoldsExactlyTheBatchesSubmittedBeforeItBegan) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock;
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 1);
  core::SignalBatch first, queued, later;
  AddAlert(&first, "First", "x", T("2026-01-05T10:00:00Z"));
  ASSERT_OK(engine.Submit(&first, nullptr));
  rec.Block();
  engine.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_TRUE(rec.WaitEntered());  // The shard thread is stuck in Send.
  AddAlert(&queued, "QueuedBeforeTheSnapshot", "x", T("2026-01-05T10:02:00Z"));
  ASSERT_OK(engine.Submit(&queued, nullptr));
  ShardedEngine::StateSnapshot snapshot = engine.BeginSerializeState();
  rec.Release();
  engine.Drain();
  AddAlert(&later, "SubmittedAfterIt", "x", T("2026-01-05T10:03:00Z"));
  ASSERT_OK(engine.Submit(&later, nullptr));
  engine.Drain();
  EXPECT_EQ(engine.Alerts().size(), 3u);
  const std::string state = snapshot.Take();
  EXPECT_NE(state.find("QueuedBeforeTheSnapshot"), std::string::npos) << state;
  EXPECT_NE(state.find("First"), std::string::npos);
  EXPECT_EQ(state.find("SubmittedAfterIt"), std::string::npos) << state;
  // The same document as SerializeState's, which now also holds the later alert.
  EXPECT_NE(engine.SerializeState().find("SubmittedAfterIt"), std::string::npos);
}

TEST(ShardedEngineTest, CascadeLandsOnOneShardAndDoneFiresOnce) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock;
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 4);
  core::SignalBatch batch;
  AddAlert(&batch, "Latency", "web", T("2026-01-05T10:00:00Z"));
  AddAlert(&batch, "Errors", "api", T("2026-01-05T10:00:01Z"));
  AddAlert(&batch, "Conns", "db", T("2026-01-05T10:00:02Z"));
  for (int i = 0; i < 8; ++i) AddAlert(&batch, "Other", "svc" + std::to_string(i), T("2026-01-05T10:00:02Z"));
  std::atomic<int> done{0};
  ASSERT_OK(engine.Submit(&batch, [&] { done.fetch_add(1); }));
  EXPECT_TRUE(batch.empty());
  engine.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
  engine.Drain();
  EXPECT_EQ(done.load(), 1);
  auto out = rec.Take();
  ASSERT_EQ(out.size(), 9u);  // One cascade incident + eight independent ones.
  int cascade = 0;
  for (const auto& n : out) {
    if (n.root_cause_service == "db") {
      ++cascade;
      EXPECT_EQ(n.firing_count, 3u);
      EXPECT_EQ(n.impacted_services, (std::vector<std::string>{"api", "web"}));
    }
  }
  EXPECT_EQ(cascade, 1);
  EXPECT_EQ(engine.ListIncidents().size(), 9u);
  EXPECT_EQ(engine.Stats().alerts_in, 11u);
}

TEST(ShardedEngineTest, FullQueueRefusesWholeBatch) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock;
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 1);
  core::SignalBatch b1;
  AddAlert(&b1, "A", "x", T("2026-01-05T10:00:00Z"));
  ASSERT_OK(engine.Submit(&b1, nullptr));
  rec.Block();
  engine.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_TRUE(rec.WaitEntered());  // The shard thread is now stuck in Send.
  core::SignalBatch b2, b3;
  AddAlert(&b2, "B", "x", T("2026-01-05T10:02:00Z"));
  AddAlert(&b3, "C", "x", T("2026-01-05T10:02:00Z"));
  ASSERT_OK(engine.Submit(&b2, nullptr));  // Capacity 1.
  EXPECT_THAT(engine.Submit(&b3, nullptr), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(b3.size(), 1u);  // Untouched.
  EXPECT_EQ(engine.refused_batches(), 1u);
  rec.Release();
  engine.Drain();
  EXPECT_OK(engine.Submit(&b3, nullptr));
  engine.Drain();
  EXPECT_EQ(engine.Stats().alerts_in, 3u);
}

TEST(ShardedEngineTest, LiveModeAdvancesWatermarkAfterIdleTimeout) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 2);
  core::SignalBatch b;
  AddAlert(&b, "A", "x", T("2026-01-05T10:00:00Z"));
  ASSERT_OK(engine.Submit(&b, nullptr));
  clock.Advance(absl::Seconds(10));
  engine.Tick();  // Not idle long enough.
  engine.Drain();
  EXPECT_TRUE(rec.Take().empty());
  clock.Advance(absl::Seconds(40));  // 50 s of quiet: watermark -> 10:00:50, past group_wait.
  engine.Tick();
  engine.Drain();
  ASSERT_EQ(rec.Take().size(), 1u);
}

// Prometheus re-sends every firing alert each resend_delay with its original startsAt. A shard
// that gets only such re-sends has input, but its event time does not move: it counts as idle,
// so the wall clock still moves its watermark and a new alert's group_wait fires. (When any
// input reset the idle timer, re-sends arriving more often than idle_timeout froze the watermark
// and the new alert never paged.)
TEST(ShardedEngineTest, ResendsOfOldAlertsDoNotHoldTheWatermark) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock(core::WallTime::FromAbsl(*core::ParseRfc3339("2026-01-05T10:00:00Z")));
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 1);
  core::SignalBatch b;
  AddAlert(&b, "New", "x", T("2026-01-05T10:00:00Z"));
  ASSERT_OK(engine.Submit(&b, nullptr));
  engine.Drain();
  for (int i = 1; i <= 12; ++i) {  // Every 10 s for two minutes: never 30 s without input.
    clock.Advance(absl::Seconds(10));
    AddAlert(&b, "Old", "y", T("2026-01-05T08:00:00Z"));  // Fired two hours ago, re-sent.
    ASSERT_OK(engine.Submit(&b, nullptr));
    engine.Drain();
    engine.Tick();
    engine.Drain();
  }
  std::set<std::string> paged;
  for (const core::Notification& n : rec.Take()) paged.insert(std::string(n.group_labels.Get("alertname")));
  EXPECT_TRUE(paged.count("New")) << "the watermark never passed New's group_wait";
  EXPECT_TRUE(paged.count("Old"));  // Late, applied at the watermark: still a page.
  EXPECT_GE(engine.Stats().late, 10u);
}

TEST(ShardedEngineTest, ReloadAckAndExplainThroughQueues) {
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock;
  ShardedEngine engine(Rules(), &rec, &silencer, &clock, 2);
  core::SignalBatch b;
  AddAlert(&b, "A", "x", T("2026-01-05T10:00:00Z"));
  ASSERT_OK(engine.Submit(&b, nullptr));
  engine.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  engine.Drain();
  auto out = rec.Take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_OK(engine.Ack(out[0].incident_id, "bob", "on it"));
  EXPECT_THAT(engine.Ack("nope", "bob", ""), StatusIs(absl::StatusCode::kNotFound));
  auto inc = engine.GetIncident(out[0].incident_id);
  ASSERT_TRUE(inc.has_value());
  EXPECT_TRUE(inc->acked);
  EXPECT_EQ(inc->acked_by, "bob");
  auto decisions = engine.Explain(inc->members.at(0).fingerprint);
  ASSERT_FALSE(decisions.empty());
  EXPECT_EQ(decisions.front().decision, "acked");  // Newest first.
  engine.Reload(Rules("inhibit_rules: [{source_matchers: ['a=\"b\"'], target_matchers: ['c=\"d\"']}]\n"));
  EXPECT_EQ(engine.rules()->config().inhibit_rules.size(), 1u);
  EXPECT_TRUE(engine.GetIncident(out[0].incident_id).has_value());  // Identity kept.
}

// Documented limitation (docs/rules.md "Sharding"): the shard key is the first matched route's
// group key. A later `continue` route whose group_by is coarser than the first's ([alertname]
// after [alertname, service]) gets one incident per shard that its alerts landed on, where one
// shard (or Alertmanager) makes one group; a later route at least as fine as the first is exact.
TEST(ShardedEngineTest, ContinueRouteCoarserThanTheFirstSplitsAcrossShards) {
  std::string routes = R"(
route:
  receiver: pager
  group_by: [alertname, service]
  group_wait: 30s
  runbook: generic.md
  routes:
    - {matchers: ['alertname="Other"'], receiver: fine, continue: true}
    - {matchers: ['alertname="Other"'], receiver: coarse, group_by: [alertname]}
correlate: {allowed_lateness: 0s}
)";
  auto run = [&](int shards) {
    BlockingRecorder rec;
    Silencer silencer;
    core::ManualClock clock;
    ShardedEngine engine(CompiledRules::Build(*LoadRulesString(routes, "rules.yaml")), &rec, &silencer, &clock,
                         shards);
    core::SignalBatch batch;
    for (int i = 0; i < 16; ++i) AddAlert(&batch, "Other", "svc" + std::to_string(i), T("2026-01-05T10:00:00Z"));
    EXPECT_OK(engine.Submit(&batch, nullptr));
    engine.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
    engine.Drain();
    std::map<std::string, int> pages;
    for (const auto& n : rec.Take()) ++pages[n.receiver];
    return pages;
  };
  std::map<std::string, int> one = run(1);
  EXPECT_EQ(one["fine"], 16);
  EXPECT_EQ(one["coarse"], 1);
  std::map<std::string, int> four = run(4);
  EXPECT_EQ(four["fine"], 16);  // Exact: as fine as the shard key.
  EXPECT_GT(four["coarse"], 1);  // Split: one incident per shard holding some of the 16 alerts.
  EXPECT_LE(four["coarse"], 4);
}


// QA: with shards > 1 a warning was notified although a critical alert of the same service
// inhibited it, whenever the two took different routes and so landed on different shards (the
// embedded default: critical and warning routes, equal: [service]). Inhibit rules now place alerts
// by the labels the rules' `equal` and the routes' group_by share, so a source and its targets meet.
constexpr char kInhibitRules[] = R"(
route:
  receiver: console
  group_by: [alertname, service]
  group_wait: 30s
  routes:
    - {matchers: ['severity="critical"'], receiver: pager}
    - {matchers: ['severity="warning"'], receiver: console}
inhibit_rules:
  - {source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [service]}
correlate: {allowed_lateness: 0s}
)";

void AddSeverityAlert(core::SignalBatch* b, std::string_view name, std::string_view service,
                      std::string_view severity, core::EventTime t) {
  AddAlert(b, name, service, t, {{"severity", severity}});
}

TEST(ShardedEngineTest, InhibitionFindsItsSourceOnAnyShard) {
  auto rules = CompiledRules::Build(*LoadRulesString(kInhibitRules, "rules.yaml"));
  ASSERT_EQ(rules->shard_placement(), ShardPlacement::kKey);
  EXPECT_EQ(rules->shard_key(), (std::vector<std::string>{"service"}));
  for (int shards : {1, 4}) {
    BlockingRecorder rec;
    Silencer silencer;
    core::ManualClock clock;
    ShardedEngine engine(rules, &rec, &silencer, &clock, shards);
    core::SignalBatch batch;
    for (int i = 0; i < 16; ++i) {
      const std::string service = "svc" + std::to_string(i);
      AddSeverityAlert(&batch, "ErrorsHigh", service, "critical", T("2026-01-05T10:00:00Z"));
      AddSeverityAlert(&batch, "LatencyHigh", service, "warning", T("2026-01-05T10:00:01Z"));
    }
    AddSeverityAlert(&batch, "LatencyHigh", "alone", "warning", T("2026-01-05T10:00:01Z"));  // No source.
    ASSERT_OK(engine.Submit(&batch, nullptr));
    engine.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
    engine.Drain();
    std::map<std::string, int> pages;
    for (const auto& n : rec.Take()) ++pages[n.receiver + " " + std::string(n.common_labels.Get("service"))];
    EXPECT_EQ(pages.size(), 17u) << shards << " shards";
    EXPECT_EQ(pages["console alone"], 1) << shards << " shards";
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(pages["pager svc" + std::to_string(i)], 1) << shards << " shards";
      EXPECT_EQ(pages.count("console svc" + std::to_string(i)), 0u) << "svc" << i << " not inhibited, " << shards << " shards";
    }
  }
}

// Placement follows the rules: by route without inhibit rules, by the shared labels with them, on
// one shard when they share none (or, with a topology, not `service`).
TEST(ShardedEngineTest, ShardPlacementFollowsTheInhibitRulesAndGroupBy) {
  auto build = [](std::string_view text) { return CompiledRules::Build(*LoadRulesString(text, "rules.yaml")); };
  EXPECT_EQ(build("route: {receiver: x, group_by: [alertname]}\n")->shard_placement(), ShardPlacement::kRoute);
  auto two = build(
      "route: {receiver: x, group_by: [alertname, cluster, service], routes: [{receiver: y, group_by: ['...']}]}\n"
      "inhibit_rules:\n"
      "  - {source_matchers: ['a=\"1\"'], target_matchers: ['b=\"1\"'], equal: [cluster, service]}\n"
      "  - {source_matchers: ['a=\"2\"'], target_matchers: ['b=\"2\"'], equal: [cluster, service, zone]}\n");
  EXPECT_EQ(two->shard_placement(), ShardPlacement::kKey);
  EXPECT_EQ(two->shard_key(), (std::vector<std::string>{"cluster", "service"}));
  EXPECT_THAT(two->DescribeShardPlacement(), ::testing::HasSubstr("[cluster, service]"));
  auto none = build(
      "route: {receiver: x, group_by: [alertname, service]}\n"
      "inhibit_rules: [{source_matchers: ['a=\"1\"'], target_matchers: ['b=\"1\"'], equal: [cluster]}]\n");
  EXPECT_EQ(none->shard_placement(), ShardPlacement::kSingle);
  auto topology = build(
      "route: {receiver: x, group_by: [alertname, cluster]}\n"
      "inhibit_rules: [{source_matchers: ['a=\"1\"'], target_matchers: ['b=\"1\"'], equal: [cluster]}]\n"
      "topology: {services: [{name: web}]}\n");
  EXPECT_EQ(topology->shard_placement(), ShardPlacement::kSingle);
  // kSingle: every alert on the first shard, so a source inhibits a target of another service.
  BlockingRecorder rec;
  Silencer silencer;
  core::ManualClock clock;
  ShardedEngine engine(none, &rec, &silencer, &clock, 4);
  core::SignalBatch batch;
  for (int i = 0; i < 8; ++i) {
    const std::string cluster = "c" + std::to_string(i);
    for (const char* side : {"a", "b"}) {
      AddAlert(&batch, std::string(side) + std::to_string(i), std::string(side) + "-svc" + std::to_string(i),
               T("2026-01-05T10:00:00Z"), {{"cluster", cluster}, {side, "1"}});
    }
  }
  ASSERT_OK(engine.Submit(&batch, nullptr));
  engine.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
  engine.Drain();
  std::set<std::string> notified;
  for (const auto& n : rec.Take()) notified.insert(std::string(n.common_labels.Get("alertname")));
  EXPECT_EQ(notified, (std::set<std::string>{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"}));
}

}  // namespace
}  // namespace quell::correlate
