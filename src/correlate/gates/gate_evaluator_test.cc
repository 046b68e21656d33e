#include "correlate/gates/gate_evaluator.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/notification_sink.h"
#include "core/yaml_node.h"
#include "correlate/gates/traffic_simulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::gates {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class RecordingSink : public core::NotificationSink {
 public:
  void Send(core::Notification n) override { sent.push_back(std::move(n)); }
  std::vector<core::Notification> sent;
};

const core::EventTime kT0 = core::EventTime::FromUnixNanos(1767225600LL * 1000000000LL);  // 2026-01-01

GatesConfig Config(std::string_view yaml) {
  auto root = core::YamlNode::LoadString(yaml, "test.yaml");
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  auto c = ParseGatesConfig(*root);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

constexpr std::string_view kGate = R"(
gates:
  - name: checkout
    service: checkout
    env: prod
    min_samples: 100
    min_duration: 2m
    max_duration: 20m
)";

// kGate with a longer min_duration: the same evidence, a different rule for pass.
constexpr std::string_view kGateLongerMinDuration = R"(
gates:
  - name: checkout
    service: checkout
    env: prod
    min_samples: 100
    min_duration: 10m
    max_duration: 20m
)";

core::Deployment Deploy(std::string version, core::DeployColor color, core::EventTime at) {
  core::Deployment d;
  d.service = "checkout";
  d.env = "prod";
  d.version = std::move(version);
  d.color = color;
  d.started_at = at;
  d.source = "api";
  return d;
}

// The usual pair: blue v1 (the baseline, deployed an hour before kT0) and green v2 at kT0.
void AddBlueGreen(GateEvaluator& gates) {
  gates.AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  gates.AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
}

// Feeds `minutes` of traffic for blue v1 and green v2 in 10 s steps.
void Feed(GateEvaluator& gates, TrafficSimulator& sim, absl::Duration from, absl::Duration to,
         const TrafficSpec& blue, const TrafficSpec& green,
         const std::function<void(absl::Duration)>& each_step = nullptr) {
  core::SignalBatch batch;
  for (absl::Duration t = from; t < to; t += absl::Seconds(10)) {
    batch.Clear();
    sim.Generate(blue, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
    sim.Generate(green, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
    gates.Observe(batch);
    gates.AdvanceTo(kT0 + t + absl::Seconds(10));
    if (each_step) each_step(t + absl::Seconds(10));
  }
}

TrafficSpec Spec(std::string version, core::DeployColor color, double error_rate = 0.01) {
  TrafficSpec s;
  s.version = std::move(version);
  s.color = color;
  s.error_rate = error_rate;
  return s;
}

TEST(GateEvaluatorTest, NoGateForServiceIsNotFound) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  EXPECT_THAT(gates.Evaluate({"payments", "", "v1", ""}), quell::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(gates.Evaluate({"checkout", "", "v1", "nope"}), quell::testing::StatusIs(absl::StatusCode::kNotFound));
}

TEST(GateEvaluatorTest, UnknownCanaryIsPendingNoData) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "", "v9", ""}));
  EXPECT_EQ(v.verdict, Verdict::kPending);
  EXPECT_THAT(v.reasons, Contains(HasSubstr("no data")));
  EXPECT_EQ(v.env, "prod");  // From the gate.
}

TEST(GateEvaluatorTest, LearnsDeploymentsAndColorsFromSignals) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  core::SignalBatch batch;
  for (auto [version, color] : {std::pair{"v1", "blue"}, std::pair{"v2", "green"}}) {
    core::Signal& s = batch.Add();
    s.kind = core::SignalKind::kSpan;
    s.service = batch.Copy("checkout");
    s.env = batch.Copy("prod");
    s.version = batch.Copy(version);
    s.event_time = kT0;
    batch.AddLabelCopy("deployment.color", color);
    batch.FinishLabels();
  }
  core::Signal& d = batch.Add();
  d.kind = core::SignalKind::kDeploy;
  d.format = core::Format::kDatadogEvent;
  d.service = batch.Copy("checkout");
  d.env = batch.Copy("prod");
  d.version = batch.Copy("v3");
  d.event_time = kT0 + absl::Seconds(5);
  gates.Observe(batch);
  std::vector<core::Deployment> all = gates.Deployments();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].version, "v1");
  EXPECT_EQ(all[0].color, core::DeployColor::kBlue);
  EXPECT_EQ(all[0].source, "otlp_resource");
  EXPECT_EQ(all[1].version, "v2");
  EXPECT_EQ(all[1].color, core::DeployColor::kGreen);
  EXPECT_EQ(all[2].source, "datadog_event");
  EXPECT_EQ(all[2].id, "checkout/prod/v3@2026-01-01T00:00:05Z");
  // The API outranks what was learned.
  gates.AddDeployment(Deploy("v1", core::DeployColor::kBaseline, kT0 - absl::Hours(1)));
  all = gates.Deployments();
  EXPECT_EQ(all[0].color, core::DeployColor::kBaseline);
  EXPECT_EQ(all[0].source, "api");
  // A green learned deployment is tracked without anyone asking.
  EXPECT_EQ(gates.TrackedVerdicts().size(), 1u);
}

TEST(GateEvaluatorTest, VerdictJsonCarriesEvidence) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(1);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue),
      Spec("v2", core::DeployColor::kGreen));
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "", "", ""}));  // Latest green.
  EXPECT_EQ(v.version, "v2");
  EXPECT_EQ(v.baseline_version, "v1");
  EXPECT_EQ(v.verdict, Verdict::kPass) << v.ToJson();
  ASSERT_TRUE(v.score.has_value());
  EXPECT_EQ(*v.score, 100);
  EXPECT_GT(v.canary_samples, 8000u);
  EXPECT_GT(v.baseline_samples, 8000u);
  ASSERT_EQ(v.indicators.size(), 2u);
  const IndicatorVerdict& lat = v.indicators[1];
  ASSERT_TRUE(lat.canary.value && lat.baseline.value && lat.canary.lower && lat.canary.upper);
  EXPECT_LE(*lat.canary.lower, *lat.canary.value);
  EXPECT_GE(*lat.canary.upper, *lat.canary.value);
  // Log-normal(50 ms, 0.5): p99 = 50 ms * e^(2.326 * 0.5) ~ 160 ms.
  EXPECT_NEAR(*lat.baseline.value / 1e6, 160, 25);
  ASSERT_TRUE(lat.comparison.has_value());
  EXPECT_EQ(lat.comparison->alpha, 0.005);  // 0.01 over two tests.
  const std::string json = v.ToJson();
  for (const char* field : {"\"verdict\":\"pass\"", "\"score\":100", "\"reasons\":[", "\"baseline_version\":\"v1\"",
                            "\"window\":{\"start\":\"2026-01-01T00:00:00Z\"", "\"samples\":{\"canary\":",
                            "\"statistic\":{\"test\":\"odds_ratio_msprt\"", "\"p_value\":", "\"effect\":"}) {
    EXPECT_THAT(json, HasSubstr(field));
  }
}

// The verdict depends on event time only, never on how often anyone asks.
TEST(GateEvaluatorTest, PollingFrequencyDoesNotChangeTheOutcome) {
  auto run = [](bool poll) {
    GateEvaluator gates(Config(kGate), {}, nullptr);
    AddBlueGreen(gates);
    TrafficSimulator sim(7);
    Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(4), Spec("v1", core::DeployColor::kBlue, 0.01),
        Spec("v2", core::DeployColor::kGreen, 0.018), [&](absl::Duration) {
          if (poll) {
            for (int i = 0; i < 5; ++i) (void)gates.Evaluate({"checkout", "prod", "v2", ""});
          }
        });
    auto v = gates.Evaluate({"checkout", "prod", "v2", ""});
    return v->ToJson();
  };
  EXPECT_EQ(run(true), run(false));
}

TEST(GateEvaluatorTest, NotifiesEveryVerdictChangeOnce) {
  RecordingSink sink;
  GateEvaluatorOptions opts;
  opts.receiver = "deploys";
  GateEvaluator gates(Config(kGate), opts, &sink);
  AddBlueGreen(gates);
  TrafficSimulator sim(3);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue),
      Spec("v2", core::DeployColor::kGreen), [&](absl::Duration) { (void)gates.Evaluate({"checkout", "", "v2", ""}); });
  ASSERT_EQ(sink.sent.size(), 2u);
  const core::Notification& n = sink.sent[1];
  EXPECT_EQ(n.kind, core::NotificationKind::kGateVerdict);
  EXPECT_EQ(n.receiver, "deploys");
  EXPECT_EQ(n.dedup_key, "gate/checkout/checkout/prod/v2");
  EXPECT_EQ(n.sequence, 2u);
  EXPECT_EQ(n.group_labels.Get("verdict"), "pass");
  ASSERT_TRUE(n.deploy.has_value());
  EXPECT_EQ(n.deploy->version, "v2");
  EXPECT_THAT(n.gate_verdict_json, HasSubstr("\"verdict\":\"pass\""));
  EXPECT_EQ(sink.sent[0].group_labels.Get("verdict"), "pending");
}

TEST(GateEvaluatorTest, OverrideReplacesTheVerdictIsNotifiedAndSurvivesNewEvidence) {
  RecordingSink sink;
  GateEvaluator gates(Config(kGate), {}, &sink);
  AddBlueGreen(gates);
  TrafficSimulator sim(3);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue),
       Spec("v2", core::DeployColor::kGreen));
  ASSERT_EQ(gates.Evaluate({"checkout", "", "v2", ""})->verdict, Verdict::kPass);
  const size_t before = sink.sent.size();

  EXPECT_EQ(gates.SetOverride({"checkout", "", "v2", ""}, {Verdict::kPending, "x", "bob", {}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(gates.SetOverride({"checkout", "", "v2", ""}, {Verdict::kFail, "", "bob", {}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto v = gates.SetOverride({"checkout", "", "v2", ""}, {Verdict::kFail, "wrong artifact", "bob", {}});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->verdict, Verdict::kFail);
  EXPECT_EQ(v->computed_verdict, Verdict::kPass);
  ASSERT_TRUE(v->manual_override.has_value());
  EXPECT_EQ(v->manual_override->at, gates.now());
  ASSERT_EQ(sink.sent.size(), before + 1);
  EXPECT_EQ(sink.sent.back().group_labels.Get("verdict"), "fail");
  EXPECT_THAT(sink.sent.back().gate_verdict_json, HasSubstr("\"override\":{\"verdict\":\"fail\""));

  // More healthy evidence does not undo a person's decision, and nothing more is notified.
  Feed(gates, sim, absl::Minutes(3), absl::Minutes(5), Spec("v1", core::DeployColor::kBlue),
       Spec("v2", core::DeployColor::kGreen));
  EXPECT_EQ(gates.Evaluate({"checkout", "", "v2", ""})->verdict, Verdict::kFail);
  EXPECT_EQ(sink.sent.size(), before + 1);

  auto cleared = gates.ClearOverride({"checkout", "", "v2", ""});
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->verdict, Verdict::kPass);
  EXPECT_FALSE(cleared->manual_override.has_value());
  ASSERT_TRUE(cleared->cleared_override.has_value());  // What was cleared, for the audit log.
  EXPECT_EQ(cleared->cleared_override->verdict, Verdict::kFail);
  EXPECT_EQ(cleared->cleared_override->reason, "wrong artifact");
  EXPECT_EQ(cleared->cleared_override->by, "bob");
  EXPECT_THAT(cleared->ToJson(), HasSubstr("\"cleared_override\":{\"verdict\":\"fail\",\"reason\":\"wrong artifact\""));
  EXPECT_THAT(sink.sent.back().gate_verdict_json, Not(HasSubstr("cleared_override")));
  EXPECT_EQ(sink.sent.size(), before + 2);
  EXPECT_EQ(gates.ClearOverride({"checkout", "", "v2", ""}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gates.SetOverride({"checkout", "", "v9", ""}, {Verdict::kPass, "x", "bob", {}}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(GateEvaluatorTest, MetricIndicatorFailsAfterBreachLastsFor) {
  GateEvaluator gates(Config(R"(
gates:
  - service: checkout
    min_samples: 1
    min_duration: 1m
    indicators:
      - name: errors
        type: error_rate
      - name: cpu
        type: metric
        metric: cpu
        critical: true
        window: 30s
        for: 1m
        thresholds: {absolute: 0.9, relative: 1.5}
)"),
                      {}, nullptr);
  AddBlueGreen(gates);
  core::SignalBatch batch;
  auto point = [&](const char* version, double value, absl::Duration at) {
    core::Signal& s = batch.Add();
    s.kind = core::SignalKind::kMetric;
    s.service = batch.Copy("checkout");
    s.env = batch.Copy("prod");
    s.version = batch.Copy(version);
    s.title = batch.Copy("cpu");
    s.value = value;
    s.event_time = kT0 + at;
  };
  std::vector<Verdict> seen;
  for (absl::Duration t = absl::ZeroDuration(); t < absl::Minutes(5); t += absl::Seconds(10)) {
    batch.Clear();
    point("v1", 0.4, t);
    point("v2", t < absl::Minutes(2) ? 0.45 : 0.7, t);  // 0.7 > 1.5 x 0.4 from +2m.
    gates.Observe(batch);
    gates.AdvanceTo(kT0 + t + absl::Seconds(10));
    auto v = gates.Evaluate({"checkout", "prod", "v2", ""});
    ASSERT_TRUE(v.ok());
    seen.push_back(v->verdict);
    if (t == absl::Minutes(2) + absl::Seconds(40)) {
      EXPECT_NE(v->verdict, Verdict::kFail) << "the breach has not lasted 1m yet";
    }
  }
  EXPECT_EQ(seen.back(), Verdict::kFail);
  auto v = gates.Evaluate({"checkout", "prod", "v2", ""});
  EXPECT_THAT(v->reasons, Contains(HasSubstr("cpu: canary mean 0.7 above 1.5 x baseline mean 0.4")));
  EXPECT_EQ(v->indicators[1].verdict, Verdict::kFail);
  EXPECT_NEAR(*v->indicators[1].effect, 1.75, 1e-9);
}

TEST(GateEvaluatorTest, NonCriticalFailureLowersTheScore) {
  GateEvaluator gates(Config(R"(
gates:
  - service: checkout
    min_samples: 100
    min_duration: 1m
    score: {pass: 90, marginal: 40}
    indicators:
      - {name: errors, type: error_rate, group: errors}
      - {name: p99, type: latency, group: latency, critical: true}
)"),
                      {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(5);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue, 0.01),
      Spec("v2", core::DeployColor::kGreen, 0.06));
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.indicators[0].verdict, Verdict::kFail);
  ASSERT_TRUE(v.score.has_value());
  EXPECT_EQ(*v.score, 50);
  EXPECT_EQ(v.verdict, Verdict::kPending) << v.ToJson();  // Marginal: 40 <= 50 < 90.
  EXPECT_THAT(v.reasons, Contains(HasSubstr("marginal score 50")));
}

TEST(GateEvaluatorTest, AbsoluteErrorThresholdFailsWithoutABaselineDifference) {
  GateEvaluator gates(Config(R"(
gates:
  - service: checkout
    indicators:
      - {name: errors, type: error_rate, critical: true, thresholds: {absolute: 0.02}}
)"),
                      {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(9);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue, 0.06),
      Spec("v2", core::DeployColor::kGreen, 0.06));
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.verdict, Verdict::kFail);
  EXPECT_THAT(v.reasons, Contains(HasSubstr("above absolute threshold 2%")));
  EXPECT_FALSE(v.indicators[0].comparison->rejected);
  EXPECT_TRUE(v.indicators[0].absolute->rejected);
}

TEST(GateEvaluatorTest, ReloadKeepsEvidenceAndAppliesNewThresholds) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(4);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue),
      Spec("v2", core::DeployColor::kGreen));
  ASSERT_OK_AND_ASSIGN(GateVerdict before, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(before.verdict, Verdict::kPass);
  // Same indicators, a longer min_duration: the evidence stays, the verdict follows the new rule.
  gates.Reload(Config(kGateLongerMinDuration));
  ASSERT_OK_AND_ASSIGN(GateVerdict after, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(after.verdict, Verdict::kPending);
  EXPECT_EQ(after.canary_samples, before.canary_samples);
  EXPECT_THAT(after.reasons, Contains(HasSubstr("min duration: 3m of 10m")));
}

TEST(GateEvaluatorTest, LateSignalsAreCountedNotUsed) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(2);
  Feed(gates, sim, absl::ZeroDuration(), absl::Minutes(1), Spec("v1", core::DeployColor::kBlue),
      Spec("v2", core::DeployColor::kGreen));
  core::SignalBatch late;
  sim.Generate(Spec("v2", core::DeployColor::kGreen), kT0, kT0 + absl::Seconds(10), &late);
  const uint64_t n = late.size();
  gates.Observe(late);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.canary_late, n);
  EXPECT_EQ(v.baseline_late, 0u);
}

// A batch is one arrival: its order (all of blue, then all of green, across many intervals) never
// makes part of it late.
TEST(GateEvaluatorTest, OneBatchSpanningManyIntervalsIsNotLate) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(8);
  core::SignalBatch batch;
  sim.Generate(Spec("v1", core::DeployColor::kBlue), kT0, kT0 + absl::Minutes(3), &batch);
  sim.Generate(Spec("v2", core::DeployColor::kGreen, 0.2), kT0, kT0 + absl::Minutes(3), &batch);
  gates.Observe(batch);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.canary_late, 0u);
  EXPECT_EQ(v.verdict, Verdict::kFail) << v.ToJson();
}

// ---- Future timestamps (ADR 0061) ----

// As Feed, with every signal observed at the end of its 10 s step (what the intake stamps).
void FeedObserved(GateEvaluator& gates, TrafficSimulator& sim, absl::Duration from, absl::Duration to,
                  const TrafficSpec& blue, const TrafficSpec& green) {
  core::SignalBatch batch;
  for (absl::Duration t = from; t < to; t += absl::Seconds(10)) {
    batch.Clear();
    sim.Generate(blue, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
    sim.Generate(green, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
    for (core::Signal& s : batch.mutable_signals()) s.observed_time = kT0 + t + absl::Seconds(10);
    gates.Observe(batch);
    gates.AdvanceTo(kT0 + t + absl::Seconds(10));
  }
}

// One log of `service` stamped `ahead` past its observed time `observed`.
void ObserveFutureLog(GateEvaluator& gates, std::string_view service, std::string_view version,
                      core::EventTime observed, absl::Duration ahead) {
  core::SignalBatch batch;
  core::Signal& s = batch.Add();
  s.kind = core::SignalKind::kLog;
  s.service = batch.Copy(service);
  s.env = batch.Copy("prod");
  s.version = batch.Copy(version);
  s.severity = core::Severity::kInfo;
  s.observed_time = observed;
  s.event_time = observed + ahead;
  batch.FinishLabels();
  gates.Observe(batch);
}

TEST(GateEvaluatorFutureTest, FarFutureSignalOfAnotherServiceDoesNotMoveTheClock) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(11);
  const TrafficSpec blue = Spec("v1", core::DeployColor::kBlue), green = Spec("v2", core::DeployColor::kGreen);
  FeedObserved(gates, sim, absl::ZeroDuration(), absl::Minutes(3), blue, green);
  ASSERT_EQ(gates.Evaluate({"checkout", "prod", "v2", ""})->verdict, Verdict::kPass);

  // An ungated service's log an hour ahead of when it arrived (a sender's clock, a unit mix-up).
  ObserveFutureLog(gates, "search", "s1", kT0 + absl::Minutes(3), absl::Hours(1));
  EXPECT_EQ(gates.now(), kT0 + absl::Minutes(3));
  EXPECT_EQ(gates.stats().future_clamped, 1u);

  FeedObserved(gates, sim, absl::Minutes(3), absl::Minutes(6), blue, green);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.verdict, Verdict::kPass) << v.ToJson();
  EXPECT_EQ(v.canary_late, 0u);
  EXPECT_EQ(v.baseline_late, 0u);
  EXPECT_EQ(gates.now(), kT0 + absl::Minutes(6));

  // A deployment registered now starts its gate now: pending, not "max duration reached".
  gates.AddDeployment(Deploy("v3", core::DeployColor::kGreen, kT0 + absl::Minutes(6)));
  ASSERT_OK_AND_ASSIGN(GateVerdict v3, gates.Evaluate({"checkout", "prod", "v3", ""}));
  EXPECT_EQ(v3.verdict, Verdict::kPending) << v3.ToJson();
  EXPECT_THAT(v3.reasons, Not(Contains(HasSubstr("max duration"))));
}

// Within max_future_skew a signal still counts in its own interval, but the clock stops at its
// observed time: the other services' data is not late.
TEST(GateEvaluatorFutureTest, SlightlyFutureSignalDoesNotCloseIntervalsAhead) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(12);
  const TrafficSpec blue = Spec("v1", core::DeployColor::kBlue), green = Spec("v2", core::DeployColor::kGreen);
  FeedObserved(gates, sim, absl::ZeroDuration(), absl::Minutes(3), blue, green);
  ObserveFutureLog(gates, "search", "s1", kT0 + absl::Minutes(3), absl::Minutes(10));
  EXPECT_EQ(gates.now(), kT0 + absl::Minutes(3));
  EXPECT_EQ(gates.stats().future_clamped, 0u);
  FeedObserved(gates, sim, absl::Minutes(3), absl::Minutes(4), blue, green);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.verdict, Verdict::kPass) << v.ToJson();
  EXPECT_EQ(v.canary_late, 0u);
}

// A far-future signal of the gated service itself is evidence at its observed time, not in an
// interval an hour away, and does not make its color look fresh for an hour.
TEST(GateEvaluatorFutureTest, FarFutureSignalOfTheGateIsTakenAtItsObservedTime) {
  GateEvaluatorOptions opts;
  GateEvaluator gates(Config(kGate), opts, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(13);
  FeedObserved(gates, sim, absl::ZeroDuration(), absl::Minutes(1), Spec("v1", core::DeployColor::kBlue),
               Spec("v2", core::DeployColor::kGreen));
  core::SignalBatch batch;
  sim.Generate(Spec("v2", core::DeployColor::kGreen), kT0, kT0 + absl::Seconds(1), &batch);
  ASSERT_GT(batch.size(), 0u);
  for (core::Signal& s : batch.mutable_signals()) {
    s.observed_time = kT0 + absl::Minutes(1);
    s.event_time = s.event_time + absl::Hours(2);
  }
  gates.Observe(batch);
  EXPECT_EQ(gates.stats().future_clamped, batch.size());
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.canary_last_seen, kT0 + absl::Minutes(1));
  EXPECT_EQ(v.canary_late, 0u);
  // A version first seen in such a signal starts its deployment at the observed time too.
  ObserveFutureLog(gates, "checkout", "v9", kT0 + absl::Minutes(1), absl::Hours(2));
  bool found = false;
  for (const core::Deployment& d : gates.Deployments()) {
    if (d.version != "v9") continue;
    found = true;
    EXPECT_EQ(d.started_at, kT0 + absl::Minutes(1));
  }
  EXPECT_TRUE(found);
}

// QA: one span stamped 10 minutes ahead (within max_future_skew, so taken at its own time) made
// the canary's last_seen lie in the future: once it fell silent, it never became stale and kept
// its pass. Freshness is when Quell heard from it, its receipt.
TEST(GateEvaluatorFutureTest, ASignalStampedAheadDoesNotKeepASilentCanaryFresh) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  TrafficSimulator sim(14);
  const TrafficSpec blue = Spec("v1", core::DeployColor::kBlue), green = Spec("v2", core::DeployColor::kGreen);
  FeedObserved(gates, sim, absl::ZeroDuration(), absl::Minutes(4), blue, green);
  ASSERT_OK_AND_ASSIGN(GateVerdict before, gates.Evaluate({"checkout", "prod", "v2", ""}));
  ASSERT_EQ(before.verdict, Verdict::kPass) << before.ToJson();
  core::SignalBatch batch;
  sim.Generate(green, kT0 + absl::Minutes(4), kT0 + absl::Minutes(4) + absl::Seconds(1), &batch);
  ASSERT_GT(batch.size(), 0u);
  for (core::Signal& sig : batch.mutable_signals()) {
    sig.observed_time = kT0 + absl::Minutes(4);
    sig.event_time = sig.event_time + absl::Minutes(10);
  }
  gates.Observe(batch);
  EXPECT_EQ(gates.stats().future_clamped, 0u);  // Within the skew: taken at its own time.
  for (absl::Duration t = absl::Minutes(4); t < absl::Minutes(6); t += absl::Seconds(10)) {  // Only blue.
    batch.Clear();
    sim.Generate(blue, kT0 + t, kT0 + t + absl::Seconds(10), &batch);
    for (core::Signal& sig : batch.mutable_signals()) sig.observed_time = kT0 + t + absl::Seconds(10);
    gates.Observe(batch);
    gates.AdvanceTo(kT0 + t + absl::Seconds(10));
  }
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.canary_last_seen, kT0 + absl::Minutes(4));
  EXPECT_EQ(v.verdict, Verdict::kPending) << v.ToJson();
  EXPECT_THAT(v.ToJson(), ::testing::HasSubstr("stale data: canary v2 last seen 2m ago"));
}

TEST(GateEvaluatorFutureTest, ZeroSkewTrustsEventTimes) {
  GateEvaluatorOptions opts;
  opts.max_future_skew = absl::ZeroDuration();
  GateEvaluator gates(Config(kGate), opts, nullptr);
  ObserveFutureLog(gates, "search", "s1", kT0, absl::Hours(1));
  EXPECT_EQ(gates.now(), kT0 + absl::Hours(1));
  EXPECT_EQ(gates.stats().future_clamped, 0u);
}

TEST(GateEvaluatorTest, NamedGateOfAnotherServiceIsNotFound) {
  GateEvaluator gates(Config(R"(
gates:
  - {name: checkout, service: checkout, env: prod}
  - {name: payments, service: payments, env: prod}
)"),
                      {}, nullptr);
  gates.AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  auto v = gates.Evaluate({"checkout", "prod", "v2", "payments"});
  EXPECT_THAT(v, quell::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr("gate \"payments\" guards service \"payments\", not \"checkout\""));
  auto e = gates.Evaluate({"checkout", "staging", "v2", "checkout"});
  EXPECT_THAT(e, quell::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("guards env \"prod\", not \"staging\""));
  EXPECT_TRUE(gates.Evaluate({"checkout", "prod", "v2", "checkout"}).ok());
  EXPECT_TRUE(gates.Evaluate({"checkout", "", "v2", "checkout"}).ok());
}

// "No data" names what the gate's indicators count: logs do not feed a spans-only gate.
TEST(GateEvaluatorTest, NoDataNamesTheSignalKindTheIndicatorsNeed) {
  GateEvaluator gates(Config(kGate), {}, nullptr);
  AddBlueGreen(gates);
  core::SignalBatch batch;
  for (const char* version : {"v1", "v2"}) {
    core::Signal& s = batch.Add();
    s.kind = core::SignalKind::kLog;
    s.service = batch.Copy("checkout");
    s.env = batch.Copy("prod");
    s.version = batch.Copy(version);
    s.event_time = kT0 + absl::Seconds(1);
    batch.FinishLabels();
  }
  gates.Observe(batch);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, gates.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_THAT(v.reasons, Contains("no data: canary v2 has sent no spans"));
  EXPECT_THAT(v.reasons, Contains("no data: baseline v1 has sent no spans"));
}

// ---- State across restarts ----

struct Instance {
  RecordingSink sink;
  std::unique_ptr<GateEvaluator> gates;
  explicit Instance(std::string_view yaml = kGate) : gates(std::make_unique<GateEvaluator>(Config(yaml), GateEvaluatorOptions{}, &sink)) {}
};

// The verdicts of one run, polled after every 10 s step.
std::vector<std::string> FeedAndPoll(GateEvaluator& gates, TrafficSimulator& sim, absl::Duration from, absl::Duration to) {
  std::vector<std::string> verdicts;
  TrafficSpec blue = Spec("v1", core::DeployColor::kBlue, 0.01);
  TrafficSpec green = Spec("v2", core::DeployColor::kGreen, 0.016);
  green.latency_scale = 1.02;
  Feed(gates, sim, from, to, blue, green, [&](absl::Duration) {
    auto v = gates.Evaluate({"checkout", "prod", "v2", ""});
    verdicts.push_back(v.ok() ? v->ToJson() : v.status().ToString());
  });
  return verdicts;
}

// A restart between two checkpoints changes nothing: the restored evaluator gives the same
// verdicts, evidence and e-values from then on as one that never stopped, and it does not repeat
// the notifications sent before the restart.
TEST(GateEvaluatorStateTest, RestoredStateContinuesExactly) {
  Instance whole;
  whole.gates->AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  whole.gates->AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  TrafficSimulator whole_sim(21);
  std::vector<std::string> expected = FeedAndPoll(*whole.gates, whole_sim, absl::ZeroDuration(), absl::Minutes(8));
  ASSERT_EQ(expected.size(), 48u);
  // The restart falls just before the decision.
  size_t decided = 0;
  while (decided < expected.size() && expected[decided].find("\"verdict\":\"fail\"") == std::string::npos) ++decided;
  ASSERT_LT(decided, expected.size()) << "the canary never fails: no decision to restart before";
  ASSERT_GE(decided, 2u);
  const absl::Duration restart = absl::Seconds(10) * static_cast<int64_t>(decided - 1);

  Instance before;
  before.gates->AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  before.gates->AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  TrafficSimulator sim(21);
  std::vector<std::string> got = FeedAndPoll(*before.gates, sim, absl::ZeroDuration(), restart);
  const size_t sent_before = before.sink.sent.size();
  EXPECT_EQ(got.back(), expected[got.size() - 1]);
  EXPECT_THAT(got.back(), Not(HasSubstr("\"verdict\":\"fail\"")));
  const std::string saved = before.gates->Serialize();
  EXPECT_EQ(before.gates->Serialize(), saved);  // Closed buckets from their cached JSON: the same bytes.

  Instance after;
  ASSERT_OK(after.gates->Restore(saved));
  EXPECT_TRUE(after.sink.sent.empty());  // Nothing changed, so nothing is notified again.
  EXPECT_EQ(after.gates->Deployments().size(), 2u);
  std::vector<std::string> rest = FeedAndPoll(*after.gates, sim, restart, absl::Minutes(8));
  got.insert(got.end(), rest.begin(), rest.end());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "step " << i;
  // The notifications after the restart are the uninterrupted run's, with the same sequence numbers.
  ASSERT_EQ(after.sink.sent.size() + sent_before, whole.sink.sent.size());
  for (size_t i = 0; i < after.sink.sent.size(); ++i) {
    EXPECT_EQ(after.sink.sent[i].summary, whole.sink.sent[sent_before + i].summary);
    EXPECT_EQ(after.sink.sent[i].sequence, whole.sink.sent[sent_before + i].sequence);
  }
}

TEST(GateEvaluatorStateTest, RestoreKeepsOverridesFinalVerdictsAndIncidents) {
  Instance before;
  before.gates->AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  before.gates->AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  before.gates->AddDeployment(Deploy("v3", core::DeployColor::kGreen, kT0));
  TrafficSimulator sim(2);
  Feed(*before.gates, sim, absl::ZeroDuration(), absl::Minutes(1), Spec("v1", core::DeployColor::kBlue),
       Spec("v2", core::DeployColor::kGreen));
  ASSERT_OK(before.gates->SetOverride({"checkout", "prod", "v2", ""}, {Verdict::kPass, "hotfix", "alice", {}}).status());
  AttributedIncident inc;
  inc.incident_id = "inc-7";
  inc.deploy.service = "checkout";
  inc.deploy.version = "v3";
  inc.deploy.env = "prod";
  inc.time = kT0 + absl::Seconds(30);
  inc.summary = "checkout 5xx";
  before.gates->OnIncident(inc);
  ASSERT_OK_AND_ASSIGN(GateVerdict v3, before.gates->Evaluate({"checkout", "prod", "v3", ""}));
  ASSERT_EQ(v3.verdict, Verdict::kFail);

  Instance after;
  ASSERT_OK(after.gates->Restore(before.gates->Serialize()));
  ASSERT_OK_AND_ASSIGN(GateVerdict v2, after.gates->Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v2.verdict, Verdict::kPass);
  ASSERT_TRUE(v2.manual_override.has_value());
  EXPECT_EQ(v2.manual_override->by, "alice");
  EXPECT_EQ(v2.manual_override->reason, "hotfix");
  ASSERT_OK_AND_ASSIGN(GateVerdict restored_v3, after.gates->Evaluate({"checkout", "prod", "v3", ""}));
  EXPECT_EQ(restored_v3.verdict, Verdict::kFail);
  EXPECT_THAT(restored_v3.reasons, Contains(HasSubstr("incident inc-7 attributed to checkout v3: checkout 5xx")));
  EXPECT_TRUE(after.sink.sent.empty());
  EXPECT_EQ(after.gates->now(), before.gates->now());
}

// A changed gate definition after the restart: the evidence stays, the canary is judged again
// under the new rules (as a reload does), and the change of verdict is notified.
TEST(GateEvaluatorStateTest, ChangedDefinitionReevaluatesFromTheKeptEvidence) {
  Instance before;
  before.gates->AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  before.gates->AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  TrafficSimulator sim(4);
  Feed(*before.gates, sim, absl::ZeroDuration(), absl::Minutes(3), Spec("v1", core::DeployColor::kBlue),
       Spec("v2", core::DeployColor::kGreen));
  ASSERT_OK_AND_ASSIGN(GateVerdict passed, before.gates->Evaluate({"checkout", "prod", "v2", ""}));
  ASSERT_EQ(passed.verdict, Verdict::kPass);

  Instance after(kGateLongerMinDuration);
  ASSERT_OK(after.gates->Restore(before.gates->Serialize()));
  ASSERT_EQ(after.sink.sent.size(), 1u);  // pass -> pending under the longer min_duration.
  EXPECT_EQ(after.sink.sent[0].group_labels.Get("verdict"), "pending");
  ASSERT_OK_AND_ASSIGN(GateVerdict v, after.gates->Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.verdict, Verdict::kPending);
  EXPECT_EQ(v.canary_samples, passed.canary_samples);
  EXPECT_THAT(v.reasons, Contains(HasSubstr("min duration: 3m of 10m")));

  // A gate that no longer exists takes its evidence and canaries with it.
  Instance other(R"(
gates:
  - name: payments
    service: payments
)");
  ASSERT_OK(other.gates->Restore(before.gates->Serialize()));
  EXPECT_TRUE(other.gates->TrackedVerdicts().empty());
  EXPECT_THAT(other.gates->Evaluate({"checkout", "prod", "v2", ""}), quell::testing::StatusIs(absl::StatusCode::kNotFound));
}

TEST(GateEvaluatorStateTest, BadDocumentIsDataLossAndChangesNothing) {
  Instance before;
  before.gates->AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  TrafficSimulator sim(4);
  Feed(*before.gates, sim, absl::ZeroDuration(), absl::Minutes(1), Spec("v1", core::DeployColor::kBlue),
       Spec("v2", core::DeployColor::kGreen));
  const std::string good = before.gates->Serialize();
  std::string mistyped = good;
  const size_t at = mistyped.find("{\"index\":");
  ASSERT_NE(at, std::string::npos);
  mistyped.replace(at, 9, "{\"index\":\"x\",\"was\":");  // A mistyped field inside.
  for (const std::string& bad : {std::string("not json"), std::string("{\"version\":9}"), std::string("[]"),
                                 good.substr(0, good.size() / 2), mistyped}) {
    Instance target;
    target.gates->AddDeployment(Deploy("v7", core::DeployColor::kBlue, kT0));
    EXPECT_THAT(target.gates->Restore(bad), quell::testing::StatusIs(absl::StatusCode::kDataLoss)) << bad.substr(0, 80);
    ASSERT_EQ(target.gates->Deployments().size(), 1u);
    EXPECT_EQ(target.gates->Deployments()[0].version, "v7");
  }
}

// A checkpoint written by a binary without the future-skew guard can hold a clock an hour ahead:
// restored with the wall clock, the new run is not poisoned by it.
TEST(GateEvaluatorStateTest, RestoredClockFarAheadOfTheWallClockIsSetBack) {
  constexpr std::string_view kLongGate = R"(
gates:
  - name: checkout
    service: checkout
    env: prod
    min_samples: 100
    min_duration: 2m
    max_duration: 3h
)";
  GateEvaluatorOptions unguarded;
  unguarded.max_future_skew = absl::ZeroDuration();  // What the old binary did.
  GateEvaluator before(Config(kLongGate), unguarded, nullptr);
  before.AddDeployment(Deploy("v1", core::DeployColor::kBlue, kT0 - absl::Hours(1)));
  before.AddDeployment(Deploy("v2", core::DeployColor::kGreen, kT0));
  TrafficSimulator sim(14);
  const TrafficSpec blue = Spec("v1", core::DeployColor::kBlue), green = Spec("v2", core::DeployColor::kGreen);
  FeedObserved(before, sim, absl::ZeroDuration(), absl::Minutes(3), blue, green);
  ObserveFutureLog(before, "search", "s1", kT0 + absl::Minutes(3), absl::Hours(1));
  ASSERT_EQ(before.now(), kT0 + absl::Minutes(63));
  const std::string saved = before.Serialize();

  const core::WallTime wall = core::WallTime::FromUnixNanos((kT0 + absl::Minutes(3)).unix_nanos());
  {
    // Without the wall clock (as before): the bad clock stays, and the new run's data is late.
    GateEvaluator after(Config(kLongGate), {}, nullptr);
    ASSERT_OK(after.Restore(saved));
    EXPECT_EQ(after.now(), kT0 + absl::Minutes(63));
  }
  GateEvaluator after(Config(kLongGate), {}, nullptr);
  ASSERT_OK(after.Restore(saved, wall));
  EXPECT_EQ(after.now(), kT0 + absl::Minutes(3));
  EXPECT_EQ(after.stats().restored_clock_clamped, 1u);
  FeedObserved(after, sim, absl::Minutes(3), absl::Minutes(6), blue, green);
  ASSERT_OK_AND_ASSIGN(GateVerdict v, after.Evaluate({"checkout", "prod", "v2", ""}));
  EXPECT_EQ(v.verdict, Verdict::kPass) << v.ToJson();
  EXPECT_EQ(v.canary_late, 0u);
  EXPECT_EQ(v.window_end, kT0 + absl::Minutes(5) + absl::Seconds(50));

  // A clock within the skew of the wall clock is left alone.
  GateEvaluator near(Config(kLongGate), {}, nullptr);
  ASSERT_OK(near.Restore(saved, core::WallTime::FromUnixNanos((kT0 + absl::Minutes(55)).unix_nanos())));
  EXPECT_EQ(near.now(), kT0 + absl::Minutes(63));
  EXPECT_EQ(near.stats().restored_clock_clamped, 0u);
}

}  // namespace
}  // namespace quell::gates
