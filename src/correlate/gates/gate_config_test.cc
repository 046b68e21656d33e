#include "correlate/gates/gate_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::gates {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<GatesConfig> Parse(std::string_view yaml) {
  auto root = core::YamlNode::LoadString(yaml, "quell.yaml");
  if (!root.ok()) return root.status();
  return ParseGatesConfig(*root);
}

TEST(GateConfigTest, ParsesAFullGate) {
  ASSERT_OK_AND_ASSIGN(GatesConfig c, Parse(R"(
other_section: {ignored: true}
gates:
  - name: checkout-canary
    service: checkout
    env: prod
    alpha: 0.02
    min_samples: 300
    min_duration: 2m
    max_duration: 20m
    interval: 5s
    lateness: 2s
    staleness: 30s
    score: {pass: 95, marginal: 60}
    group_weights: {errors: 3, latency: 1}
    indicators:
      - name: errors
        type: error_rate
        critical: true
        group: errors
        match: {name: "GET /cart", labels: {http.route: /cart}}
        thresholds: {absolute: 0.05, relative: 1.5}
      - name: log_errors
        type: error_rate
        source: logs
        group: errors
        weight: 2
      - name: p95
        type: latency
        quantile: 0.95
        thresholds: {absolute: 250ms, relative: 1.2}
      - name: cpu
        type: metric
        metric: process.cpu.utilization
        labels: {state: user}
        direction: increase
        window: 2m
        for: 30s
        thresholds: {absolute: 0.9}
)"));
  ASSERT_EQ(c.gates.size(), 1u);
  const GateConfig& g = c.gates[0];
  EXPECT_EQ(g.name, "checkout-canary");
  EXPECT_EQ(g.service, "checkout");
  EXPECT_EQ(g.env, "prod");
  EXPECT_EQ(g.alpha, 0.02);
  EXPECT_EQ(g.min_samples, 300);
  EXPECT_EQ(g.min_duration, absl::Minutes(2));
  EXPECT_EQ(g.max_duration, absl::Minutes(20));
  EXPECT_EQ(g.interval, absl::Seconds(5));
  EXPECT_EQ(g.lateness, absl::Seconds(2));
  EXPECT_EQ(g.staleness, absl::Seconds(30));
  EXPECT_EQ(g.score.pass, 95);
  EXPECT_EQ(g.score.marginal, 60);
  ASSERT_EQ(g.group_weights.size(), 2u);
  EXPECT_EQ(g.group_weights[0].first, "errors");
  EXPECT_EQ(g.group_weights[0].second, 3);
  ASSERT_EQ(g.indicators.size(), 4u);
  EXPECT_EQ(g.indicators[0].type, IndicatorType::kErrorRate);
  EXPECT_TRUE(g.indicators[0].critical);
  EXPECT_EQ(g.indicators[0].match_name, "GET /cart");
  ASSERT_EQ(g.indicators[0].match_labels.size(), 1u);
  EXPECT_EQ(g.indicators[0].match_labels[0].first, "http.route");
  EXPECT_EQ(*g.indicators[0].thresholds.absolute, 0.05);
  EXPECT_EQ(*g.indicators[0].thresholds.relative, 1.5);
  EXPECT_EQ(g.indicators[1].source, IndicatorSource::kLogs);
  EXPECT_EQ(g.indicators[1].weight, 2);
  EXPECT_EQ(g.indicators[2].quantile, 0.95);
  EXPECT_EQ(g.indicators[2].group, "latency");
  EXPECT_EQ(*g.indicators[2].thresholds.absolute, 250e6);
  EXPECT_EQ(g.indicators[3].metric, "process.cpu.utilization");
  EXPECT_EQ(g.indicators[3].window, absl::Minutes(2));
  EXPECT_EQ(g.indicators[3].for_duration, absl::Seconds(30));
  EXPECT_EQ(g.indicators[3].where.line, 32);
}

TEST(GateConfigTest, DefaultsGiveErrorsAndLatencyIndicators) {
  ASSERT_OK_AND_ASSIGN(GatesConfig c, Parse("gates:\n  - service: api\n"));
  ASSERT_EQ(c.gates.size(), 1u);
  EXPECT_EQ(c.gates[0].name, "api");
  EXPECT_EQ(c.gates[0].alpha, 0.01);
  EXPECT_EQ(c.gates[0].max_duration, absl::Minutes(30));
  ASSERT_EQ(c.gates[0].indicators.size(), 2u);
  EXPECT_EQ(c.gates[0].indicators[0].type, IndicatorType::kErrorRate);
  EXPECT_EQ(c.gates[0].indicators[1].type, IndicatorType::kLatency);
  EXPECT_TRUE(c.gates[0].indicators[1].critical);
}

TEST(GateConfigTest, NoGatesKeyMeansNoGates) {
  ASSERT_OK_AND_ASSIGN(GatesConfig c, Parse("receivers: []\n"));
  EXPECT_TRUE(c.gates.empty());
}

struct BadCase {
  const char* yaml;
  const char* message;
};

class GateConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(GateConfigErrorTest, PointsAtTheLine) {
  EXPECT_THAT(Parse(GetParam().yaml),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, GateConfigErrorTest,
    ::testing::Values(
        BadCase{"gates:\n  - service: a\n    colour: blue\n",
                "quell.yaml:3:5: gate: unknown key \"colour\""},
        BadCase{"gates: {service: a}\n", "quell.yaml:1:8: gates: expected a list"},
        BadCase{"gates:\n  - env: prod\n", "quell.yaml:2:5: missing required key \"service\""},
        BadCase{"gates:\n  - service: a\n    alpha: 0.9\n", "quell.yaml:3:12: alpha: must be in (0, 0.5]"},
        BadCase{"gates:\n  - service: a\n    min_duration: 1h\n", "min_duration: must not exceed max_duration"},
        BadCase{"gates:\n  - service: a\n    max_duration: soon\n", "quell.yaml:3:19: max_duration:"},
        BadCase{"gates:\n  - service: a\n  - service: a\n", "quell.yaml:3:5: name: gate \"a\" is defined twice (first at quell.yaml:2:5)"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: saturation}\n",
                "quell.yaml:4:25: type: unknown indicator type \"saturation\""},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: latency, quantile: 1.5}\n",
                "quantile: must be between 0 and 1"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: metric, metric: m}\n",
                "quell.yaml:4:9: indicator \"x\": a metric indicator needs thresholds"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: error_rate, metric: m}\n",
                "metric: only for metric indicators"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: error_rate, thresholds: {absolute: 2}}\n",
                "absolute: an error rate between 0 and 1"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: latency, thresholds: {absolute: 5}}\n",
                "quell.yaml:4:57: invalid duration \"5\""},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: latency, thresholds: {relative: 0.5}}\n",
                "relative: a tolerated ratio canary/baseline, at least 1"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: latency}\n      - {name: x, type: error_rate}\n",
                "quell.yaml:5:16: name: indicator \"x\" is defined twice"},
        BadCase{"gates:\n  - service: a\n    group_weights: {nope: 1}\n",
                "quell.yaml:3:21: group_weights: no indicator is in group \"nope\""},
        BadCase{"gates:\n  - service: a\n    score: {pass: 50, marginal: 80}\n",
                "score: need 0 <= marginal <= pass <= 100"},
        BadCase{"gates:\n  - service: a\n    indicators:\n      - {name: x, type: error_rate, match: {title: y}}\n",
                "match: unknown key \"title\""}));

// Two gates for one service and env are valid (the second is reached by name) but probably a
// mistake: the second one gets a warning that says which gate a query without gate= gets.
TEST(GateConfigTest, WarnsAboutASecondGateForTheSameServiceAndEnv) {
  ASSERT_OK_AND_ASSIGN(GatesConfig c, Parse(R"(gates:
  - {name: checkout, service: checkout, env: prod}
  - {name: checkout-staging, service: checkout, env: staging}
  - {name: checkout-strict, service: checkout, env: prod}
  - {name: checkout-any, service: checkout}
  - {name: payments, service: payments}
)"));
  std::vector<std::string> warnings = GatesConfigWarnings(c);
  ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
  EXPECT_THAT(warnings[0], HasSubstr("quell.yaml:4:5: gate \"checkout-strict\" guards service \"checkout\" in env "
                                     "\"prod\" like gate \"checkout\" (at quell.yaml:2:5): a query without gate= "
                                     "gets \"checkout\""));
  EXPECT_THAT(warnings[1],
              HasSubstr("gate \"checkout-any\" guards service \"checkout\" in env \"prod\" like gate \"checkout\""));
  ASSERT_OK_AND_ASSIGN(GatesConfig fine,
                       Parse("gates:\n  - {service: a, env: prod}\n  - {name: a2, service: a, env: dev}\n"));
  EXPECT_TRUE(GatesConfigWarnings(fine).empty());
}

}  // namespace
}  // namespace quell::gates
