// tests/scenario_test.cc
//
// Scenario tests as data: every folder under tests/scenarios/ holds quell.yaml (rules),
// input.jsonl (events and actions), expected.jsonl (notifications and decisions) and README.md.
// One test case per folder drives a single correlate::Shard (deterministic: no threads, no wall
// clock) and compares the output byte for byte. Set QUELL_UPDATE_SCENARIOS=1 to rewrite
// expected.jsonl (then review the diff: the expected file is the specification).
//
// Input lines (one JSON object each):
//   {"alert":{"labels":{..},"annotations":{..},"at":T,"state":"firing|resolved","ends":T,
//             "severity":"critical","format":"alertmanager","link":"..."}}
//   {"alerts":{"count":N,"labels":{..},"vary":"instance","at":T}}   N alerts, vary=0..N-1
//   {"deploy":{"service":"db","version":"v2","env":"prod","at":T}}
//   {"watermark":T}                 AdvanceWatermark
//   {"silence":{"matchers":["a=\"b\""],"starts":T,"ends":T,"by":"..","comment":"..","at":T}}
//   {"expire_silence":1,"at":T}     the n-th silence created (1-based)
//   {"ack":{"notification":1,"by":"..","comment":".."}}   the incident of the n-th notification
//   {"reload":"other.yaml"}         Shard::Reload with a file from the scenario folder
//   {"explain":{"labels":{..}}}     appends the alert's decisions to the output
//   {"stats":true}                  appends shard counters
// T is RFC 3339.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "core/signal_batch.h"
#include "correlate/compiled_rules.h"
#include "correlate/json_value.h"
#include "correlate/rules_config.h"
#include "correlate/shard.h"
#include "correlate/silencer.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell {
namespace {

using correlate::JsonQuote;
using correlate::JsonValue;

std::string Rfc(core::EventTime t) { return core::FormatRfc3339(t.ToAbsl()); }

core::EventTime ParseTime(const JsonValue* v) {
  if (v == nullptr || !v->is_string()) return core::EventTime();
  auto t = core::ParseRfc3339(v->AsString());
  return t.ok() ? core::EventTime::FromAbsl(*t) : core::EventTime();
}

std::string LabelsJson(const core::LabelSet& l) {
  std::string out = "{";
  bool first = true;
  for (const core::Label& x : l.view()) {
    if (!first) out += ',';
    first = false;
    out += JsonQuote(x.name) + ":" + JsonQuote(x.value);
  }
  return out + "}";
}

class Recorder : public core::NotificationSink {
 public:
  void Send(core::Notification n) override { out.push_back(std::move(n)); }
  std::vector<core::Notification> out;
};

std::string RenderNotification(const core::Notification& n) {
  std::string s = "{\"notify\":{";
  s += fmt::format("\"time\":{},\"kind\":{},\"status\":{},\"receiver\":{},\"dedup_key\":{},\"incident\":{},\"seq\":{}",
                   JsonQuote(Rfc(n.time)),
                   JsonQuote(n.kind == core::NotificationKind::kStorm ? "storm" : "incident"),
                   JsonQuote(n.status == core::NotificationStatus::kFiring ? "firing" : "resolved"),
                   JsonQuote(n.receiver), JsonQuote(n.dedup_key), JsonQuote(n.incident_id), n.sequence);
  s += fmt::format(",\"summary\":{},\"severity\":{},\"group_key\":{},\"firing\":{},\"resolved\":{}",
                   JsonQuote(n.summary), JsonQuote(core::SeverityName(n.severity)), JsonQuote(n.group_key),
                   n.firing_count, n.resolved_count);
  if (!n.root_cause_service.empty()) s += ",\"root_cause\":" + JsonQuote(n.root_cause_service);
  if (!n.impacted_services.empty()) {
    s += ",\"impacted\":[";
    for (size_t i = 0; i < n.impacted_services.size(); ++i) {
      s += (i ? "," : "");
      s += JsonQuote(n.impacted_services[i]);
    }
    s += "]";
  }
  if (n.deploy) s += fmt::format(",\"deploy\":{}", JsonQuote(n.deploy->service + "@" + n.deploy->version));
  if (!n.runbook.empty()) s += ",\"runbook\":" + JsonQuote(n.runbook);
  if (n.kind == core::NotificationKind::kIncident) {
    s += ",\"common_labels\":" + LabelsJson(n.common_labels) + ",\"alerts\":[";
    for (size_t i = 0; i < n.alerts.size(); ++i) {
      const core::NotifiedAlert& a = n.alerts[i];
      s += fmt::format("{}{{\"fingerprint\":{},\"status\":{},\"labels\":{}}}", i ? "," : "", JsonQuote(a.fingerprint),
                       JsonQuote(a.resolved ? "resolved" : "firing"), LabelsJson(a.labels));
    }
    s += "]";
    if (n.truncated_alerts) s += fmt::format(",\"truncated\":{}", n.truncated_alerts);
  }
  return s + "}}";
}

void AddAlert(core::SignalBatch* batch, const JsonValue& a, const std::vector<std::pair<std::string, std::string>>& extra) {
  core::Signal& s = batch->Add();
  s.kind = core::SignalKind::kAlert;
  s.format = core::Format::kAlertmanager;
  std::string fmt_name = a.GetString("format");
  if (!fmt_name.empty()) core::ParseFormatName(fmt_name, &s.format);
  s.state = a.GetString("state", "firing") == "resolved" ? core::SignalState::kResolved : core::SignalState::kFiring;
  s.event_time = ParseTime(a.Find("at"));
  s.end_time = ParseTime(a.Find("ends"));
  if (const JsonValue* labels = a.Find("labels")) {
    for (const auto& [k, v] : labels->members()) batch->AddLabelCopy(k, v.AsString());
  }
  for (const auto& [k, v] : extra) batch->AddLabelCopy(k, v);
  batch->FinishLabels();
  core::Signal& last = batch->last();
  std::string sev = a.GetString("severity");
  if (!sev.empty()) core::ParseSeverityName(sev, &last.severity);
  last.link = batch->Copy(a.GetString("link"));
  if (const JsonValue* ann = a.Find("annotations")) {
    for (const auto& [k, v] : ann->members()) batch->AddAnnotation(batch->Copy(k), batch->Copy(v.AsString()));
  }
}

std::string RunScenario(const std::filesystem::path& dir) {
  auto loaded = correlate::LoadRulesFile((dir / "quell.yaml").string());
  if (!loaded.ok()) return "config error: " + std::string(loaded.status().message());
  Recorder rec;
  correlate::Silencer silencer;
  correlate::Shard shard(correlate::CompiledRules::Build(std::move(*loaded)), &rec, &silencer);
  std::vector<std::string> silence_ids;
  std::ostringstream out;
  size_t flushed = 0;
  auto flush = [&] {
    for (; flushed < rec.out.size(); ++flushed) out << RenderNotification(rec.out[flushed]) << "\n";
  };
  std::ifstream in(dir / "input.jsonl");
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto doc = JsonValue::Parse(line);
    if (!doc.ok()) return fmt::format("input.jsonl:{}: {}", lineno, std::string(doc.status().message()));
    core::SignalBatch batch;
    if (const JsonValue* a = doc->Find("alert")) {
      AddAlert(&batch, *a, {});
      shard.Process(batch);
    } else if (const JsonValue* f = doc->Find("alerts")) {
      int64_t n = f->Find("count")->AsInt64();
      std::string vary = f->GetString("vary");
      for (int64_t i = 0; i < n; ++i) {
        if (vary.empty()) {
          AddAlert(&batch, *f, {});
        } else {
          AddAlert(&batch, *f, {{vary, std::to_string(i)}});
        }
      }
      shard.Process(batch);
    } else if (const JsonValue* d = doc->Find("deploy")) {
      core::Signal& s = batch.Add();
      s.kind = core::SignalKind::kDeploy;
      s.service = batch.Copy(d->GetString("service"));
      s.version = batch.Copy(d->GetString("version"));
      s.env = batch.Copy(d->GetString("env"));
      s.event_time = ParseTime(d->Find("at"));
      batch.FinishLabels();
      shard.Process(batch);
    } else if (const JsonValue* w = doc->Find("watermark")) {
      shard.AdvanceWatermark(ParseTime(w));
    } else if (const JsonValue* sil = doc->Find("silence")) {
      correlate::Silence s;
      for (const JsonValue& m : sil->Find("matchers")->items()) {
        auto ms = correlate::ParseMatcherText(m.AsString());
        if (!ms.ok()) return "bad matcher";
        for (auto& x : *ms) s.matchers.push_back(std::move(x));
      }
      s.starts_at = ParseTime(sil->Find("starts")).ToAbsl();
      s.ends_at = ParseTime(sil->Find("ends")).ToAbsl();
      s.created_by = sil->GetString("by");
      s.comment = sil->GetString("comment");
      auto id = silencer.Upsert(std::move(s), ParseTime(sil->Find("at")).ToAbsl());
      if (!id.ok()) return fmt::format("input.jsonl:{}: {}", lineno, std::string(id.status().message()));
      silence_ids.push_back(*id);
      out << "{\"silence\":" << JsonQuote(*id) << "}\n";
    } else if (const JsonValue* ex = doc->Find("expire_silence")) {
      size_t i = static_cast<size_t>(ex->AsInt64());
      absl::Status st = silencer.Expire(silence_ids.at(i - 1), ParseTime(doc->Find("at")).ToAbsl());
      if (!st.ok()) return fmt::format("input.jsonl:{}: {}", lineno, st.ToString());
    } else if (const JsonValue* ack = doc->Find("ack")) {
      flush();
      size_t i = static_cast<size_t>(ack->Find("notification")->AsInt64());
      absl::Status st = shard.Ack(rec.out.at(i - 1).incident_id, ack->GetString("by"), ack->GetString("comment"));
      out << "{\"ack\":" << JsonQuote(st.ok() ? "ok" : st.ToString()) << "}\n";
    } else if (const JsonValue* rl = doc->Find("reload")) {
      auto cfg = correlate::LoadRulesFile((dir / rl->AsString()).string());
      if (!cfg.ok()) return "reload error: " + std::string(cfg.status().message());
      shard.Reload(correlate::CompiledRules::Build(std::move(*cfg)));
      out << "{\"reload\":" << JsonQuote(rl->AsString()) << "}\n";
    } else if (const JsonValue* e = doc->Find("explain")) {
      flush();
      std::vector<std::pair<std::string, std::string>> pairs;
      for (const auto& [k, v] : e->Find("labels")->members()) pairs.emplace_back(k, v.AsString());
      core::LabelSet ls = core::LabelSet::FromPairs(pairs);
      std::string fp = core::Fingerprint::Of(ls.view()).ToString();
      out << "{\"explain\":" << LabelsJson(ls) << ",\"decisions\":[";
      auto ds = shard.Explain(fp);
      std::reverse(ds.begin(), ds.end());  // Oldest first reads better in a spec.
      for (size_t i = 0; i < ds.size(); ++i) {
        out << (i ? "," : "") << "{\"time\":" << JsonQuote(Rfc(ds[i].time)) << ",\"decision\":" << JsonQuote(ds[i].decision)
            << ",\"detail\":" << JsonQuote(ds[i].detail) << ",\"rule\":" << JsonQuote(ds[i].rule) << "}";
      }
      out << "]}\n";
    } else if (doc->Find("stats")) {
      flush();
      correlate::ShardStats st = shard.stats();
      out << fmt::format(
          "{{\"stats\":{{\"signals\":{},\"duplicates\":{},\"late\":{},\"evicted_alerts\":{},\"evicted_incidents\":{},"
          "\"incidents_opened\":{},\"pages\":{},\"storm_pages\":{},\"rolled_into_storm\":{},\"active_alerts\":{},"
          "\"open_incidents\":{}}}}}\n",
          st.signals, st.duplicates, st.late, st.evicted_alerts, st.evicted_incidents, st.incidents_opened, st.pages,
          st.storm_pages, st.rolled_into_storm, st.active_alerts, st.open_incidents);
    } else {
      return fmt::format("input.jsonl:{}: unknown action", lineno);
    }
    flush();
  }
  flush();
  return out.str();
}

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  std::filesystem::path root = std::filesystem::path(QUELL_SOURCE_DIR) / "tests" / "scenarios";
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (e.is_directory() && std::filesystem::exists(e.path() / "input.jsonl")) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, MatchesExpected) {
  std::filesystem::path dir = std::filesystem::path(QUELL_SOURCE_DIR) / "tests" / "scenarios" / GetParam();
  std::string actual = RunScenario(dir);
  std::string again = RunScenario(dir);
  EXPECT_EQ(actual, again) << "scenario output is not deterministic";
  if (std::getenv("QUELL_UPDATE_SCENARIOS") != nullptr) {
    std::ofstream(dir / "expected.jsonl") << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(dir / "expected.jsonl")) << "missing expected.jsonl";
  std::string expected = testing::ReadFileOrDie((dir / "expected.jsonl").string());
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(ScenarioNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace quell
