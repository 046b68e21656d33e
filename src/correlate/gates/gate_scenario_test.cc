// Scenario driver for deploy gates: one test case per folder in tests/scenarios/gates/.
//
// Each folder holds scenario.yaml (gates, deployments, seeded traffic phases, incidents, expected
// verdicts at event times, expected notification sequence) and a README.md. The driver advances
// event time in 10 s steps from `start`: it generates each active phase's traffic for the step,
// hands the batch to the GateEvaluator, advances its clock to the end of the step, delivers
// incidents that are due and checks every expectation that is due. No sleeps, no wall clock.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/notification_sink.h"
#include "core/status_macros.h"
#include "core/yaml_node.h"
#include "correlate/gates/gate_config.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/gates/traffic_simulator.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::gates {
namespace {

constexpr absl::Duration kStep = absl::Seconds(10);

struct Phase {
  TrafficSpec spec;
  absl::Duration from, to;
};
struct ScheduledDeployment {
  core::Deployment deployment;
  absl::Duration at;
};
struct ScheduledIncident {
  AttributedIncident incident;
  absl::Duration at;
};
struct Expectation {
  absl::Duration at;
  std::string version;
  Verdict verdict = Verdict::kPending;
  std::string reason;  // Substring of some reason; empty: any.
  core::SourceLocation where;
};
struct Scenario {
  GatesConfig gates;
  uint64_t seed = 1;
  core::EventTime start;
  std::string service = "checkout";
  std::string env = "prod";
  std::vector<ScheduledDeployment> deployments;
  std::vector<Phase> phases;
  std::vector<ScheduledIncident> incidents;
  std::vector<Expectation> expectations;
  std::vector<std::string> notifications;  // Expected verdict sequence for `notify_version`.
  std::string notify_version;
  absl::Duration end;
};

absl::StatusOr<absl::Duration> Offset(const core::YamlNode& n) {
  QUELL_ASSIGN_OR_RETURN(std::string text, n.AsString());
  const bool negative = !text.empty() && text[0] == '-';
  auto d = core::ParseDuration(negative ? std::string_view(text).substr(1) : std::string_view(text));
  if (!d.ok()) return n.Error(std::string(d.status().message()));
  return negative ? -*d : *d;
}

absl::StatusOr<core::DeployColor> Color(const core::YamlNode& n) {
  QUELL_ASSIGN_OR_RETURN(std::string text, n.AsString());
  core::DeployColor c;
  if (!core::ParseDeployColor(text, &c)) return n.Error(fmt::format("unknown color \"{}\"", text));
  return c;
}

absl::StatusOr<Verdict> ParseVerdict(const core::YamlNode& n) {
  QUELL_ASSIGN_OR_RETURN(std::string text, n.AsString());
  for (Verdict v : {Verdict::kPending, Verdict::kPass, Verdict::kFail, Verdict::kInconclusive}) {
    if (VerdictName(v) == text) return v;
  }
  return n.Error(fmt::format("unknown verdict \"{}\"", text));
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  QUELL_ASSIGN_OR_RETURN(core::YamlNode root, core::YamlNode::LoadFile(path));
  QUELL_RETURN_IF_ERROR(root.CheckKeys("scenario", {"description", "gates", "seed", "start", "service", "env",
                                                    "deployments", "traffic", "incidents", "expect",
                                                    "notifications", "end"}));
  Scenario s;
  QUELL_ASSIGN_OR_RETURN(s.gates, ParseGatesConfig(root));
  int64_t seed = 1;
  QUELL_RETURN_IF_ERROR(root.ReadInt("seed", &seed));
  s.seed = static_cast<uint64_t>(seed);
  std::string start = "2026-01-01T00:00:00Z";
  QUELL_RETURN_IF_ERROR(root.ReadString("start", &start));
  QUELL_ASSIGN_OR_RETURN(absl::Time t0, core::ParseRfc3339(start));
  s.start = core::EventTime::FromAbsl(t0);
  QUELL_RETURN_IF_ERROR(root.ReadString("service", &s.service));
  QUELL_RETURN_IF_ERROR(root.ReadString("env", &s.env));
  if (auto list = root.Child("deployments")) {
    for (const core::YamlNode& d : list->Items()) {
      QUELL_RETURN_IF_ERROR(d.CheckKeys("deployment", {"version", "color", "at", "started_at"}));
      ScheduledDeployment sd;
      sd.deployment.service = s.service;
      sd.deployment.env = s.env;
      sd.deployment.source = "api";
      QUELL_RETURN_IF_ERROR(d.RequireString("version", &sd.deployment.version));
      if (auto c = d.Child("color")) {
        QUELL_ASSIGN_OR_RETURN(sd.deployment.color, Color(*c));
      }
      if (auto a = d.Child("at")) {
        QUELL_ASSIGN_OR_RETURN(sd.at, Offset(*a));
      }
      absl::Duration started = sd.at;
      if (auto a = d.Child("started_at")) {
        QUELL_ASSIGN_OR_RETURN(started, Offset(*a));
      }
      sd.deployment.started_at = s.start + started;
      s.deployments.push_back(sd);
    }
  }
  if (auto list = root.Child("traffic")) {
    for (const core::YamlNode& p : list->Items()) {
      QUELL_RETURN_IF_ERROR(p.CheckKeys("traffic", {"version", "color", "from", "to", "rps", "error_rate",
                                                    "latency_ms", "latency_sigma", "latency_scale"}));
      Phase ph;
      ph.spec.service = s.service;
      ph.spec.env = s.env;
      QUELL_RETURN_IF_ERROR(p.RequireString("version", &ph.spec.version));
      if (auto c = p.Child("color")) {
        QUELL_ASSIGN_OR_RETURN(ph.spec.color, Color(*c));
      }
      if (auto a = p.Child("from")) {
        QUELL_ASSIGN_OR_RETURN(ph.from, Offset(*a));
      }
      if (auto a = p.Child("to")) {
        QUELL_ASSIGN_OR_RETURN(ph.to, Offset(*a));
      }
      QUELL_RETURN_IF_ERROR(p.ReadDouble("rps", &ph.spec.requests_per_second));
      QUELL_RETURN_IF_ERROR(p.ReadDouble("error_rate", &ph.spec.error_rate));
      QUELL_RETURN_IF_ERROR(p.ReadDouble("latency_ms", &ph.spec.latency_median_ms));
      QUELL_RETURN_IF_ERROR(p.ReadDouble("latency_sigma", &ph.spec.latency_sigma));
      QUELL_RETURN_IF_ERROR(p.ReadDouble("latency_scale", &ph.spec.latency_scale));
      s.phases.push_back(ph);
      s.end = std::max(s.end, ph.to);
    }
  }
  if (auto list = root.Child("incidents")) {
    for (const core::YamlNode& i : list->Items()) {
      QUELL_RETURN_IF_ERROR(i.CheckKeys("incident", {"id", "version", "at", "paging", "summary"}));
      ScheduledIncident si;
      QUELL_RETURN_IF_ERROR(i.RequireString("id", &si.incident.incident_id));
      QUELL_RETURN_IF_ERROR(i.RequireString("version", &si.incident.deploy.version));
      QUELL_RETURN_IF_ERROR(i.ReadBool("paging", &si.incident.paging));
      QUELL_RETURN_IF_ERROR(i.ReadString("summary", &si.incident.summary));
      si.incident.deploy.service = s.service;
      si.incident.deploy.env = s.env;
      si.incident.severity = core::Severity::kCritical;
      if (auto a = i.Child("at")) {
        QUELL_ASSIGN_OR_RETURN(si.at, Offset(*a));
      }
      si.incident.time = s.start + si.at;
      s.incidents.push_back(si);
    }
  }
  if (auto list = root.Child("expect")) {
    for (const core::YamlNode& e : list->Items()) {
      QUELL_RETURN_IF_ERROR(e.CheckKeys("expect", {"at", "version", "verdict", "reason"}));
      Expectation x;
      x.where = e.location();
      QUELL_RETURN_IF_ERROR(e.RequireString("version", &x.version));
      QUELL_RETURN_IF_ERROR(e.ReadString("reason", &x.reason));
      if (auto a = e.Child("at")) {
        QUELL_ASSIGN_OR_RETURN(x.at, Offset(*a));
      }
      if (auto v = e.Child("verdict")) {
        QUELL_ASSIGN_OR_RETURN(x.verdict, ParseVerdict(*v));
      } else {
        return e.Error("expect: missing verdict");
      }
      s.expectations.push_back(x);
      s.end = std::max(s.end, x.at);
    }
  }
  if (auto n = root.Child("notifications")) {
    QUELL_RETURN_IF_ERROR(n->CheckKeys("notifications", {"version", "verdicts"}));
    QUELL_RETURN_IF_ERROR(n->RequireString("version", &s.notify_version));
    QUELL_RETURN_IF_ERROR(n->ReadStringList("verdicts", &s.notifications));
  }
  if (auto e = root.Child("end")) {
        QUELL_ASSIGN_OR_RETURN(s.end, Offset(*e));
      }
  return s;
}

class RecordingSink : public core::NotificationSink {
 public:
  void Send(core::Notification n) override { sent.push_back(std::move(n)); }
  std::vector<core::Notification> sent;
};

std::vector<std::string> ScenarioDirs() {
  std::vector<std::string> dirs;
  const std::string root = ::quell::testing::SourcePath("tests/scenarios/gates");
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "scenario.yaml")) {
      dirs.push_back(entry.path().filename().string());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

class GateScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GateScenarioTest, Run) {
  const std::string dir = ::quell::testing::SourcePath("tests/scenarios/gates/" + GetParam());
  ASSERT_OK_AND_ASSIGN(Scenario s, LoadScenario(dir + "/scenario.yaml"));
  ASSERT_TRUE(std::filesystem::exists(dir + "/README.md")) << "every scenario explains itself";
  RecordingSink sink;
  GateEvaluator gates(s.gates, GateEvaluatorOptions{}, &sink);
  TrafficSimulator sim(s.seed);
  std::vector<bool> deployed(s.deployments.size()), incident_sent(s.incidents.size());
  std::vector<bool> checked(s.expectations.size());
  core::SignalBatch batch;
  for (absl::Duration t = absl::ZeroDuration(); t < s.end + kStep; t += kStep) {
    // Deployments and incidents due at or before the start of this step.
    for (size_t i = 0; i < s.deployments.size(); ++i) {
      if (!deployed[i] && s.deployments[i].at <= t) {
        gates.AddDeployment(s.deployments[i].deployment);
        deployed[i] = true;
      }
    }
    for (size_t i = 0; i < s.incidents.size(); ++i) {
      if (!incident_sent[i] && s.incidents[i].at <= t) {
        gates.OnIncident(s.incidents[i].incident);
        incident_sent[i] = true;
      }
    }
    // Expectations at exactly `t` are checked against everything before it.
    for (size_t i = 0; i < s.expectations.size(); ++i) {
      const Expectation& x = s.expectations[i];
      if (checked[i] || x.at > t) continue;
      checked[i] = true;
      auto v = gates.Evaluate(GateQuery{s.service, s.env, x.version, ""});
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      EXPECT_EQ(VerdictName(v->verdict), VerdictName(x.verdict))
          << x.where.ToString() << ": at +" << core::DurationToString(x.at) << "\n" << v->ToJson();
      if (!x.reason.empty()) {
        EXPECT_THAT(v->reasons, ::testing::Contains(::testing::HasSubstr(x.reason)))
            << x.where.ToString() << "\n" << v->ToJson();
      }
    }
    batch.Clear();
    for (const Phase& p : s.phases) {
      const absl::Duration from = std::max(t, p.from), to = std::min(t + kStep, p.to);
      if (from < to) sim.Generate(p.spec, s.start + from, s.start + to, &batch);
    }
    gates.Observe(batch);
    gates.AdvanceTo(s.start + t + kStep);
  }
  for (size_t i = 0; i < checked.size(); ++i) EXPECT_TRUE(checked[i]) << s.expectations[i].where.ToString();
  if (!s.notify_version.empty()) {
    std::vector<std::string> got;
    for (const core::Notification& n : sink.sent) {
      EXPECT_EQ(n.kind, core::NotificationKind::kGateVerdict);
      EXPECT_FALSE(n.gate_verdict_json.empty());
      if (n.deploy && n.deploy->version == s.notify_version) {
        got.push_back(std::string(n.group_labels.Get("verdict")));
      }
    }
    EXPECT_EQ(got, s.notifications);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GateScenarioTest, ::testing::ValuesIn(ScenarioDirs()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace quell::gates
