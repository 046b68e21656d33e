#include "correlate/rules_config.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<RulesConfig> Load(std::string_view text) { return LoadRulesString(text, "rules.yaml"); }

TEST(RulesConfigTest, ParsesRouteTreeWithInheritanceAndDefaults) {
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg, Load(R"(
route:
  receiver: default
  group_by: [service, alertname]
  runbook: generic.md
  routes:
    - matchers: ['severity="critical"', 'service=~"api|web"']
      receiver: pager
      group_wait: 10s
      continue: true
    - match: {team: db}
      match_re: {env: "prod|staging"}
      class: investigate
      low_urgency_receiver: slack
)"));
  EXPECT_EQ(cfg.route.receiver, "default");
  EXPECT_EQ(cfg.route.group_wait, absl::Seconds(30));
  EXPECT_EQ(cfg.route.group_interval, absl::Minutes(5));
  EXPECT_EQ(cfg.route.repeat_interval, absl::Hours(4));
  EXPECT_EQ(cfg.route.group_by, (std::vector<std::string>{"alertname", "service"}));
  ASSERT_EQ(cfg.route.routes.size(), 2u);
  const RouteConfig& c0 = cfg.route.routes[0];
  EXPECT_EQ(c0.receiver, "pager");
  EXPECT_EQ(c0.group_wait, absl::Seconds(10));
  EXPECT_TRUE(c0.continue_matching);
  EXPECT_EQ(c0.group_by, cfg.route.group_by);  // Inherited.
  EXPECT_EQ(c0.runbook, "generic.md");
  EXPECT_EQ(MatchersToString(c0.matchers), R"({service=~"api|web",severity="critical"})");
  const RouteConfig& c1 = cfg.route.routes[1];
  EXPECT_EQ(c1.receiver, "default");
  EXPECT_EQ(c1.route_class, RouteClass::kInvestigate);
  EXPECT_EQ(c1.matchers.size(), 2u);
}

TEST(RulesConfigTest, ErrorsNameFileLineColumn) {
  EXPECT_THAT(Load("route:\n  receiver: a\n  bogus: 1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:3:3")));
  EXPECT_THAT(Load("route:\n  receiver: a\n  routes:\n    - matchers: ['a=~\"(\"']\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:4:18")));
  EXPECT_THAT(Load("route:\n  receiver: a\n  group_by: [x, x]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listed twice")));
  EXPECT_THAT(Load("inhibit_rules: []\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("route")));
  EXPECT_THAT(Load("route:\n  routes: []\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a receiver")));
  // The event-time safeguards (ADR 0042) and silence retention.
  const std::string route = "route: {receiver: a, runbook: r.md}\n";
  EXPECT_THAT(Load(route + "correlate:\n  catch_up_horizon: 0s\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:3:21: catch_up_horizon: must be > 0")));
  EXPECT_THAT(Load(route + "correlate:\n  max_future_skew: -1m\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:3:20: max_future_skew: invalid duration \"-1m\"")));
  EXPECT_THAT(Load(route + "correlate:\n  silence_retention: -1h\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:3:22: silence_retention: invalid duration \"-1h\"")));
  ASSERT_OK_AND_ASSIGN(RulesConfig ok, Load(route + "correlate: {max_future_skew: 0s, catch_up_horizon: 2h}\n"));
  EXPECT_EQ(ok.settings.max_future_skew, absl::ZeroDuration());
  EXPECT_EQ(ok.settings.catch_up_horizon, absl::Hours(2));
  EXPECT_EQ(ok.settings.silence_retention, absl::Hours(120));
  EXPECT_EQ(ok.settings.state_file, "");
  EXPECT_EQ(ok.settings.state_checkpoint_interval, absl::Seconds(10));
  EXPECT_THAT(Load(route + "correlate:\n  state_checkpoint_interval: 500ms\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules.yaml:3:30: state_checkpoint_interval: must be >= 1s")));
  ASSERT_OK_AND_ASSIGN(RulesConfig with_state,
                       Load(route + "correlate: {state_file: s/c.json, state_checkpoint_interval: 1m}\n"));
  EXPECT_EQ(with_state.settings.state_file, "s/c.json");
  EXPECT_EQ(with_state.settings.state_checkpoint_interval, absl::Minutes(1));
}

TEST(RulesConfigTest, IgnoresOtherSectionsButStrictRejectsUnknown) {
  EXPECT_OK(Load("route: {receiver: a}\nreceivers: [{name: a}]\nserver: {}\n"));
  ASSERT_OK_AND_ASSIGN(core::YamlNode root, core::YamlNode::LoadString("route: {receiver: a}\nrouting: {}\n", "r.yaml"));
  EXPECT_OK(ParseRulesConfig(root));
  EXPECT_THAT(ParseRulesConfig(root, /*strict=*/true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("r.yaml:2:1: config: unknown key \"routing\"")));
}

TEST(RulesConfigTest, TopologyCycleIsAnError) {
  EXPECT_THAT(Load(R"(
route: {receiver: a}
topology:
  services:
    - {name: a, depends_on: [b]}
    - {name: b, depends_on: [c]}
    - {name: c, depends_on: [a]}
)"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dependency cycle: a -> b -> c -> a")));
  EXPECT_THAT(Load("route: {receiver: a}\ntopology:\n  services:\n    - {name: a, depends_on: [zz]}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("undefined service \"zz\"")));
}

TEST(RulesConfigTest, AllSections) {
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg, Load(R"(
route: {receiver: a, runbook: x.md, mute_time_intervals: [nights]}
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: '00:00', end_time: '06:00'}]
        weekdays: ['monday:friday']
        location: Europe/Berlin
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
    source_started_before_target: true
maintenance_windows:
  - {name: mig, matchers: ['service="db"'], start: 2026-01-01T00:00:00Z, end: 2026-01-01T02:00:00Z}
  - {name: weekly, time_interval: nights}
dedup:
  - {format: datadog_webhook, labels: [service, alertname]}
flapping: {changes: 5, window: 20m, stable: 30m}
transient: {grace: 90s}
deploys: {window: 1h}
rate_limits:
  - {receiver: a, pages: 5, window: 10m}
correlate: {shards: 4, max_fingerprints_per_shard: 1000, allowed_lateness: 2m}
)"));
  EXPECT_EQ(cfg.inhibit_rules.size(), 1u);
  EXPECT_TRUE(cfg.inhibit_rules[0].source_started_before_target);
  EXPECT_EQ(cfg.maintenance_windows.size(), 2u);
  EXPECT_EQ(cfg.flapping.changes, 5);
  EXPECT_TRUE(cfg.flapping.enabled);
  EXPECT_EQ(cfg.transient.grace, absl::Seconds(90));
  EXPECT_EQ(cfg.deploys.window, absl::Hours(1));
  EXPECT_EQ(cfg.rate_limits[0].storm_receiver, "a");
  EXPECT_EQ(cfg.settings.shards, 4);
  EXPECT_EQ(cfg.settings.allowed_lateness, absl::Minutes(2));
  ASSERT_NE(cfg.dedup.Find(core::Format::kDatadogWebhook), nullptr);
  EXPECT_OK(Validate(cfg, {"a"}, ""));
}

TEST(RulesConfigTest, ValidateUndefinedReceiverAndMissingRunbook) {
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg, Load("route:\n  receiver: a\n  runbook: x.md\n  routes:\n    - receiver: nope\n"));
  EXPECT_THAT(Validate(cfg, {"a"}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:5:17: route: undefined receiver \"nope\"")));
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg2, Load("route:\n  receiver: a\n  runbook: missing.md\n"));
  EXPECT_THAT(Validate(cfg2, {"a"}, std::string(QUELL_SOURCE_DIR) + "/runbooks"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules.yaml:3:12: route: runbook \"missing.md\" does not exist")));
  // A relative runbooks dir is resolved against the working directory: the error says which one.
  EXPECT_THAT(Validate(cfg2, {"a"}, "runbooks"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not exist in runbooks (relative to the working directory " +
                                 std::filesystem::current_path().string() + ")")));
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg3, Load("route:\n  receiver: a\n"));
  EXPECT_THAT(Validate(cfg3, {"a"}, ""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no runbook")));
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg4, Load("route:\n  receiver: a\n  class: noise\n"));
  EXPECT_OK(Validate(cfg4, {"a"}, ""));
}

TEST(RulesConfigTest, EveryExampleFileParsesAndValidates) {
  std::filesystem::path dir = std::filesystem::path(QUELL_SOURCE_DIR) / "config" / "examples";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    auto cfg = LoadRulesFile(e.path().string());
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    std::set<std::string> receivers;
    auto root = core::YamlNode::LoadFile(e.path().string());
    ASSERT_TRUE(root.ok());
    if (auto list = root->Child("receivers")) {
      for (const core::YamlNode& r : list->Items()) receivers.insert(r.Child("name")->raw().as<std::string>());
    }
    EXPECT_OK(Validate(*cfg, receivers, std::string(QUELL_SOURCE_DIR) + "/runbooks")) << e.path();
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace quell::correlate
