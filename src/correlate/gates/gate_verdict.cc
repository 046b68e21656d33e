#include "correlate/gates/gate_verdict.h"

#include "core/json_writer.h"

namespace quell::gates {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPending: return "pending";
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kInconclusive: return "inconclusive";
  }
  return "pending";
}

namespace {

void Time(core::JsonWriter& w, std::string_view key, core::EventTime t) {
  w.Key(key);
  if (t.is_zero()) {
    w.Null();
  } else {
    w.String(core::FormatRfc3339(t.ToAbsl()));
  }
}

void Color(core::JsonWriter& w, std::string_view key, const ColorEvidence& c) {
  w.Key(key);
  w.BeginObject();
  w.Field("version", c.version);
  w.Field("samples", c.samples);
  w.Field("bad", c.bad);
  w.Field("value", c.value);
  w.Field("lower", c.lower);
  w.Field("upper", c.upper);
  w.EndObject();
}

void Test(core::JsonWriter& w, std::string_view key, const std::optional<TestEvidence>& t) {
  w.Key(key);
  if (!t) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Field("test", t->test);
  w.Field("e_value", t->e_value);
  w.Field("max_e_value", t->max_e_value);
  w.Field("p_value", t->p_value);
  w.Field("alpha", t->alpha);
  w.Field("threshold", 1 / t->alpha);
  w.Field("null", t->null_ratio);
  w.Field("rejected", t->rejected);
  w.EndObject();
}

// `key`: {"verdict","reason","by","at"}.
void Override(core::JsonWriter& w, std::string_view key, const GateOverride& o) {
  w.Key(key);
  w.BeginObject();
  w.Field("verdict", VerdictName(o.verdict));
  w.Field("reason", o.reason);
  w.Field("by", o.by);
  Time(w, "at", o.at);
  w.EndObject();
}

}  // namespace

std::string GateVerdict::ToJson() const {
  std::string out;
  out.reserve(2048);
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("verdict", VerdictName(verdict));
  w.Field("score", score);
  w.Key("reasons");
  w.BeginArray();
  for (const std::string& r : reasons) w.String(r);
  w.EndArray();
  if (manual_override) {
    w.Field("computed_verdict", VerdictName(computed_verdict));
    Override(w, "override", *manual_override);
  }
  if (cleared_override) Override(w, "cleared_override", *cleared_override);
  w.Field("gate", gate);
  w.Field("service", service);
  w.Field("env", env);
  w.Field("version", version);
  w.Field("baseline_version", baseline_version);
  Time(w, "started_at", started_at);
  Time(w, "evaluated_at", evaluated_at);
  w.Key("window");
  w.BeginObject();
  Time(w, "start", window_start);
  Time(w, "end", window_end);
  w.Field("seconds", absl::ToDoubleSeconds(window_end - window_start));
  w.EndObject();
  w.Key("samples");
  w.BeginObject();
  w.Field("canary", canary_samples);
  w.Field("baseline", baseline_samples);
  w.Field("min", min_samples);
  w.Field("canary_late", canary_late);
  w.Field("baseline_late", baseline_late);
  Time(w, "canary_last_seen", canary_last_seen);
  Time(w, "baseline_last_seen", baseline_last_seen);
  w.EndObject();
  w.Field("alpha", alpha);
  w.Key("score_thresholds");
  w.BeginObject();
  w.Field("pass", score_thresholds.pass);
  w.Field("marginal", score_thresholds.marginal);
  w.EndObject();
  w.Key("indicators");
  w.BeginArray();
  for (const IndicatorVerdict& i : indicators) {
    w.BeginObject();
    w.Field("name", i.name);
    w.Field("type", IndicatorTypeName(i.type));
    w.Field("group", i.group);
    w.Field("critical", i.critical);
    w.Field("weight", i.weight);
    w.Field("verdict", VerdictName(i.verdict));
    w.Field("reason", i.reason);
    if (i.type == IndicatorType::kLatency) w.Field("quantile", i.quantile);
    Color(w, "baseline", i.baseline);
    Color(w, "canary", i.canary);
    w.Field("effect", i.effect);
    Test(w, "statistic", i.comparison);
    Test(w, "absolute_statistic", i.absolute);
    w.Key("thresholds");
    w.BeginObject();
    w.Field("absolute", i.threshold_absolute);
    w.Field("relative", i.threshold_relative);
    w.EndObject();
    Time(w, "failed_at", i.failed_at);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

std::string VerdictErrorJson(Verdict verdict, std::string_view reason) {
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("verdict", VerdictName(verdict));
  w.Key("score");
  w.Null();
  w.Key("reasons");
  w.BeginArray();
  w.String(reason);
  w.EndArray();
  w.Field("error", reason);
  w.EndObject();
  return out;
}

}  // namespace quell::gates
