// `quell test rules FILE...`: rule unit tests in YAML, run against a config in event time, in the
// manner of `promtool test rules`. A test file:
//
//   config: ../quell.yaml              # relative to the test file
//   tests:
//     - name: a critical alert pages once
//       input:                         # alerts (Alertmanager v2 shape) at times relative to t0
//         - at: 0s
//           labels: {alertname: HighErrorRate, service: checkout, severity: critical}
//           annotations: {summary: errors up}
//         - at: 10m
//           labels: {alertname: HighErrorRate, service: checkout, severity: critical}
//           resolved: true             # the alert ends at `at`
//       advance: 1h                    # how far past t0 time runs (default 1h)
//       expect:                        # every notification, in order, per receiver
//         - {receiver: pages, status: firing, group_labels: {alertname: HighErrorRate, service: checkout}}
//         - {receiver: pages, status: resolved}
//       expect_decisions:              # optional: a decision the engine recorded for an alert
//         - {labels: {alertname: Warn, service: checkout, severity: warning}, decision: inhibited}
//
// `expect` must match the notifications exactly (count, order, receiver, status, and the
// group_labels given as a subset); on a mismatch the test prints a diff of expected and actual.
// Exit status 0 when every test passes, 1 otherwise.
#include <algorithm>
#include <filesystem>

#include "app/commands.h"
#include "app/quell_config.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/json_writer.h"
#include "core/label_set.h"
#include "core/notification_sink.h"
#include "core/status_macros.h"
#include "core/yaml_node.h"
#include "correlate/compiled_rules.h"
#include "correlate/sharded_engine.h"
#include "correlate/silencer.h"
#include "fmt/format.h"
#include "ingest/parser.h"
#include "sinks/notification_json.h"

namespace quell::app {
namespace {

// t0 of every test: a fixed instant, so output is the same on every run.
const core::EventTime kT0 = core::EventTime::FromUnixNanos(1767225600LL * 1000000000LL);  // 2026-01-01

struct InputAlert {
  absl::Duration at;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  bool resolved = false;
};

struct Expected {
  std::string receiver;
  std::string status;  // Empty = any.
  std::vector<std::pair<std::string, std::string>> group_labels;
  core::SourceLocation where;
};

struct ExpectedDecision {
  std::vector<std::pair<std::string, std::string>> labels;
  std::string decision;
  core::SourceLocation where;
};

struct RuleTest {
  std::string name;
  std::vector<InputAlert> input;
  absl::Duration advance = absl::Hours(1);
  std::vector<Expected> expect;
  std::vector<ExpectedDecision> decisions;
};

absl::StatusOr<RuleTest> ParseTest(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("test", {"name", "input", "advance", "expect", "expect_decisions"}));
  RuleTest t;
  QUELL_RETURN_IF_ERROR(node.RequireString("name", &t.name));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("advance", &t.advance));
  if (auto in = node.Child("input")) {
    QUELL_RETURN_IF_ERROR(in->ExpectSequence("input"));
    for (const core::YamlNode& item : in->Items()) {
      QUELL_RETURN_IF_ERROR(item.CheckKeys("input", {"at", "labels", "annotations", "resolved"}));
      InputAlert a;
      a.at = absl::ZeroDuration();
      QUELL_RETURN_IF_ERROR(item.ReadDuration("at", &a.at));
      QUELL_RETURN_IF_ERROR(item.ReadBool("resolved", &a.resolved));
      auto labels = item.Child("labels");
      if (!labels) return item.Error("input: labels are required");
      QUELL_ASSIGN_OR_RETURN(a.labels, labels->AsStringMap());
      if (auto ann = item.Child("annotations")) {
        QUELL_ASSIGN_OR_RETURN(a.annotations, ann->AsStringMap());
      }
      t.input.push_back(std::move(a));
    }
  }
  if (auto ex = node.Child("expect")) {
    QUELL_RETURN_IF_ERROR(ex->ExpectSequence("expect"));
    for (const core::YamlNode& item : ex->Items()) {
      QUELL_RETURN_IF_ERROR(item.CheckKeys("expect", {"receiver", "status", "group_labels"}));
      Expected e;
      e.where = item.location();
      QUELL_RETURN_IF_ERROR(item.RequireString("receiver", &e.receiver));
      QUELL_RETURN_IF_ERROR(item.ReadString("status", &e.status));
      if (!e.status.empty() && e.status != "firing" && e.status != "resolved") {
        return item.Child("status")->Error("status: want firing or resolved");
      }
      if (auto gl = item.Child("group_labels")) {
        QUELL_ASSIGN_OR_RETURN(e.group_labels, gl->AsStringMap());
      }
      t.expect.push_back(std::move(e));
    }
  }
  if (auto ds = node.Child("expect_decisions")) {
    QUELL_RETURN_IF_ERROR(ds->ExpectSequence("expect_decisions"));
    for (const core::YamlNode& item : ds->Items()) {
      QUELL_RETURN_IF_ERROR(item.CheckKeys("expect_decisions", {"labels", "decision"}));
      ExpectedDecision d;
      d.where = item.location();
      QUELL_RETURN_IF_ERROR(item.RequireString("decision", &d.decision));
      auto labels = item.Child("labels");
      if (!labels) return item.Error("expect_decisions: labels are required");
      QUELL_ASSIGN_OR_RETURN(d.labels, labels->AsStringMap());
      t.decisions.push_back(std::move(d));
    }
  }
  return t;
}

std::string AlertBody(const InputAlert& a) {
  std::string body;
  core::JsonWriter w(&body);
  w.BeginArray();
  w.BeginObject();
  w.Key("labels");
  w.BeginObject();
  for (const auto& [k, v] : a.labels) w.Field(k, v);
  w.EndObject();
  w.Key("annotations");
  w.BeginObject();
  for (const auto& [k, v] : a.annotations) w.Field(k, v);
  w.EndObject();
  if (a.resolved) {
    w.Field("endsAt", core::FormatRfc3339((kT0 + a.at).ToAbsl()));
  }
  w.EndObject();
  w.EndArray();
  return body;
}

std::string Describe(const core::Notification& n) {
  return fmt::format("{{receiver: {}, status: {}, group_labels: {}}}", n.receiver,
                     n.status == core::NotificationStatus::kFiring ? "firing" : "resolved", n.group_labels.ToString());
}

bool Matches(const Expected& e, const core::Notification& n) {
  if (e.receiver != n.receiver) return false;
  std::string_view status = n.status == core::NotificationStatus::kFiring ? "firing" : "resolved";
  if (!e.status.empty() && e.status != status) return false;
  for (const auto& [k, v] : e.group_labels) {
    if (n.group_labels.Get(k) != v) return false;
  }
  return true;
}

// Runs one test; returns the failure text, or empty on success.
std::string RunOne(const QuellConfig& cfg, const RuleTest& t) {
  core::ManualClock clock(core::WallTime::FromUnixNanos(0));  // Frozen: event time only.
  core::CollectingNotificationSink recorder;
  correlate::Silencer silencer;
  correlate::ShardedEngine engine(correlate::CompiledRules::Build(cfg.rules), &recorder, &silencer, &clock, 1);
  std::unique_ptr<ingest::Parser> parser = ingest::MakeParser(core::Format::kAlertmanager);
  std::vector<InputAlert> input = t.input;
  std::stable_sort(input.begin(), input.end(), [](const InputAlert& a, const InputAlert& b) { return a.at < b.at; });
  core::SignalBatch batch;
  for (const InputAlert& a : input) {
    std::string body = AlertBody(a);
    batch.Clear();
    ingest::ParseResult r = parser->Parse(body, body.size(), core::SourceKind::kFile, kT0 + a.at, &batch);
    if (r.accepted != 1) return fmt::format("input at {}: the alert did not parse", core::DurationToString(a.at));
    engine.AdvanceWatermark(kT0 + a.at);
    absl::Status s = engine.Submit(&batch, [] {});
    if (!s.ok()) return fmt::format("engine refused input: {}", std::string(s.message()));
    engine.Drain();
  }
  engine.AdvanceWatermark(kT0 + t.advance);
  engine.Drain();
  std::vector<core::Notification> got = recorder.Take();

  std::string failure;
  bool ok = got.size() == t.expect.size();
  for (size_t i = 0; ok && i < got.size(); ++i) ok = Matches(t.expect[i], got[i]);
  if (!ok) {
    failure += fmt::format("  notifications differ ({} expected, {} got):\n", t.expect.size(), got.size());
    for (size_t i = 0; i < std::max(got.size(), t.expect.size()); ++i) {
      bool same = i < got.size() && i < t.expect.size() && Matches(t.expect[i], got[i]);
      if (i < t.expect.size() && !same) {
        std::string gl;
        for (const auto& [k, v] : t.expect[i].group_labels) gl += fmt::format("{}={} ", k, v);
        failure += fmt::format("  - expected [{}]: receiver {} status {} group_labels {{{}}}\n", t.expect[i].where.ToString(),
                               t.expect[i].receiver, t.expect[i].status.empty() ? "any" : t.expect[i].status, gl);
      }
      if (i < got.size() && !same) failure += fmt::format("  + got:      {}\n", Describe(got[i]));
      if (same) failure += fmt::format("    ok:       {}\n", Describe(got[i]));
    }
  }
  for (const ExpectedDecision& d : t.decisions) {
    core::LabelSet ls = core::LabelSet::FromPairs(d.labels);
    std::vector<correlate::DecisionRecord> recs = engine.Explain(core::Fingerprint::Of(ls.view()).ToString());
    bool found = std::any_of(recs.begin(), recs.end(), [&](const auto& r) { return r.decision == d.decision; });
    if (!found) {
      std::string seen;
      for (const auto& r : recs) seen += (seen.empty() ? "" : ", ") + r.decision;
      failure += fmt::format("  - expected decision {} for {} [{}]; recorded: [{}]\n", d.decision, ls.ToString(),
                             d.where.ToString(), seen);
    }
  }
  return failure;
}

}  // namespace

int RunTestRules(const std::vector<std::string>& files, std::FILE* out, std::FILE* err) {
  int failed = 0, passed = 0;
  for (const std::string& file : files) {
    absl::StatusOr<core::YamlNode> root = core::YamlNode::LoadFile(file);
    if (!root.ok()) {
      std::fprintf(err, "%s\n", std::string(root.status().message()).c_str());
      return 1;
    }
    absl::Status keys = root->CheckKeys("rule tests", {"config", "tests"});
    std::string config_rel;
    if (keys.ok()) keys = root->RequireString("config", &config_rel);
    if (!keys.ok()) {
      std::fprintf(err, "%s\n", std::string(keys.message()).c_str());
      return 1;
    }
    std::filesystem::path config_path = std::filesystem::path(file).parent_path() / config_rel;
    absl::StatusOr<QuellConfig> cfg = LoadConfig(config_path.string());
    if (!cfg.ok()) {
      std::fprintf(err, "%s\n", std::string(cfg.status().message()).c_str());
      return 1;
    }
    auto tests = root->Child("tests");
    if (!tests || !tests->IsSequence()) {
      std::fprintf(err, "%s: tests: expected a list of tests\n", file.c_str());
      return 1;
    }
    for (const core::YamlNode& node : tests->Items()) {
      absl::StatusOr<RuleTest> t = ParseTest(node);
      if (!t.ok()) {
        std::fprintf(err, "%s\n", std::string(t.status().message()).c_str());
        return 1;
      }
      std::string failure = RunOne(*cfg, *t);
      if (failure.empty()) {
        ++passed;
        std::fprintf(out, "PASS %s: %s\n", file.c_str(), t->name.c_str());
      } else {
        ++failed;
        std::fprintf(out, "FAIL %s: %s [%s]\n%s", file.c_str(), t->name.c_str(), node.location().ToString().c_str(),
                     failure.c_str());
      }
    }
  }
  std::fprintf(out, "%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace quell::app
