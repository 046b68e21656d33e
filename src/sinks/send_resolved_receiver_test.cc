// src/sinks/send_resolved_receiver_test.cc
//
// SendResolvedReceiver around a fake integration that records what it is given and holds every
// `done` until the test answers it, so outcomes can come late, fail, or come after the decorator
// is gone.
#include "sinks/send_resolved_receiver.h"

#include <deque>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sinks/notification_json.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using GateVerdicts = SendResolvedReceiver::GateVerdicts;

// What the fake integration saw; shared with the test so that it outlives the fake (as a shared
// HttpClient outlives the sinks using it).
struct Log {
  std::vector<core::Notification> got;  // Every notification Deliver was given, in order.
  std::deque<DeliveryCallback> pending;  // Unanswered attempts, oldest first.

  // Answers the oldest pending attempt with `status` (and `retry_after`).
  void Answer(absl::Status status, absl::Duration retry_after = absl::ZeroDuration()) {
    ASSERT_FALSE(pending.empty());
    DeliveryCallback done = std::move(pending.front());
    pending.pop_front();
    done(DeliveryOutcome{std::move(status), retry_after});
  }
};

class FakeIntegration final : public Receiver {
 public:
  explicit FakeIntegration(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "fake"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override {
    log_->got.push_back(n);
    log_->pending.push_back(std::move(done));
  }

 private:
  std::shared_ptr<Log> log_;
  std::string name_ = "oncall";
  std::string id_ = "oncall/fake/3";
};

// Collects the outcomes reported to the Dispatcher.
struct Outcomes {
  std::vector<DeliveryOutcome> got;
  DeliveryCallback Callback() {
    return [this](DeliveryOutcome o) { got.push_back(std::move(o)); };
  }
};

core::NotifiedAlert Member(std::string_view pod, bool resolved = false) {
  core::NotifiedAlert a;
  a.labels = core::LabelSet{{"alertname", "X"}, {"pod", pod}};
  a.annotations = core::LabelSet{{"summary", resolved ? "gone" : "up"}};
  a.resolved = resolved;
  a.fingerprint = std::string(15, '0') + std::string(pod);
  return a;
}

core::Notification Firing(std::initializer_list<core::NotifiedAlert> members, std::string key = "k") {
  core::Notification n;
  n.receiver = "oncall";
  n.dedup_key = std::move(key);
  n.summary = "X on checkout";
  n.alerts = members;
  for (const auto& a : n.alerts) ++(a.resolved ? n.resolved_count : n.firing_count);
  n.common_labels = core::LabelSet{{"alertname", "X"}};
  return n;
}

core::Notification Resolved(std::string key = "k") {
  core::Notification n = Firing({Member("a", true), Member("b", true)}, std::move(key));
  n.status = core::NotificationStatus::kResolved;
  return n;
}

core::Notification GateVerdict(core::NotificationStatus status) {
  core::Notification n;
  n.kind = core::NotificationKind::kGateVerdict;
  n.status = status;
  n.receiver = "oncall";
  n.dedup_key = "gate/canary/checkout/prod/1.2.3";
  n.summary = "gate canary: checkout 1.2.3 (prod) is pass";
  n.gate_verdict_json = R"({"gate":"canary","verdict":"pass"})";
  return n;
}

std::vector<std::string> Pods(const core::Notification& n) {
  std::vector<std::string> pods;
  for (const auto& a : n.alerts) pods.emplace_back(a.labels.Get("pod"));
  return pods;
}

struct Wrapped {
  explicit Wrapped(GateVerdicts gv = GateVerdicts::kFiltered, size_t max_incidents = 10000)
      : log(std::make_shared<Log>()),
        receiver(std::make_unique<FakeIntegration>(log), gv, max_incidents) {}
  std::shared_ptr<Log> log;
  SendResolvedReceiver receiver;
};

TEST(SendResolvedReceiverTest, ForwardsTheIntegrationsIdentity) {
  auto log = std::make_shared<Log>();
  auto fake = std::make_unique<FakeIntegration>(log);
  const Receiver* raw = fake.get();
  SendResolvedReceiver r(std::move(fake), GateVerdicts::kFiltered);
  EXPECT_EQ(&r.inner(), raw);
  EXPECT_EQ(r.name(), "oncall");
  EXPECT_EQ(&r.name(), &raw->name());
  EXPECT_EQ(r.type(), "fake");
  EXPECT_EQ(r.id(), "oncall/fake/3");  // The outbox, breaker and rate-limit key stay the integration's.
  EXPECT_EQ(&r.id(), &raw->id());
}

TEST(SendResolvedReceiverTest, ResolvedNotificationIsReportedOkWithoutCallingTheIntegration) {
  Wrapped w;
  Outcomes out;
  w.receiver.Deliver(Firing({Member("a"), Member("b")}), out.Callback());
  ASSERT_EQ(w.log->got.size(), 1u);
  w.log->Answer(absl::OkStatus());
  ASSERT_EQ(out.got.size(), 1u);

  w.receiver.Deliver(Resolved(), out.Callback());
  ASSERT_EQ(out.got.size(), 2u);  // At once, before Deliver returned.
  EXPECT_THAT(out.got[1].status, IsOk());
  EXPECT_EQ(out.got[1].retry_after, absl::ZeroDuration());
  EXPECT_EQ(w.log->got.size(), 1u) << "the integration must not see a resolved notification";
  EXPECT_TRUE(w.log->pending.empty());
}

TEST(SendResolvedReceiverTest, FiringNotificationGoesWithoutItsResolvedMembers) {
  Wrapped w;
  Outcomes out;
  core::Notification n = Firing({Member("a"), Member("b", true), Member("c")});
  n.truncated_alerts = 0;
  w.receiver.Deliver(n, out.Callback());
  ASSERT_EQ(w.log->got.size(), 1u);
  const core::Notification& sent = w.log->got[0];
  EXPECT_THAT(Pods(sent), ::testing::ElementsAre("a", "c"));
  EXPECT_EQ(sent.firing_count, 2u);
  EXPECT_EQ(sent.resolved_count, 0u);
  EXPECT_EQ(sent.truncated_alerts, 0u);
  EXPECT_EQ(sent.common_annotations, (core::LabelSet{{"summary", "up"}}));  // Recomputed over a, c.
  EXPECT_EQ(sent.dedup_key, "k");
  EXPECT_EQ(sent.summary, "X on checkout");
  EXPECT_EQ(n.alerts.size(), 3u);  // The caller's notification is left alone.
  // The integration's outcome is the outcome, unchanged.
  EXPECT_TRUE(out.got.empty());
  w.log->Answer(absl::ResourceExhaustedError("fake receiver \"oncall\": HTTP 429"), absl::Seconds(7));
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_THAT(out.got[0].status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(out.got[0].status.message(), "fake receiver \"oncall\": HTTP 429");
  EXPECT_EQ(out.got[0].retry_after, absl::Seconds(7));
}

TEST(SendResolvedReceiverTest, OnlyAnOkOutcomeRecordsWhatWasDelivered) {
  Wrapped w;
  Outcomes out;
  const core::Notification first = Firing({Member("a"), Member("b")});
  const core::Notification b_resolved = Firing({Member("a"), Member("b", true)});

  // First attempt in flight: nothing is recorded yet, so the change goes out (without b).
  w.receiver.Deliver(first, out.Callback());
  w.receiver.Deliver(b_resolved, out.Callback());
  ASSERT_EQ(w.log->got.size(), 2u);
  EXPECT_THAT(Pods(w.log->got[1]), ::testing::ElementsAre("a"));
  // Both fail.
  w.log->Answer(absl::UnavailableError("fake receiver \"oncall\": HTTP 503"));
  w.log->Answer(absl::UnavailableError("fake receiver \"oncall\": HTTP 503"));
  ASSERT_EQ(out.got.size(), 2u);
  EXPECT_THAT(out.got[0].status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(out.got[1].status, StatusIs(absl::StatusCode::kUnavailable));
  // The retry of the change is judged as the first attempt was: still sent.
  w.receiver.Deliver(b_resolved, out.Callback());
  ASSERT_EQ(w.log->got.size(), 3u);
  EXPECT_THAT(Pods(w.log->got[2]), ::testing::ElementsAre("a"));
  w.log->Answer(absl::UnavailableError("fake receiver \"oncall\": HTTP 503"));
  // The retry of the first notification succeeds: {a, b} is recorded as delivered...
  w.receiver.Deliver(first, out.Callback());
  ASSERT_EQ(w.log->got.size(), 4u);
  w.log->Answer(absl::OkStatus());
  ASSERT_EQ(out.got.size(), 4u);
  EXPECT_THAT(out.got[3].status, IsOk());
  // ... so a change that only resolved b is no longer sent.
  w.receiver.Deliver(b_resolved, out.Callback());
  EXPECT_EQ(w.log->got.size(), 4u);
  ASSERT_EQ(out.got.size(), 5u);
  EXPECT_THAT(out.got[4].status, IsOk());
  // A repeat carries nothing newly resolved: sent.
  w.receiver.Deliver(Firing({Member("a")}), out.Callback());
  EXPECT_EQ(w.log->got.size(), 5u);
  w.log->Answer(absl::OkStatus());
  EXPECT_EQ(out.got.size(), 6u);  // Every attempt reported exactly once.
  EXPECT_TRUE(w.log->pending.empty());
}

TEST(SendResolvedReceiverTest, KeepsAtMostMaxIncidents) {
  Wrapped w(GateVerdicts::kFiltered, /*max_incidents=*/1);
  Outcomes out;
  for (const char* key : {"k1", "k2"}) {
    w.receiver.Deliver(Firing({Member("a"), Member("b")}, key), out.Callback());
    w.log->Answer(absl::OkStatus());
  }
  ASSERT_EQ(w.log->got.size(), 2u);
  w.receiver.Deliver(Firing({Member("a"), Member("b", true)}, "k2"), out.Callback());
  EXPECT_EQ(w.log->got.size(), 2u);  // k2 remembered: nothing new fired.
  w.receiver.Deliver(Firing({Member("a"), Member("b", true)}, "k1"), out.Callback());
  ASSERT_EQ(w.log->got.size(), 3u);  // k1 forgotten: sent.
  EXPECT_EQ(w.log->got[2].dedup_key, "k1");
  w.log->Answer(absl::OkStatus());
  EXPECT_EQ(out.got.size(), 4u);
}

TEST(SendResolvedReceiverTest, AnOutcomeMayComeAfterTheReceiverIsGone) {
  auto log = std::make_shared<Log>();
  Outcomes out;
  {
    SendResolvedReceiver r(std::make_unique<FakeIntegration>(log), GateVerdicts::kFiltered);
    r.Deliver(Firing({Member("a"), Member("b", true)}), out.Callback());
  }
  ASSERT_EQ(log->pending.size(), 1u);
  log->Answer(absl::OkStatus());  // Records into state the callback shares (ASan: no use after free).
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_THAT(out.got[0].status, IsOk());
}

// Kafka: a gate verdict is published whatever its status, untouched.
TEST(SendResolvedReceiverTest, GateVerdictsPassThroughUntouchedWhenAsked) {
  Wrapped w(GateVerdicts::kPassThrough);
  Outcomes out;
  const core::Notification pass = GateVerdict(core::NotificationStatus::kResolved);
  w.receiver.Deliver(pass, out.Callback());
  ASSERT_EQ(w.log->got.size(), 1u);
  EXPECT_EQ(NotificationToJson(w.log->got[0]), NotificationToJson(pass));
  w.log->Answer(absl::UnavailableError("fake receiver \"oncall\": broker down"));
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_THAT(out.got[0].status, StatusIs(absl::StatusCode::kUnavailable));
  // Not even resolved members are taken out of a verdict.
  core::Notification odd = GateVerdict(core::NotificationStatus::kFiring);
  odd.alerts = {Member("a"), Member("b", true)};
  odd.firing_count = 1;
  odd.resolved_count = 1;
  w.receiver.Deliver(odd, out.Callback());
  ASSERT_EQ(w.log->got.size(), 2u);
  EXPECT_EQ(NotificationToJson(w.log->got[1]), NotificationToJson(odd));
  w.log->Answer(absl::OkStatus());
  // Incidents and storms on the same integration are still filtered.
  w.receiver.Deliver(Resolved(), out.Callback());
  core::Notification storm_end = Resolved("storm-1");
  storm_end.kind = core::NotificationKind::kStorm;
  w.receiver.Deliver(storm_end, out.Callback());
  EXPECT_EQ(w.log->got.size(), 2u);
  ASSERT_EQ(out.got.size(), 4u);
  EXPECT_THAT(out.got[2].status, IsOk());
  EXPECT_THAT(out.got[3].status, IsOk());
}

// PagerDuty, Slack, webhook, file, stdout: a passing verdict (status resolved) is not sent, as
// before the filter moved out of them; a failing one is sent unchanged.
TEST(SendResolvedReceiverTest, GateVerdictsAreFilteredLikeIncidentsByDefault) {
  Wrapped w(GateVerdicts::kFiltered);
  Outcomes out;
  w.receiver.Deliver(GateVerdict(core::NotificationStatus::kResolved), out.Callback());
  EXPECT_TRUE(w.log->got.empty());
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_THAT(out.got[0].status, IsOk());
  const core::Notification fail = GateVerdict(core::NotificationStatus::kFiring);
  w.receiver.Deliver(fail, out.Callback());
  ASSERT_EQ(w.log->got.size(), 1u);
  EXPECT_EQ(NotificationToJson(w.log->got[0]), NotificationToJson(fail));
  w.log->Answer(absl::OkStatus());
  // Storms: the roll-up is sent, its end is not.
  core::Notification storm = Firing({}, "storm-1");
  storm.kind = core::NotificationKind::kStorm;
  storm.firing_count = 12;
  w.receiver.Deliver(storm, out.Callback());
  ASSERT_EQ(w.log->got.size(), 2u);
  EXPECT_EQ(w.log->got[1].firing_count, 12u);
  w.log->Answer(absl::OkStatus());
  storm.status = core::NotificationStatus::kResolved;
  w.receiver.Deliver(storm, out.Callback());
  EXPECT_EQ(w.log->got.size(), 2u);
  EXPECT_EQ(out.got.size(), 4u);
}

TEST(SendResolvedReceiverTest, WithSendResolvedWrapsOnlyWhenFalse) {
  auto log = std::make_shared<Log>();
  auto bare = std::make_unique<FakeIntegration>(log);
  const Receiver* raw = bare.get();
  std::unique_ptr<Receiver> same = WithSendResolved(std::move(bare), true, GateVerdicts::kFiltered);
  EXPECT_EQ(same.get(), raw);  // No wrapper at all.
  EXPECT_EQ(dynamic_cast<SendResolvedReceiver*>(same.get()), nullptr);
  Outcomes out;
  same->Deliver(Resolved(), out.Callback());
  EXPECT_EQ(log->got.size(), 1u);  // Resolved notifications reach it.
  log->Answer(absl::OkStatus());

  std::unique_ptr<Receiver> wrapped = WithSendResolved(std::move(same), false, GateVerdicts::kPassThrough);
  auto* srr = dynamic_cast<SendResolvedReceiver*>(wrapped.get());
  ASSERT_NE(srr, nullptr);
  EXPECT_EQ(&srr->inner(), raw);
  wrapped->Deliver(Resolved(), out.Callback());
  EXPECT_EQ(log->got.size(), 1u);
  wrapped->Deliver(GateVerdict(core::NotificationStatus::kResolved), out.Callback());
  EXPECT_EQ(log->got.size(), 2u);  // kPassThrough was passed on.
  log->Answer(absl::OkStatus());
  EXPECT_EQ(out.got.size(), 3u);
}

}  // namespace
}  // namespace quell::sinks
