#include "correlate/gates/gate_evaluator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "core/duration.h"
#include "core/json_writer.h"
#include "core/status_macros.h"
#include "core/label.h"
#include "core/label_set.h"
#include "correlate/gates/bernoulli_msprt.h"
#include "correlate/gates/ddsketch.h"
#include "correlate/gates/odds_ratio_msprt.h"
#include "correlate/json_value.h"
#include "fmt/format.h"

namespace quell::gates {
namespace {

constexpr double kLatencyAccuracy = 0.01;
// Evidence is kept this long past a gate's max_duration.
constexpr absl::Duration kExtraRetention = absl::Minutes(5);
// An interval index further than this past the clock is ignored (bad timestamps).
constexpr int64_t kMaxFutureIntervals = 10000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// ---- Evidence ---------------------------------------------------------------------------------

struct IndicatorBucket {
  uint64_t trials = 0;
  uint64_t bad = 0;
  DDSketch sketch{kLatencyAccuracy};
  double sum = 0;
  uint64_t points = 0;
  void Clear() {
    trials = bad = points = 0;
    sum = 0;
    sketch.Clear();
  }
};

struct Bucket {
  int64_t index = 0;
  uint64_t samples = 0;
  std::vector<IndicatorBucket> ind;
  // A closed bucket never changes (a signal for it is late, not counted): its snapshot JSON is
  // formatted once and reused by every later checkpoint (GateEvaluator::Serialize).
  mutable std::string saved;
};

// One (service, env, version) inside one gate.
struct Series {
  core::DeployColor color = core::DeployColor::kNone;
  core::EventTime first_seen;
  core::EventTime last_seen;
  uint64_t late = 0;
  std::deque<Bucket> buckets;  // Contiguous ascending indices.
  std::vector<Bucket> spare;

  Bucket NewBucket(int64_t index, size_t indicators) {
    Bucket b;
    if (!spare.empty()) {
      b = std::move(spare.back());
      spare.pop_back();
      for (IndicatorBucket& ib : b.ind) ib.Clear();
    }
    b.ind.resize(indicators);
    b.index = index;
    b.samples = 0;
    b.saved.clear();
    return b;
  }

  // The bucket for `index`, created as needed; nullptr when it is older than the oldest kept.
  Bucket* Get(int64_t index, size_t indicators) {
    if (buckets.empty()) {
      buckets.push_back(NewBucket(index, indicators));
      return &buckets.back();
    }
    if (index < buckets.front().index) return nullptr;
    if (index - buckets.back().index > kMaxFutureIntervals) {
      while (!buckets.empty()) DropFront();
      buckets.push_back(NewBucket(index, indicators));
      return &buckets.back();
    }
    while (buckets.back().index < index) buckets.push_back(NewBucket(buckets.back().index + 1, indicators));
    return &buckets[static_cast<size_t>(index - buckets.front().index)];
  }

  const Bucket* Find(int64_t index) const {
    if (buckets.empty() || index < buckets.front().index || index > buckets.back().index) return nullptr;
    return &buckets[static_cast<size_t>(index - buckets.front().index)];
  }

  void DropFront() {
    if (spare.size() < 8) spare.push_back(std::move(buckets.front()));
    buckets.pop_front();
  }
  void DropBefore(int64_t index) {
    while (!buckets.empty() && buckets.front().index < index) DropFront();
  }
};

using SeriesMap = absl::flat_hash_map<VersionKey, Series, VersionKeyHash, VersionKeyEq>;

// ---- Per-canary test state --------------------------------------------------------------------

struct IndicatorState {
  std::optional<OddsRatioMsprt> compare;
  std::optional<BernoulliMsprt> absolute;
  DDSketch canary_sketch{kLatencyAccuracy};
  DDSketch baseline_sketch{kLatencyAccuracy};
  uint64_t canary_trials = 0, canary_bad = 0;
  uint64_t baseline_trials = 0, baseline_bad = 0;
  // Metric: means over the trailing window at the last closed interval.
  std::optional<double> canary_mean, baseline_mean;
  uint64_t canary_points = 0, baseline_points = 0;
  bool breaching = false;
  core::EventTime breach_since;
  bool failed = false;
  core::EventTime failed_at;
  std::string fail_reason;
};

struct GateRuntime {
  GateConfig config;
  int64_t interval_ns = 0;
  int tests = 0;           // Sequential tests in the gate (alpha is split over them).
  double test_alpha = 0;   // alpha / tests.
  std::string signature;   // What evidence means: interval + indicator selections.
  std::string definition;  // Definition(config): what its verdicts mean.
  int64_t last_closed = std::numeric_limits<int64_t>::min();
  SeriesMap series;
};

struct Tracked {
  GateRuntime* gate = nullptr;
  VersionKey key;            // The canary.
  std::string baseline;      // Baseline version; empty until known.
  core::EventTime started_at;
  int64_t start_index = 0;
  int64_t next_index = 0;    // Next interval to consume.
  std::vector<IndicatorState> ind;
  bool has_verdict = false;
  Verdict last = Verdict::kPending;
  bool final = false;        // fail and inconclusive are final.
  Verdict final_verdict = Verdict::kPending;  // The computed verdict that became final.
  std::vector<std::string> final_reasons;
  std::optional<GateOverride> manual;  // A person's verdict; replaces the computed one.
  uint64_t sequence = 0;
};

std::string Signature(const GateConfig& g) {
  std::string s = fmt::format("{}|", absl::ToInt64Nanoseconds(g.interval));
  for (const IndicatorConfig& i : g.indicators) {
    s += fmt::format("{}:{}:{}:{}:{}:", i.name, IndicatorTypeName(i.type), IndicatorSourceName(i.source),
                     i.match_name, i.metric);
    for (const auto& [k, v] : i.match_labels) s += fmt::format("{}={},", k, v);
    s += "|";
  }
  return s;
}

// Everything of a gate's definition that its verdicts depend on (Signature plus thresholds,
// durations, alpha and score): a restored canary continues its saved tests only under the same.
std::string Definition(const GateConfig& g) {
  auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string("-"); };
  std::string s = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|", Signature(g), g.service, g.env, g.min_samples,
                              absl::ToInt64Nanoseconds(g.min_duration), absl::ToInt64Nanoseconds(g.max_duration),
                              absl::ToInt64Nanoseconds(g.lateness), absl::ToInt64Nanoseconds(g.staleness), g.alpha,
                              g.score.pass, g.score.marginal, g.group_weights.size(), g.indicators.size());
  for (const auto& [name, w] : g.group_weights) s += fmt::format("{}={},", name, w);
  for (const IndicatorConfig& i : g.indicators) {
    s += fmt::format("{}:{}:{}:{}:{}:{}:{}:{}:{}:{}|", i.critical, i.weight, i.group, i.quantile,
                     static_cast<int>(i.direction), absl::ToInt64Nanoseconds(i.window),
                     absl::ToInt64Nanoseconds(i.for_duration), opt(i.thresholds.absolute), opt(i.thresholds.relative),
                     i.name);
  }
  return s;
}

std::unique_ptr<GateRuntime> MakeRuntime(GateConfig config) {
  auto g = std::make_unique<GateRuntime>();
  g->interval_ns = absl::ToInt64Nanoseconds(config.interval);
  for (const IndicatorConfig& i : config.indicators) {
    if (i.type == IndicatorType::kMetric) continue;
    g->tests += 1 + (i.thresholds.absolute ? 1 : 0);
  }
  g->test_alpha = g->tests > 0 ? config.alpha / g->tests : config.alpha;
  g->signature = Signature(config);
  g->definition = Definition(config);
  g->config = std::move(config);
  return g;
}

bool LabelsMatch(const std::vector<std::pair<std::string, std::string>>& want, core::LabelView labels) {
  for (const auto& [k, v] : want) {
    if (core::FindLabel(labels, k) != v) return false;
  }
  return true;
}

bool IndicatorMatches(const IndicatorConfig& c, const core::Signal& s, core::LabelView labels) {
  switch (c.type) {
    case IndicatorType::kErrorRate:
    case IndicatorType::kLatency: {
      const core::SignalKind want =
          c.source == IndicatorSource::kLogs ? core::SignalKind::kLog : core::SignalKind::kSpan;
      if (s.kind != want) return false;
      if (!c.match_name.empty() && s.title != c.match_name) return false;
      return LabelsMatch(c.match_labels, labels);
    }
    case IndicatorType::kMetric:
      return s.kind == core::SignalKind::kMetric && s.title == c.metric && LabelsMatch(c.match_labels, labels);
  }
  return false;
}

bool IsError(const IndicatorConfig& c, const core::Signal& s) {
  if (c.source == IndicatorSource::kLogs) return s.severity >= core::Severity::kError;
  return s.span_status == 2 || s.http_status >= 500;
}

// What a gate's indicators count, for "has sent no ...": "spans", "logs", "spans or metric points".
std::string NeededSignals(const GateConfig& g) {
  bool spans = false, logs = false, metrics = false;
  for (const IndicatorConfig& c : g.indicators) {
    if (c.type == IndicatorType::kMetric) {
      metrics = true;
    } else if (c.source == IndicatorSource::kLogs) {
      logs = true;
    } else {
      spans = true;
    }
  }
  std::string out;
  for (auto [wanted, name] :
       {std::pair{spans, "spans"}, std::pair{logs, "logs"}, std::pair{metrics, "metric points"}}) {
    if (!wanted) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out.empty() ? std::string("signals") : out;
}

std::string FormatRate(double r) { return fmt::format("{:.3g}%", r * 100); }
std::string FormatNanos(double ns) {
  if (ns >= 1e9) return fmt::format("{:.3g}s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:.3g}ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.3g}us", ns / 1e3);
  return fmt::format("{:.3g}ns", ns);
}
std::string FormatSeconds(absl::Duration d) {
  return core::DurationToString(absl::Trunc(d, absl::Seconds(1)));
}

}  // namespace

// ---- State ------------------------------------------------------------------------------------

struct GateEvaluator::State {
  GateEvaluatorOptions options;
  std::vector<std::unique_ptr<GateRuntime>> gates;
  DeploymentRegistry registry;
  std::vector<AttributedIncident> incidents;  // Paging incidents, by first open event.
  std::vector<std::unique_ptr<Tracked>> tracked;
  core::EventTime now;
  std::vector<core::Notification> outbox;
  GateEvaluatorStats stats;

  int64_t ClosedIndex(const GateRuntime& g) const {
    const int64_t t = (now - g.config.lateness).unix_nanos();
    return FloorDiv(t, g.interval_ns);
  }

  // ---- Gate lookup ----
  GateRuntime* GateFor(std::string_view service, std::string_view env, std::string_view name) {
    if (!name.empty()) {
      for (auto& g : gates) {
        if (g->config.name == name) return g.get();
      }
      return nullptr;
    }
    GateRuntime* wildcard = nullptr;
    for (auto& g : gates) {
      if (!env.empty() && !g->config.env.empty() && g->config.env != env) continue;
      if (g->config.service == service) return g.get();
      if (g->config.service == "*" && wildcard == nullptr) wildcard = g.get();
    }
    return wildcard;
  }

  static bool Covers(const GateRuntime& g, std::string_view service, std::string_view env) {
    return (g.config.service == "*" || g.config.service == service) &&
           (g.config.env.empty() || g.config.env == env);
  }

  Tracked* FindTracked(const GateRuntime* g, VersionKeyView key) {
    for (auto& t : tracked) {
      if (t->gate == g && VersionKeyEq::Eq(t->key.view(), key)) return t.get();
    }
    return nullptr;
  }

  // ---- Deployments ----
  void Learn(const core::Deployment& d) {
    registry.Upsert(d);
    const core::Deployment* cur = registry.Find({d.service, d.env, d.version});
    if (cur == nullptr || !IsCanaryColor(cur->color)) return;
    for (auto& g : gates) {
      if (Covers(*g, cur->service, cur->env)) Track(g.get(), {cur->service, cur->env, cur->version});
    }
  }

  // Starts tracking a canary; nullptr when its start is unknown (no deployment, no data).
  Tracked* Track(GateRuntime* g, VersionKeyView key) {
    if (Tracked* t = FindTracked(g, key)) return t;
    core::EventTime start;
    if (const core::Deployment* d = registry.Find(key); d != nullptr && !d->started_at.is_zero()) {
      start = d->started_at;
    } else if (auto it = g->series.find(key); it != g->series.end() && !it->second.first_seen.is_zero()) {
      start = it->second.first_seen;
    } else {
      return nullptr;
    }
    auto t = std::make_unique<Tracked>();
    t->gate = g;
    t->key = VersionKey::Of(key);
    t->started_at = start;
    t->start_index = FloorDiv(start.unix_nanos(), g->interval_ns);
    t->next_index = t->start_index;
    ResetTests(*t);
    tracked.push_back(std::move(t));
    TrimTracked();
    return tracked.back().get();
  }

  void ResetTests(Tracked& t) {
    t.ind.clear();
    t.ind.resize(t.gate->config.indicators.size());
    for (size_t i = 0; i < t.ind.size(); ++i) {
      const IndicatorConfig& c = t.gate->config.indicators[i];
      IndicatorState& st = t.ind[i];
      if (c.type == IndicatorType::kErrorRate) {
        st.compare.emplace(c.thresholds.relative.value_or(1.0));
        if (c.thresholds.absolute) st.absolute.emplace(*c.thresholds.absolute);
      } else if (c.type == IndicatorType::kLatency) {
        st.compare.emplace(1.0);  // The relative tolerance shifts the canary's threshold instead.
        if (c.thresholds.absolute) st.absolute.emplace(1 - c.quantile);
      }
    }
    t.next_index = t.start_index;
  }

  void TrimTracked() {
    while (tracked.size() > options.max_tracked) {
      auto victim = std::find_if(tracked.begin(), tracked.end(), [](const auto& t) { return t->final; });
      if (victim == tracked.end()) victim = tracked.begin();
      tracked.erase(victim);
    }
  }

  // The baseline next to a canary: a registered blue/baseline deployment, else a version whose
  // signals carry a baseline color, else the other version with the most recent signals.
  std::string ResolveBaseline(const Tracked& t) {
    const VersionKey& k = t.key;
    if (const core::Deployment* d = registry.Latest(k.service, k.env, /*canary=*/false, k.version)) {
      return d->version;
    }
    const VersionKey* best = nullptr;
    const Series* best_series = nullptr;
    int best_rank = -1;
    for (const auto& [key, s] : t.gate->series) {
      if (key.service != k.service || key.env != k.env || key.version == k.version) continue;
      if (const core::Deployment* d = registry.Find(key.view()); d != nullptr && IsCanaryColor(d->color)) {
        continue;
      }
      if (IsCanaryColor(s.color)) continue;
      const int rank = IsBaselineColor(s.color) ? 1 : 0;
      if (rank > best_rank || (rank == best_rank && s.last_seen > best_series->last_seen)) {
        best = &key;
        best_series = &s;
        best_rank = rank;
      }
    }
    return best != nullptr ? best->version : std::string();
  }

  // ---- Evidence in ----
  // The time a signal is taken at: its event time, or its observed time when the event time is
  // more than max_future_skew past it (counted).
  core::EventTime SignalTime(const core::Signal& s) {
    const absl::Duration skew = options.max_future_skew;
    if (skew > absl::ZeroDuration() && !s.observed_time.is_zero() && s.event_time - s.observed_time > skew) {
      ++stats.future_clamped;
      return s.observed_time;
    }
    return s.event_time;
  }

  // Counts `s`, taken at time `t` (SignalTime), into the evidence of every gate covering it.
  void ObserveSignal(const core::SignalBatch& batch, const core::Signal& s, core::EventTime t) {
    if (s.service.empty()) return;
    const core::LabelView labels = batch.labels(s);
    core::DeployColor color = s.color;
    if (color == core::DeployColor::kNone && !options.color_attribute.empty()) {
      core::ParseDeployColor(core::FindLabel(labels, options.color_attribute), &color);
    }
    if (options.learn_deployments && !s.version.empty()) LearnFromSignal(s, color, t);
    if (s.kind == core::SignalKind::kDeploy || s.version.empty()) return;
    for (auto& gp : gates) {
      GateRuntime& g = *gp;
      if (!Covers(g, s.service, s.env)) continue;
      const VersionKeyView key{s.service, s.env, s.version};
      auto it = g.series.find(key);
      if (it == g.series.end()) {
        bool any = false;
        for (const IndicatorConfig& c : g.config.indicators) any = any || IndicatorMatches(c, s, labels);
        if (!any) continue;
        it = g.series.try_emplace(VersionKey::Of(key)).first;
      }
      Series& series = it->second;
      if (color != core::DeployColor::kNone) series.color = color;
      const int64_t index = FloorDiv(t.unix_nanos(), g.interval_ns);
      const bool late = index < ClosedIndex(g);
      Bucket* bucket = late ? nullptr : series.Get(index, g.config.indicators.size());
      bool counted = false;
      for (size_t i = 0; i < g.config.indicators.size(); ++i) {
        const IndicatorConfig& c = g.config.indicators[i];
        if (!IndicatorMatches(c, s, labels)) continue;
        counted = true;
        if (bucket == nullptr) continue;
        IndicatorBucket& ib = bucket->ind[i];
        switch (c.type) {
          case IndicatorType::kErrorRate:
            ++ib.trials;
            if (IsError(c, s)) ++ib.bad;
            break;
          case IndicatorType::kLatency:
            ++ib.trials;
            ib.sketch.Add(static_cast<double>(s.duration_ns));
            break;
          case IndicatorType::kMetric:
            ib.sum += s.value;
            ++ib.points;
            break;
        }
      }
      if (!counted) continue;
      if (bucket == nullptr) {
        ++series.late;
        continue;
      }
      ++bucket->samples;
      if (series.first_seen.is_zero() || t < series.first_seen) series.first_seen = t;
      // Freshness is when Quell last heard from the color: a signal stamped ahead of its receipt
      // (within max_future_skew) must not keep a silent canary "fresh" until its stamp passes,
      // or staleness would let it pass on old evidence.
      const core::EventTime heard = !s.observed_time.is_zero() && s.observed_time < t ? s.observed_time : t;
      if (heard > series.last_seen) series.last_seen = heard;
    }
  }

  void LearnFromSignal(const core::Signal& s, core::DeployColor color, core::EventTime t) {
    const core::Deployment* known = registry.Find({s.service, s.env, s.version});
    const bool is_deploy = s.kind == core::SignalKind::kDeploy;
    if (known != nullptr && !is_deploy && (color == core::DeployColor::kNone || known->color != core::DeployColor::kNone)) {
      return;  // The common case: nothing new (no allocation).
    }
    core::Deployment d;
    d.service = std::string(s.service);
    d.env = std::string(s.env);
    d.version = std::string(s.version);
    d.color = color;
    d.started_at = t;
    d.link = std::string(s.link);
    if (is_deploy) {
      d.source = s.format == core::Format::kDatadogEvent ? "datadog_event" : "deploy_signal";
    } else {
      d.source = "otlp_resource";
    }
    if (known != nullptr && !is_deploy) d.started_at = core::EventTime();  // Only fill the color.
    Learn(d);
  }

  // ---- Tests ----
  void ConsumeInterval(Tracked& t, int64_t k) {
    GateRuntime& g = *t.gate;
    auto cs = g.series.find(t.key.view());
    auto bs = g.series.find(VersionKeyView{t.key.service, t.key.env, t.baseline});
    const Bucket* cb = cs == g.series.end() ? nullptr : cs->second.Find(k);
    const Bucket* bb = bs == g.series.end() ? nullptr : bs->second.Find(k);
    const core::EventTime end = core::EventTime::FromUnixNanos((k + 1) * g.interval_ns);
    for (size_t i = 0; i < t.ind.size(); ++i) {
      const IndicatorConfig& c = g.config.indicators[i];
      IndicatorState& st = t.ind[i];
      const IndicatorBucket* ci = cb != nullptr ? &cb->ind[i] : nullptr;
      const IndicatorBucket* bi = bb != nullptr ? &bb->ind[i] : nullptr;
      switch (c.type) {
        case IndicatorType::kErrorRate: {
          const uint64_t ca = ci ? ci->trials : 0, cx = ci ? ci->bad : 0;
          const uint64_t ba = bi ? bi->trials : 0, bx = bi ? bi->bad : 0;
          st.compare->Update(ca, cx, ba, bx);
          if (st.absolute) st.absolute->Update(ca, cx);
          st.canary_trials += ca;
          st.canary_bad += cx;
          st.baseline_trials += ba;
          st.baseline_bad += bx;
          break;
        }
        case IndicatorType::kLatency: {
          const DDSketch* csk = ci != nullptr && !ci->sketch.empty() ? &ci->sketch : nullptr;
          const DDSketch* bsk = bi != nullptr && !bi->sketch.empty() ? &bi->sketch : nullptr;
          if (csk != nullptr && bsk != nullptr && !st.baseline_sketch.empty()) {
            // Threshold from the baseline's earlier intervals only: predictable, bucket-aligned.
            const int kb = st.baseline_sketch.QuantileIndex(c.quantile);
            if (kb != DDSketch::kZeroIndex) {
              const double rel = c.thresholds.relative.value_or(1.0);
              const int shift = static_cast<int>(std::lround(std::log(rel) / std::log(st.baseline_sketch.gamma())));
              st.compare->Update(csk->count(), csk->CountAbove(kb + shift), bsk->count(), bsk->CountAbove(kb));
            }
          }
          if (st.absolute && csk != nullptr) {
            st.absolute->Update(csk->count(), csk->CountAbove(csk->IndexOf(*c.thresholds.absolute)));
          }
          if (csk != nullptr) st.canary_sketch.Merge(*csk);
          if (bsk != nullptr) st.baseline_sketch.Merge(*bsk);
          st.canary_trials += ci ? ci->trials : 0;
          st.baseline_trials += bi ? bi->trials : 0;
          break;
        }
        case IndicatorType::kMetric: {
          st.canary_points += ci ? ci->points : 0;
          st.baseline_points += bi ? bi->points : 0;
          const int64_t w = std::max<int64_t>(1, absl::ToInt64Nanoseconds(c.window) / g.interval_ns);
          auto window_mean = [&](SeriesMap::iterator it) -> std::optional<double> {
            if (it == g.series.end()) return std::nullopt;
            double sum = 0;
            uint64_t n = 0;
            for (int64_t j = k - w + 1; j <= k; ++j) {
              if (const Bucket* b = it->second.Find(j)) {
                sum += b->ind[i].sum;
                n += b->ind[i].points;
              }
            }
            if (n == 0) return std::nullopt;
            return sum / static_cast<double>(n);
          };
          st.canary_mean = window_mean(cs);
          st.baseline_mean = window_mean(bs);
          EvaluateMetric(c, st, end);
          break;
        }
      }
      if (!st.failed) CheckTests(g, c, st, end);
    }
  }

  void EvaluateMetric(const IndicatorConfig& c, IndicatorState& st, core::EventTime end) {
    if (!st.canary_mean) {
      st.breaching = false;
      return;
    }
    const double cm = *st.canary_mean;
    const bool up = c.direction == Direction::kIncrease;
    std::string why;
    if (c.thresholds.absolute && (up ? cm > *c.thresholds.absolute : cm < *c.thresholds.absolute)) {
      why = fmt::format("canary mean {:.4g} {} absolute threshold {:.4g}", cm, up ? "above" : "below",
                        *c.thresholds.absolute);
    } else if (c.thresholds.relative && st.baseline_mean) {
      const double limit = *c.thresholds.relative * *st.baseline_mean;
      if (up ? cm > limit : cm < limit) {
        why = fmt::format("canary mean {:.4g} {} {:.4g} x baseline mean {:.4g}", cm, up ? "above" : "below",
                          *c.thresholds.relative, *st.baseline_mean);
      }
    }
    if (why.empty()) {
      st.breaching = false;
      return;
    }
    if (!st.breaching) {
      st.breaching = true;
      st.breach_since = end;
    }
    if (end - st.breach_since >= c.for_duration) {
      st.failed = true;
      st.failed_at = end;
      st.fail_reason = fmt::format("{} for {}", why, FormatSeconds(end - st.breach_since));
    }
  }

  void CheckTests(const GateRuntime& g, const IndicatorConfig& c, IndicatorState& st, core::EventTime end) {
    if (c.type == IndicatorType::kMetric) return;
    const double a = g.test_alpha;
    if (st.compare && st.compare->Rejects(a)) {
      st.failed = true;
      st.failed_at = end;
      if (c.type == IndicatorType::kErrorRate) {
        st.fail_reason = fmt::format(
            "canary error rate {} ({}/{}) above baseline {} ({}/{}): sequential test p={:.3g} < {:.3g}",
            FormatRate(Rate(st.canary_bad, st.canary_trials)), st.canary_bad, st.canary_trials,
            FormatRate(Rate(st.baseline_bad, st.baseline_trials)), st.baseline_bad, st.baseline_trials,
            st.compare->p_value(), a);
      } else {
        st.fail_reason = fmt::format(
            "canary p{:g} latency {} above baseline {}: sequential test p={:.3g} < {:.3g}", c.quantile * 100,
            FormatNanos(st.canary_sketch.Quantile(c.quantile)), FormatNanos(st.baseline_sketch.Quantile(c.quantile)),
            st.compare->p_value(), a);
      }
      return;
    }
    if (st.absolute && st.absolute->Rejects(a)) {
      st.failed = true;
      st.failed_at = end;
      if (c.type == IndicatorType::kErrorRate) {
        st.fail_reason = fmt::format("canary error rate {} above absolute threshold {}: sequential test p={:.3g} < {:.3g}",
                                     FormatRate(Rate(st.canary_bad, st.canary_trials)),
                                     FormatRate(*c.thresholds.absolute), st.absolute->p_value(), a);
      } else {
        st.fail_reason = fmt::format("canary p{:g} latency {} above absolute threshold {}: sequential test p={:.3g} < {:.3g}",
                                     c.quantile * 100, FormatNanos(st.canary_sketch.Quantile(c.quantile)),
                                     FormatNanos(*c.thresholds.absolute), st.absolute->p_value(), a);
      }
    }
  }

  static double Rate(uint64_t bad, uint64_t trials) {
    return trials == 0 ? 0 : static_cast<double>(bad) / static_cast<double>(trials);
  }

  void Consume(Tracked& t) {
    if (t.baseline.empty()) t.baseline = ResolveBaseline(t);
    if (t.baseline.empty()) return;
    const int64_t closed = ClosedIndex(*t.gate);
    while (t.next_index < closed) ConsumeInterval(t, t.next_index++);
  }

  // ---- Verdicts ----
  const AttributedIncident* IncidentFor(const VersionKey& k) const {
    for (const AttributedIncident& i : incidents) {
      if (i.deploy.service == k.service && i.deploy.version == k.version &&
          (i.deploy.env.empty() || i.deploy.env == k.env)) {
        return &i;
      }
    }
    return nullptr;
  }

  GateVerdict Compute(Tracked& t) {
    const GateRuntime& g = *t.gate;
    const GateConfig& cfg = g.config;
    GateVerdict v;
    v.gate = cfg.name;
    v.service = t.key.service;
    v.env = t.key.env;
    v.version = t.key.version;
    v.baseline_version = t.baseline;
    v.started_at = t.started_at;
    v.evaluated_at = now;
    v.window_start = core::EventTime::FromUnixNanos(std::max(t.start_index * g.interval_ns, t.started_at.unix_nanos()));
    v.window_end = core::EventTime::FromUnixNanos(std::max(t.next_index * g.interval_ns, v.window_start.unix_nanos()));
    v.min_samples = cfg.min_samples;
    v.alpha = cfg.alpha;
    v.score_thresholds = cfg.score;
    auto cs = g.series.find(t.key.view());
    auto bs = t.baseline.empty() ? g.series.end() : g.series.find(VersionKeyView{t.key.service, t.key.env, t.baseline});
    if (cs != g.series.end()) {
      v.canary_late = cs->second.late;
      v.canary_last_seen = cs->second.last_seen;
    }
    if (bs != g.series.end()) {
      v.baseline_late = bs->second.late;
      v.baseline_last_seen = bs->second.last_seen;
    }

    // Indicators and score.
    struct GroupAcc {
      std::string name;
      double weight_sum = 0;   // All indicators of the group.
      double data_weight = 0;  // Indicators with data.
      double pass_weight = 0;
    };
    std::vector<GroupAcc> groups;
    std::vector<std::string> fail_reasons, pending_reasons;
    bool critical_failed = false;
    for (size_t i = 0; i < t.ind.size(); ++i) {
      const IndicatorConfig& c = cfg.indicators[i];
      const IndicatorState& st = t.ind[i];
      IndicatorVerdict iv;
      iv.name = c.name;
      iv.type = c.type;
      iv.group = c.group;
      iv.critical = c.critical;
      iv.weight = c.weight;
      iv.threshold_absolute = c.thresholds.absolute;
      iv.threshold_relative = c.thresholds.relative;
      iv.canary.version = t.key.version;
      iv.baseline.version = t.baseline;
      bool has_data = false;
      bool enough = true;
      switch (c.type) {
        case IndicatorType::kErrorRate:
          iv.canary.samples = st.canary_trials;
          iv.canary.bad = st.canary_bad;
          iv.baseline.samples = st.baseline_trials;
          iv.baseline.bad = st.baseline_bad;
          if (st.canary_trials > 0) iv.canary.value = Rate(st.canary_bad, st.canary_trials);
          if (st.baseline_trials > 0) iv.baseline.value = Rate(st.baseline_bad, st.baseline_trials);
          if (iv.canary.value && iv.baseline.value && *iv.baseline.value > 0) {
            iv.effect = *iv.canary.value / *iv.baseline.value;
          }
          has_data = st.canary_trials > 0 && st.baseline_trials > 0;
          enough = st.canary_trials >= static_cast<uint64_t>(cfg.min_samples) &&
                   st.baseline_trials >= static_cast<uint64_t>(cfg.min_samples);
          v.canary_samples = std::max(v.canary_samples, st.canary_trials);
          v.baseline_samples = std::max(v.baseline_samples, st.baseline_trials);
          break;
        case IndicatorType::kLatency: {
          iv.quantile = c.quantile;
          iv.canary.samples = st.canary_sketch.count();
          iv.baseline.samples = st.baseline_sketch.count();
          auto fill = [&](const DDSketch& sk, ColorEvidence* e) {
            if (sk.empty()) return;
            const int idx = sk.QuantileIndex(c.quantile);
            e->value = sk.Quantile(c.quantile);
            e->lower = std::max(sk.min(), std::min(sk.LowerBound(idx), *e->value));
            e->upper = std::min(sk.max(), std::max(sk.UpperBound(idx), *e->value));
          };
          fill(st.canary_sketch, &iv.canary);
          fill(st.baseline_sketch, &iv.baseline);
          if (iv.canary.value && iv.baseline.value && *iv.baseline.value > 0) {
            iv.effect = *iv.canary.value / *iv.baseline.value;
          }
          has_data = iv.canary.samples > 0 && iv.baseline.samples > 0;
          enough = iv.canary.samples >= static_cast<uint64_t>(cfg.min_samples) &&
                   iv.baseline.samples >= static_cast<uint64_t>(cfg.min_samples);
          v.canary_samples = std::max(v.canary_samples, st.canary_trials);
          v.baseline_samples = std::max(v.baseline_samples, st.baseline_trials);
          break;
        }
        case IndicatorType::kMetric:
          iv.canary.samples = st.canary_points;
          iv.baseline.samples = st.baseline_points;
          iv.canary.value = st.canary_mean;
          iv.baseline.value = st.baseline_mean;
          if (st.canary_mean && st.baseline_mean && *st.baseline_mean != 0) {
            iv.effect = *st.canary_mean / *st.baseline_mean;
          }
          has_data = st.canary_mean.has_value() && (st.baseline_mean.has_value() || !c.thresholds.relative);
          break;
      }
      auto test_evidence = [&](std::string_view name, double null_ratio, double e, double max_e, double p,
                               bool rejected) {
        TestEvidence te;
        te.test = std::string(name);
        te.e_value = e;
        te.max_e_value = max_e;
        te.p_value = p;
        te.alpha = g.test_alpha;
        te.null_ratio = null_ratio;
        te.rejected = rejected;
        return te;
      };
      if (st.compare) {
        iv.comparison = test_evidence("odds_ratio_msprt", c.thresholds.relative.value_or(1.0), st.compare->e_value(),
                                      st.compare->max_e_value(), st.compare->p_value(), st.compare->Rejects(g.test_alpha));
      }
      if (st.absolute) {
        iv.absolute = test_evidence("bernoulli_msprt", st.absolute->p0(), st.absolute->e_value(),
                                    st.absolute->max_e_value(), st.absolute->p_value(), st.absolute->Rejects(g.test_alpha));
      }
      if (st.failed) {
        iv.verdict = Verdict::kFail;
        iv.reason = st.fail_reason;
        iv.failed_at = st.failed_at;
        if (c.critical) {
          critical_failed = true;
          fail_reasons.push_back(fmt::format("{}: {}", c.name, st.fail_reason));
        }
      } else if (!has_data) {
        iv.verdict = Verdict::kPending;
        iv.reason = "no data";
        if (c.critical) pending_reasons.push_back(fmt::format("no data: critical indicator {}", c.name));
      } else if (!enough) {
        iv.verdict = Verdict::kPending;
        iv.reason = fmt::format("too few samples (min {})", cfg.min_samples);
      } else {
        iv.verdict = Verdict::kPass;
      }
      auto git = std::find_if(groups.begin(), groups.end(), [&](const GroupAcc& a) { return a.name == c.group; });
      if (git == groups.end()) {
        groups.push_back({c.group});
        git = groups.end() - 1;
      }
      git->weight_sum += c.weight;
      if (has_data || st.failed) {
        git->data_weight += c.weight;
        if (!st.failed) git->pass_weight += c.weight;
      }
      v.indicators.push_back(std::move(iv));
    }
    double total_w = 0, score = 0;
    for (const GroupAcc& ga : groups) {
      if (ga.data_weight <= 0) continue;
      double gw = ga.weight_sum;
      for (const auto& [name, w] : cfg.group_weights) {
        if (name == ga.name) gw = w;
      }
      total_w += gw;
      score += gw * ga.pass_weight / ga.data_weight;
    }
    if (total_w > 0) v.score = 100 * score / total_w;

    // Decision.
    if (const AttributedIncident* inc = IncidentFor(t.key)) {
      fail_reasons.insert(fail_reasons.begin(),
                          fmt::format("incident {} attributed to {} {}: {}", inc->incident_id, t.key.service,
                                      t.key.version, inc->summary));
    }
    if (!critical_failed && v.score && *v.score < cfg.score.marginal) {
      fail_reasons.push_back(fmt::format("score {:.0f} below marginal {:.0f}", *v.score, cfg.score.marginal));
      for (const IndicatorVerdict& iv : v.indicators) {
        if (iv.verdict == Verdict::kFail) fail_reasons.push_back(fmt::format("{}: {}", iv.name, iv.reason));
      }
    }
    if (t.final) {
      v.verdict = t.final_verdict;
      v.reasons = t.final_reasons;
      return v;
    }
    if (!fail_reasons.empty()) {
      v.verdict = Verdict::kFail;
      v.reasons = std::move(fail_reasons);
      return v;
    }
    // Telemetry quality first: never pass on missing evidence.
    std::vector<std::string> quality;
    if (t.baseline.empty()) {
      quality.push_back(fmt::format("no data: no baseline version of {} in env \"{}\"", t.key.service, t.key.env));
    }
    auto check_color = [&](std::string_view role, const std::string& version, SeriesMap::const_iterator it) {
      if (version.empty()) return;
      if (it == g.series.end() || it->second.last_seen.is_zero() || it->second.last_seen < t.started_at - cfg.staleness) {
        quality.push_back(fmt::format("no data: {} {} has sent no {}", role, version, NeededSignals(cfg)));
      } else if (now - it->second.last_seen > cfg.staleness) {
        quality.push_back(fmt::format("stale data: {} {} last seen {} ago (limit {})", role, version,
                                      FormatSeconds(now - it->second.last_seen), core::DurationToString(cfg.staleness)));
      }
    };
    check_color("canary", t.key.version, cs);
    check_color("baseline", t.baseline, bs);
    pending_reasons.insert(pending_reasons.begin(), quality.begin(), quality.end());
    if (quality.empty()) {
      if (v.canary_samples < static_cast<uint64_t>(cfg.min_samples) ||
          v.baseline_samples < static_cast<uint64_t>(cfg.min_samples)) {
        pending_reasons.push_back(fmt::format("too few samples: canary {}/{}, baseline {}/{}", v.canary_samples,
                                              cfg.min_samples, v.baseline_samples, cfg.min_samples));
      }
      if (now - t.started_at < cfg.min_duration) {
        pending_reasons.push_back(fmt::format("min duration: {} of {}", FormatSeconds(now - t.started_at),
                                              core::DurationToString(cfg.min_duration)));
      }
      if (v.score && *v.score < cfg.score.pass) {
        pending_reasons.push_back(fmt::format("marginal score {:.0f} (pass {:.0f})", *v.score, cfg.score.pass));
      }
      if (!v.score) pending_reasons.push_back("no data: no indicator has data for both colors");
    }
    if (pending_reasons.empty()) {
      v.verdict = Verdict::kPass;
      v.reasons.push_back(fmt::format("canary {} no worse than baseline {} on {} indicators over {}", t.key.version,
                                      t.baseline, v.indicators.size(), FormatSeconds(v.window_end - v.window_start)));
      return v;
    }
    if (now - t.started_at >= cfg.max_duration) {
      v.verdict = Verdict::kInconclusive;
      pending_reasons.insert(pending_reasons.begin(),
                             fmt::format("max duration {} reached undecided", core::DurationToString(cfg.max_duration)));
    } else {
      v.verdict = Verdict::kPending;
    }
    v.reasons = std::move(pending_reasons);
    return v;
  }

  // Resolves `query` to its gate and canary as Evaluate documents, tracking the canary if needed.
  // Fills `pending`'s identity fields; returns null (with pending's reason) when no canary version
  // or no evidence of it is known.
  absl::StatusOr<Tracked*> Resolve(const GateQuery& query, GateVerdict* pending);

  // Recomputes `t`'s verdict; queues a notification when it changed. Returns it.
  GateVerdict Refresh(Tracked& t) {
    Consume(t);
    GateVerdict v = Compute(t);
    if (!t.final && (v.verdict == Verdict::kFail || v.verdict == Verdict::kInconclusive)) {
      t.final = true;
      t.final_verdict = v.verdict;
      t.final_reasons = v.reasons;
    }
    v.computed_verdict = v.verdict;
    if (t.manual) {
      v.manual_override = t.manual;
      v.verdict = t.manual->verdict;
      v.reasons.insert(v.reasons.begin(), fmt::format("overridden to {} by {}: {} (computed: {})",
                                                      VerdictName(t.manual->verdict), t.manual->by,
                                                      t.manual->reason, VerdictName(v.computed_verdict)));
    }
    if (!t.has_verdict || v.verdict != t.last) {
      t.has_verdict = true;
      t.last = v.verdict;
      Notify(t, v);
    }
    return v;
  }

  void Notify(Tracked& t, const GateVerdict& v) {
    core::Notification n;
    n.kind = core::NotificationKind::kGateVerdict;
    n.status = v.verdict == Verdict::kFail ? core::NotificationStatus::kFiring : core::NotificationStatus::kResolved;
    n.receiver = options.receiver;
    n.dedup_key = fmt::format("gate/{}/{}/{}/{}", v.gate, v.service, v.env, v.version);
    n.sequence = ++t.sequence;
    n.time = now;
    n.summary = fmt::format("gate {}: {} {} ({}) is {}{}{}", v.gate, v.service, v.version, v.env.empty() ? "-" : v.env,
                            VerdictName(v.verdict), v.reasons.empty() ? "" : ": ",
                            v.reasons.empty() ? "" : v.reasons.front());
    n.severity = v.verdict == Verdict::kFail ? core::Severity::kError
                 : v.verdict == Verdict::kInconclusive ? core::Severity::kWarning
                                                        : core::Severity::kInfo;
    n.group_key = fmt::format("gate:{{gate=\"{}\", service=\"{}\", env=\"{}\", version=\"{}\"}}", v.gate, v.service,
                              v.env, v.version);
    n.group_labels = core::LabelSet{{"gate", v.gate}, {"service", v.service}, {"env", v.env}, {"version", v.version},
                                    {"verdict", VerdictName(v.verdict)}};
    core::AttributedDeploy d;
    d.service = v.service;
    d.version = v.version;
    d.env = v.env;
    d.time = v.started_at;
    if (const core::Deployment* dep = registry.Find(t.key.view())) d.link = dep->link;
    n.deploy = std::move(d);
    n.gate_verdict_json = v.ToJson();
    outbox.push_back(std::move(n));
  }

  // Sets the clock back to `to` (a restored clock from the future, ADR 0061): intervals the bad
  // clock had closed are open again, so the canaries' progress goes back to the new clock and the
  // evidence stored in those intervals (only future-stamped signals could land there) is dropped,
  // so that no interval is consumed twice with data in it.
  void SetClockBack(core::EventTime to) {
    now = to;
    for (auto& gp : gates) {
      GateRuntime& g = *gp;
      const int64_t closed = ClosedIndex(g);
      g.last_closed = std::numeric_limits<int64_t>::min();
      for (auto& [key, series] : g.series) {
        while (!series.buckets.empty() && series.buckets.back().index >= closed) series.buckets.pop_back();
        if (series.first_seen > now) series.first_seen = now;
        if (series.last_seen > now) series.last_seen = now;
      }
    }
    for (auto& t : tracked) {
      t->next_index = std::max(t->start_index, std::min(t->next_index, ClosedIndex(*t->gate)));
    }
  }

  void Tick() {
    for (auto& gp : gates) {
      GateRuntime& g = *gp;
      const int64_t closed = ClosedIndex(g);
      if (closed == g.last_closed) continue;
      g.last_closed = closed;
      for (auto& t : tracked) {
        if (t->gate == &g) Refresh(*t);
      }
      // Retention: evidence older than max_duration (+ margin) is no longer needed.
      const int64_t keep_from =
          FloorDiv((now - g.config.max_duration - kExtraRetention).unix_nanos(), g.interval_ns);
      // Not by the tracked canaries' progress: a canary tracked later (a query for a version that
      // started minutes ago) still finds its evidence.
      const int64_t drop_before = keep_from;
      for (auto it = g.series.begin(); it != g.series.end();) {
        it->second.DropBefore(drop_before);
        const bool tracked_canary = FindTracked(&g, it->first.view()) != nullptr;
        if (it->second.buckets.empty() && !tracked_canary &&
            now - it->second.last_seen > g.config.max_duration + kExtraRetention) {
          g.series.erase(it++);
        } else {
          ++it;
        }
      }
    }
  }
};

// ---- Public API -------------------------------------------------------------------------------

GateEvaluator::GateEvaluator(GatesConfig config, GateEvaluatorOptions options, core::NotificationSink* sink)
    : state_(std::make_unique<State>()), sink_(sink) {
  state_->options = std::move(options);
  for (GateConfig& g : config.gates) state_->gates.push_back(MakeRuntime(std::move(g)));
}

GateEvaluator::~GateEvaluator() = default;

namespace {

void Flush(std::vector<core::Notification>* outbox, core::NotificationSink* sink) {
  if (sink != nullptr) {
    for (core::Notification& n : *outbox) sink->Send(std::move(n));
  }
  outbox->clear();
}

}  // namespace

void GateEvaluator::Reload(GatesConfig config) {
  std::vector<core::Notification> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    std::vector<std::unique_ptr<GateRuntime>> fresh;
    for (GateConfig& gc : config.gates) {
      auto g = MakeRuntime(std::move(gc));
      for (auto& old : s.gates) {
        if (old && old->config.name == g->config.name && old->signature == g->signature) {
          g->series = std::move(old->series);
        }
      }
      fresh.push_back(std::move(g));
    }
    // Re-track canaries of gates that still exist; replay their kept evidence.
    std::vector<std::unique_ptr<Tracked>> tracked;
    for (auto& t : s.tracked) {
      for (auto& g : fresh) {
        if (g->config.name != t->gate->config.name) continue;
        t->gate = g.get();
        t->start_index = FloorDiv(t->started_at.unix_nanos(), g->interval_ns);
        t->final = false;
        t->final_reasons.clear();
        s.ResetTests(*t);
        tracked.push_back(std::move(t));
        break;
      }
    }
    s.gates = std::move(fresh);
    s.tracked = std::move(tracked);
    for (auto& t : s.tracked) s.Refresh(*t);
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
}

void GateEvaluator::Observe(const core::SignalBatch& batch) {
  std::vector<core::Notification> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    // The clock moves once per batch, after it: a batch is one arrival, so the order of its
    // signals (all of blue, then all of green) never makes part of it late.
    // No signal moves it past its own observed time (ADR 0061): one far-future timestamp must not
    // close every gate's intervals ahead of the data.
    const bool guard = s.options.max_future_skew > absl::ZeroDuration();
    core::EventTime newest = s.now;
    for (const core::Signal& sig : batch.signals()) {
      const core::EventTime t = s.SignalTime(sig);
      const core::EventTime clock =
          guard && !sig.observed_time.is_zero() && sig.observed_time < t ? sig.observed_time : t;
      if (clock > newest) newest = clock;
      s.ObserveSignal(batch, sig, t);
    }
    s.now = newest;
    s.Tick();
    if (s.outbox.empty()) return;
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
}

void GateEvaluator::AddDeployment(const core::Deployment& deployment) {
  std::vector<core::Notification> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    core::Deployment d = deployment;
    if (d.source.empty()) d.source = "api";
    s.Learn(d);
    for (auto& t : s.tracked) s.Refresh(*t);
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
}

void GateEvaluator::OnIncident(const AttributedIncident& incident) {
  std::vector<core::Notification> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    if (!incident.open || !incident.paging) return;  // Closing never undoes a failure.
    for (const AttributedIncident& i : s.incidents) {
      if (i.incident_id == incident.incident_id && i.deploy.version == incident.deploy.version) return;
    }
    s.incidents.push_back(incident);
    if (incident.time > s.now) s.now = incident.time;
    for (auto& t : s.tracked) s.Refresh(*t);
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
}

void GateEvaluator::AdvanceTo(core::EventTime now) {
  std::vector<core::Notification> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    if (now <= s.now) return;
    s.now = now;
    s.Tick();
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
}

absl::StatusOr<Tracked*> GateEvaluator::State::Resolve(const GateQuery& query, GateVerdict* pending) {
  GateRuntime* g = GateFor(query.service, query.env, query.gate);
  if (g == nullptr) {
    return absl::NotFoundError(query.gate.empty() ? fmt::format("gates: no gate covers service \"{}\"", query.service)
                                                  : fmt::format("gates: no gate named \"{}\"", query.gate));
  }
  // A named gate that guards another service (or env) would never see this canary's evidence.
  if (g->config.service != "*" && g->config.service != query.service) {
    return absl::NotFoundError(fmt::format("gates: gate \"{}\" guards service \"{}\", not \"{}\"", g->config.name,
                                           g->config.service, query.service));
  }
  if (!query.env.empty() && !g->config.env.empty() && g->config.env != query.env) {
    return absl::NotFoundError(fmt::format("gates: gate \"{}\" guards env \"{}\", not \"{}\"", g->config.name,
                                           g->config.env, query.env));
  }
  std::string env = query.env.empty() ? g->config.env : query.env;
  std::string version = query.version;
  if (version.empty()) {
    if (const core::Deployment* d = registry.Latest(query.service, env, /*canary=*/true)) {
      version = d->version;
      env = d->env;
    }
  }
  if (env.empty() && !version.empty()) {
    for (const core::Deployment& d : registry.List()) {
      if (d.service == query.service && d.version == version) env = d.env;
    }
    if (env.empty()) {
      for (const auto& [key, series] : g->series) {
        if (key.service == query.service && key.version == version) env = key.env;
      }
    }
  }
  pending->gate = g->config.name;
  pending->service = query.service;
  pending->env = env;
  pending->version = version;
  pending->evaluated_at = now;
  pending->min_samples = g->config.min_samples;
  pending->alpha = g->config.alpha;
  pending->score_thresholds = g->config.score;
  if (version.empty()) {
    pending->reasons.push_back(fmt::format("no data: no canary version of {} is known", query.service));
    return nullptr;
  }
  Tracked* t = Track(g, {query.service, env, version});
  if (t == nullptr) {
    pending->reasons.push_back(fmt::format("no data: no deployment or signals for {} {}", query.service, version));
  }
  return t;
}

absl::StatusOr<GateVerdict> GateEvaluator::Evaluate(const GateQuery& query) {
  std::vector<core::Notification> out;
  GateVerdict v;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    QUELL_ASSIGN_OR_RETURN(Tracked * t, s.Resolve(query, &v));
    if (t == nullptr) return v;
    v = s.Refresh(*t);
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
  return v;
}

absl::StatusOr<GateVerdict> GateEvaluator::SetOverride(const GateQuery& query, GateOverride override) {
  if (override.verdict != Verdict::kPass && override.verdict != Verdict::kFail) {
    return absl::InvalidArgumentError("gates: an override verdict must be pass or fail");
  }
  if (override.reason.empty()) return absl::InvalidArgumentError("gates: an override needs a reason");
  return ChangeOverride(query, std::move(override));
}

absl::StatusOr<GateVerdict> GateEvaluator::ClearOverride(const GateQuery& query) {
  return ChangeOverride(query, std::nullopt);
}

absl::StatusOr<GateVerdict> GateEvaluator::ChangeOverride(const GateQuery& query,
                                                          std::optional<GateOverride> override) {
  std::vector<core::Notification> out;
  GateVerdict v;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *state_;
    QUELL_ASSIGN_OR_RETURN(Tracked * t, s.Resolve(query, &v));
    if (t == nullptr) {
      return absl::NotFoundError(fmt::format("gates: {}", v.reasons.empty() ? "no canary" : v.reasons.front()));
    }
    std::optional<GateOverride> cleared;
    if (override) {
      override->at = s.now;
      t->manual = std::move(override);
    } else if (t->manual) {
      cleared = std::move(t->manual);
      t->manual.reset();
    } else {
      return absl::NotFoundError(
          fmt::format("gates: {} {} ({}) has no override", t->key.service, t->key.version, t->key.env));
    }
    v = s.Refresh(*t);
    v.cleared_override = std::move(cleared);
    out.swap(s.outbox);
  }
  Flush(&out, sink_);
  return v;
}

// ---- Snapshots --------------------------------------------------------------------------------

namespace {

using correlate::JsonValue;

void WriteTime(core::JsonWriter& w, std::string_view key, core::EventTime t) { w.Field(key, t.unix_nanos()); }

void WriteSketch(core::JsonWriter& w, std::string_view key, const DDSketch& sketch) {
  w.Key(key);
  sketch.AppendJson(&w);
}

// Reads the fields of one saved object; the first missing or mistyped field is the error.
class SavedObject {
 public:
  SavedObject(const JsonValue& v, std::string_view what, std::string* error) : v_(v), what_(what), error_(error) {
    if (!v.is_object()) Fail("", "an object");
  }
  const JsonValue* Get(std::string_view key, JsonValue::Type type, bool required = true) {
    const JsonValue* f = v_.is_object() ? v_.Find(key) : nullptr;
    if (f == nullptr || f->is_null()) {
      if (required) Fail(key, "present");
      return nullptr;
    }
    if (f->type() != type) {
      Fail(key, type == JsonValue::Type::kNumber   ? "a number"
                : type == JsonValue::Type::kString ? "a string"
                : type == JsonValue::Type::kBool   ? "a boolean"
                : type == JsonValue::Type::kArray  ? "an array"
                                                   : "an object");
      return nullptr;
    }
    return f;
  }
  int64_t Int(std::string_view key) {
    const JsonValue* f = Get(key, JsonValue::Type::kNumber);
    return f != nullptr ? f->AsInt64() : 0;
  }
  uint64_t Count(std::string_view key) {
    const JsonValue* f = Get(key, JsonValue::Type::kNumber, /*required=*/false);
    if (f == nullptr) return 0;  // Zero counts are left out.
    if (f->AsInt64() < 0) Fail(key, "a count");
    return static_cast<uint64_t>(std::max<int64_t>(0, f->AsInt64()));
  }
  double Double(std::string_view key) {
    const JsonValue* f = Get(key, JsonValue::Type::kNumber);
    return f != nullptr ? f->AsDouble() : 0;
  }
  std::optional<double> OptionalDouble(std::string_view key) {
    const JsonValue* f = Get(key, JsonValue::Type::kNumber, /*required=*/false);
    return f != nullptr ? std::optional<double>(f->AsDouble()) : std::nullopt;
  }
  std::string String(std::string_view key) {
    const JsonValue* f = Get(key, JsonValue::Type::kString, /*required=*/false);
    return f != nullptr ? f->AsString() : std::string();
  }
  bool Bool(std::string_view key) {
    const JsonValue* f = Get(key, JsonValue::Type::kBool, /*required=*/false);
    return f != nullptr && f->AsBool();
  }
  core::EventTime Time(std::string_view key) { return core::EventTime::FromUnixNanos(Int(key)); }
  const std::vector<JsonValue>& Array(std::string_view key) {
    static const std::vector<JsonValue> kEmpty;
    const JsonValue* f = Get(key, JsonValue::Type::kArray, /*required=*/false);
    return f != nullptr ? f->items() : kEmpty;
  }
  Verdict VerdictAt(std::string_view key) {
    const int64_t v = Int(key);
    if (v < 0 || v > static_cast<int64_t>(Verdict::kInconclusive)) Fail(key, "a verdict");
    return static_cast<Verdict>(std::clamp<int64_t>(v, 0, static_cast<int64_t>(Verdict::kInconclusive)));
  }
  void Fail(std::string_view key, std::string_view want) {
    if (error_->empty()) {
      *error_ = key.empty() ? fmt::format("{} is not {}", what_, want)
                            : fmt::format("{}: \"{}\" is not {}", what_, key, want);
    }
  }

 private:
  const JsonValue& v_;
  std::string_view what_;
  std::string* error_;
};

void WriteIndicatorBucket(core::JsonWriter& w, const IndicatorBucket& b) {
  w.BeginObject();
  if (b.trials != 0) w.Field("trials", b.trials);
  if (b.bad != 0) w.Field("bad", b.bad);
  if (b.points != 0) {
    w.Field("points", b.points);
    w.Field("sum", b.sum);
  }
  if (!b.sketch.empty()) WriteSketch(w, "sketch", b.sketch);
  w.EndObject();
}

void WriteBucket(core::JsonWriter& w, const Bucket& b) {
  w.BeginObject();
  w.Field("index", b.index);
  w.Field("samples", b.samples);
  w.Key("ind");
  w.BeginArray();
  for (const IndicatorBucket& ib : b.ind) WriteIndicatorBucket(w, ib);
  w.EndArray();
  w.EndObject();
}

// Buckets before `closed` are final: written from (and into) their cached JSON.
void WriteSeries(core::JsonWriter& w, const VersionKey& key, const Series& series, int64_t closed) {
  w.BeginObject();
  w.Field("service", key.service);
  w.Field("env", key.env);
  w.Field("version", key.version);
  w.Field("color", core::DeployColorName(series.color));
  WriteTime(w, "first_seen", series.first_seen);
  WriteTime(w, "last_seen", series.last_seen);
  w.Field("late", series.late);
  w.Key("buckets");
  w.BeginArray();
  for (const Bucket& b : series.buckets) {
    if (b.index >= closed) {
      WriteBucket(w, b);
      continue;
    }
    if (b.saved.empty()) {
      core::JsonWriter bw(&b.saved);
      WriteBucket(bw, b);
    }
    w.Raw(b.saved);
  }
  w.EndArray();
  w.EndObject();
}

void WriteIndicatorState(core::JsonWriter& w, const IndicatorState& st) {
  w.BeginObject();
  if (st.compare) {
    const OddsRatioMsprt::Saved c = st.compare->saved();
    w.Key("compare");
    w.BeginObject();
    w.Key("log_lr");
    w.BeginArray();
    for (double x : c.log_lr) w.Double(x);
    w.EndArray();
    w.Field("log_e", c.log_e);
    w.Field("log_max_e", c.log_max_e);
    w.Field("intervals", c.intervals);
    w.EndObject();
  }
  if (st.absolute) {
    const BernoulliMsprt::Saved a = st.absolute->saved();
    w.Key("absolute");
    w.BeginObject();
    w.Field("trials", a.trials);
    w.Field("bad", a.bad);
    w.Field("log_e", a.log_e);
    w.Field("log_max_e", a.log_max_e);
    w.EndObject();
  }
  WriteSketch(w, "canary_sketch", st.canary_sketch);
  WriteSketch(w, "baseline_sketch", st.baseline_sketch);
  w.Field("canary_trials", st.canary_trials);
  w.Field("canary_bad", st.canary_bad);
  w.Field("baseline_trials", st.baseline_trials);
  w.Field("baseline_bad", st.baseline_bad);
  w.Field("canary_mean", st.canary_mean);
  w.Field("baseline_mean", st.baseline_mean);
  w.Field("canary_points", st.canary_points);
  w.Field("baseline_points", st.baseline_points);
  w.Field("breaching", st.breaching);
  WriteTime(w, "breach_since", st.breach_since);
  w.Field("failed", st.failed);
  WriteTime(w, "failed_at", st.failed_at);
  w.Field("fail_reason", st.fail_reason);
  w.EndObject();
}

// Restores `st` (already set up by ResetTests for the same definition) from `v`.
absl::Status ReadIndicatorState(const JsonValue& v, IndicatorState& st) {
  std::string error;
  SavedObject o(v, "gate state: indicator", &error);
  if (const JsonValue* c = o.Get("compare", JsonValue::Type::kObject, /*required=*/false)) {
    if (!st.compare) return absl::DataLossError("gate state: an indicator without a comparison test has one saved");
    SavedObject co(*c, "gate state: comparison test", &error);
    OddsRatioMsprt::Saved saved;
    const std::vector<JsonValue>& lr = co.Array("log_lr");
    if (lr.size() != saved.log_lr.size()) return absl::DataLossError("gate state: comparison test: log_lr has the wrong size");
    for (size_t i = 0; i < lr.size(); ++i) {
      if (!lr[i].is_number()) return absl::DataLossError("gate state: comparison test: log_lr holds a non-number");
      saved.log_lr[i] = lr[i].AsDouble();
    }
    saved.log_e = co.Double("log_e");
    saved.log_max_e = co.Double("log_max_e");
    saved.intervals = co.Count("intervals");
    st.compare->Restore(saved);
  }
  if (const JsonValue* a = o.Get("absolute", JsonValue::Type::kObject, /*required=*/false)) {
    if (!st.absolute) return absl::DataLossError("gate state: an indicator without an absolute test has one saved");
    SavedObject ao(*a, "gate state: absolute test", &error);
    BernoulliMsprt::Saved saved;
    saved.trials = ao.Count("trials");
    saved.bad = ao.Count("bad");
    saved.log_e = ao.Double("log_e");
    saved.log_max_e = ao.Double("log_max_e");
    st.absolute->Restore(saved);
  }
  if (const JsonValue* sk = o.Get("canary_sketch", JsonValue::Type::kObject)) {
    QUELL_RETURN_IF_ERROR(st.canary_sketch.RestoreJson(*sk));
  }
  if (const JsonValue* sk = o.Get("baseline_sketch", JsonValue::Type::kObject)) {
    QUELL_RETURN_IF_ERROR(st.baseline_sketch.RestoreJson(*sk));
  }
  st.canary_trials = o.Count("canary_trials");
  st.canary_bad = o.Count("canary_bad");
  st.baseline_trials = o.Count("baseline_trials");
  st.baseline_bad = o.Count("baseline_bad");
  st.canary_mean = o.OptionalDouble("canary_mean");
  st.baseline_mean = o.OptionalDouble("baseline_mean");
  st.canary_points = o.Count("canary_points");
  st.baseline_points = o.Count("baseline_points");
  st.breaching = o.Bool("breaching");
  st.breach_since = o.Time("breach_since");
  st.failed = o.Bool("failed");
  st.failed_at = o.Time("failed_at");
  st.fail_reason = o.String("fail_reason");
  if (!error.empty()) return absl::DataLossError(error);
  return absl::OkStatus();
}

absl::Status ReadSeries(const JsonValue& v, size_t indicators, VersionKey* key, Series* series) {
  std::string error;
  SavedObject o(v, "gate state: series", &error);
  key->service = o.String("service");
  key->env = o.String("env");
  key->version = o.String("version");
  core::ParseDeployColor(o.String("color"), &series->color);
  series->first_seen = o.Time("first_seen");
  series->last_seen = o.Time("last_seen");
  series->late = o.Count("late");
  for (const JsonValue& bv : o.Array("buckets")) {
    SavedObject bo(bv, "gate state: bucket", &error);
    Bucket b;
    b.index = bo.Int("index");
    b.samples = bo.Count("samples");
    const std::vector<JsonValue>& ind = bo.Array("ind");
    if (!error.empty()) break;
    if (ind.size() != indicators) {
      return absl::DataLossError(fmt::format("gate state: a bucket of {} {} has {} indicators, the gate {}",
                                             key->service, key->version, ind.size(), indicators));
    }
    if (!series->buckets.empty() && b.index != series->buckets.back().index + 1) {
      return absl::DataLossError("gate state: buckets are not contiguous");
    }
    b.ind.resize(indicators);
    for (size_t i = 0; i < indicators; ++i) {
      SavedObject io(ind[i], "gate state: bucket indicator", &error);
      IndicatorBucket& ib = b.ind[i];
      ib.trials = io.Count("trials");
      ib.bad = io.Count("bad");
      ib.points = io.Count("points");
      ib.sum = ib.points != 0 ? io.Double("sum") : 0;
      if (const JsonValue* sk = io.Get("sketch", JsonValue::Type::kObject, /*required=*/false)) {
        QUELL_RETURN_IF_ERROR(ib.sketch.RestoreJson(*sk));
      }
    }
    series->buckets.push_back(std::move(b));
  }
  if (!error.empty()) return absl::DataLossError(error);
  return absl::OkStatus();
}

}  // namespace

std::string GateEvaluator::Serialize() const {
  std::lock_guard<std::mutex> lock(mu_);
  const State& s = *state_;
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("version", 1);
  WriteTime(w, "now", s.now);
  w.Key("deployments");
  w.BeginArray();
  for (const core::Deployment& d : s.registry.List()) {
    w.BeginObject();
    w.Field("service", d.service);
    w.Field("env", d.env);
    w.Field("version", d.version);
    w.Field("color", core::DeployColorName(d.color));
    WriteTime(w, "started_at", d.started_at);
    w.Field("source", d.source);
    w.Field("link", d.link);
    w.EndObject();
  }
  w.EndArray();
  w.Key("incidents");
  w.BeginArray();
  for (const AttributedIncident& i : s.incidents) {
    w.BeginObject();
    w.Field("id", i.incident_id);
    w.Field("severity", core::SeverityName(i.severity));
    w.Field("service", i.deploy.service);
    w.Field("version", i.deploy.version);
    w.Field("env", i.deploy.env);
    WriteTime(w, "deploy_time", i.deploy.time);
    w.Field("link", i.deploy.link);
    WriteTime(w, "time", i.time);
    w.Field("summary", i.summary);
    w.EndObject();
  }
  w.EndArray();
  w.Key("gates");
  w.BeginArray();
  for (const auto& g : s.gates) {
    w.BeginObject();
    w.Field("name", g->config.name);
    w.Field("signature", g->signature);
    w.Field("definition", g->definition);
    w.Field("last_closed", g->last_closed);
    w.Key("series");
    w.BeginArray();
    const int64_t closed = s.ClosedIndex(*g);
    for (const auto& [key, series] : g->series) WriteSeries(w, key, series, closed);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("tracked");
  w.BeginArray();
  for (const auto& t : s.tracked) {
    w.BeginObject();
    w.Field("gate", t->gate->config.name);
    w.Field("service", t->key.service);
    w.Field("env", t->key.env);
    w.Field("version", t->key.version);
    w.Field("baseline", t->baseline);
    WriteTime(w, "started_at", t->started_at);
    w.Field("start_index", t->start_index);
    w.Field("next_index", t->next_index);
    w.Field("has_verdict", t->has_verdict);
    w.Field("last", static_cast<int>(t->last));
    w.Field("final", t->final);
    w.Field("final_verdict", static_cast<int>(t->final_verdict));
    w.Key("final_reasons");
    w.BeginArray();
    for (const std::string& r : t->final_reasons) w.String(r);
    w.EndArray();
    if (t->manual) {
      w.Key("override");
      w.BeginObject();
      w.Field("verdict", static_cast<int>(t->manual->verdict));
      w.Field("reason", t->manual->reason);
      w.Field("by", t->manual->by);
      WriteTime(w, "at", t->manual->at);
      w.EndObject();
    }
    w.Field("sequence", t->sequence);
    w.Key("ind");
    w.BeginArray();
    for (const IndicatorState& st : t->ind) WriteIndicatorState(w, st);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

absl::Status GateEvaluator::Restore(std::string_view json, core::WallTime wall_now) {
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(json);
  if (!doc.ok()) return absl::DataLossError(fmt::format("gate state: {}", std::string(doc.status().message())));
  std::string error;
  SavedObject root(*doc, "gate state", &error);
  if (root.Int("version") != 1) return absl::DataLossError("gate state: unsupported version");

  // Everything is read into a fresh state first, so that a bad document changes nothing.
  auto fresh = std::make_unique<State>();
  State& s = *fresh;
  std::vector<core::Notification> out;
  std::unique_lock<std::mutex> lock(mu_);
  s.options = state_->options;
  s.stats = state_->stats;
  s.now = root.Time("now");
  for (const JsonValue& dv : root.Array("deployments")) {
    SavedObject o(dv, "gate state: deployment", &error);
    core::Deployment d;
    d.service = o.String("service");
    d.env = o.String("env");
    d.version = o.String("version");
    core::ParseDeployColor(o.String("color"), &d.color);
    d.started_at = o.Time("started_at");
    d.source = o.String("source");
    d.link = o.String("link");
    if (d.service.empty() || d.version.empty()) o.Fail("service", "a deployment's service and version");
    s.registry.Upsert(d);
  }
  for (const JsonValue& iv : root.Array("incidents")) {
    SavedObject o(iv, "gate state: incident", &error);
    AttributedIncident i;
    i.incident_id = o.String("id");
    core::ParseSeverityName(o.String("severity"), &i.severity);
    i.deploy.service = o.String("service");
    i.deploy.version = o.String("version");
    i.deploy.env = o.String("env");
    i.deploy.time = o.Time("deploy_time");
    i.deploy.link = o.String("link");
    i.time = o.Time("time");
    i.summary = o.String("summary");
    s.incidents.push_back(std::move(i));
  }
  if (!error.empty()) return absl::DataLossError(error);
  // Gates of the current definitions; evidence from the saved gate of the same name and meaning.
  absl::flat_hash_map<std::string, bool> unchanged;  // Gate name -> same definition as saved.
  for (const auto& current : state_->gates) s.gates.push_back(MakeRuntime(current->config));
  for (const JsonValue& gv : root.Array("gates")) {
    SavedObject o(gv, "gate state: gate", &error);
    const std::string name = o.String("name");
    if (!error.empty()) return absl::DataLossError(error);
    GateRuntime* g = nullptr;
    for (auto& cand : s.gates) {
      if (cand->config.name == name) g = cand.get();
    }
    if (g == nullptr || o.String("signature") != g->signature) continue;  // Gone, or its evidence means something else.
    unchanged[name] = o.String("definition") == g->definition;
    if (unchanged[name]) g->last_closed = o.Int("last_closed");
    for (const JsonValue& sv : o.Array("series")) {
      VersionKey key;
      Series series;
      QUELL_RETURN_IF_ERROR(ReadSeries(sv, g->config.indicators.size(), &key, &series));
      g->series.insert_or_assign(std::move(key), std::move(series));
    }
    if (!error.empty()) return absl::DataLossError(error);
  }
  std::vector<Tracked*> reevaluate;
  for (const JsonValue& tv : root.Array("tracked")) {
    SavedObject o(tv, "gate state: tracked canary", &error);
    const std::string gate = o.String("gate");
    GateRuntime* g = nullptr;
    for (auto& cand : s.gates) {
      if (cand->config.name == gate) g = cand.get();
    }
    if (g == nullptr) continue;
    auto t = std::make_unique<Tracked>();
    t->gate = g;
    t->key = VersionKey{o.String("service"), o.String("env"), o.String("version")};
    t->baseline = o.String("baseline");
    t->started_at = o.Time("started_at");
    t->start_index = FloorDiv(t->started_at.unix_nanos(), g->interval_ns);
    t->has_verdict = o.Bool("has_verdict");
    t->last = o.VerdictAt("last");
    t->sequence = o.Count("sequence");
    if (const JsonValue* ov = o.Get("override", JsonValue::Type::kObject, /*required=*/false)) {
      SavedObject mo(*ov, "gate state: override", &error);
      GateOverride m;
      m.verdict = mo.VerdictAt("verdict");
      m.reason = mo.String("reason");
      m.by = mo.String("by");
      m.at = mo.Time("at");
      t->manual = std::move(m);
    }
    s.ResetTests(*t);
    if (!error.empty()) return absl::DataLossError(error);
    auto it = unchanged.find(gate);
    if (it != unchanged.end() && it->second) {
      // Same definition: the saved tests continue.
      t->next_index = o.Int("next_index");
      t->final = o.Bool("final");
      t->final_verdict = o.VerdictAt("final_verdict");
      for (const JsonValue& r : o.Array("final_reasons")) {
        if (r.is_string()) t->final_reasons.push_back(r.AsString());
      }
      const std::vector<JsonValue>& ind = o.Array("ind");
      if (ind.size() != t->ind.size()) {
        return absl::DataLossError(fmt::format("gate state: canary {} {} has {} indicators saved, the gate {}",
                                               t->key.service, t->key.version, ind.size(), t->ind.size()));
      }
      for (size_t i = 0; i < ind.size(); ++i) QUELL_RETURN_IF_ERROR(ReadIndicatorState(ind[i], t->ind[i]));
      if (t->next_index < t->start_index) return absl::DataLossError("gate state: a canary's progress is before its start");
    } else {
      reevaluate.push_back(t.get());  // As Reload: the tests run again over the kept evidence.
    }
    if (!error.empty()) return absl::DataLossError(error);
    s.tracked.push_back(std::move(t));
  }
  // A clock saved far ahead of the wall clock (by a binary without the future-skew guard) would
  // make every signal of this run late and every canary stale, then inconclusive (ADR 0061).
  const core::EventTime wall = core::EventTime::FromUnixNanos(wall_now.unix_nanos());
  if (!wall_now.is_zero() && s.options.max_future_skew > absl::ZeroDuration() &&
      s.now - wall > s.options.max_future_skew) {
    s.SetClockBack(wall);
    ++s.stats.restored_clock_clamped;
  }
  s.TrimTracked();
  state_ = std::move(fresh);
  for (Tracked* t : reevaluate) {
    for (const auto& kept : state_->tracked) {
      if (kept.get() == t) state_->Refresh(*t);
    }
  }
  out.swap(state_->outbox);
  lock.unlock();
  Flush(&out, sink_);
  return absl::OkStatus();
}

std::vector<GateVerdict> GateEvaluator::TrackedVerdicts() {
  std::vector<core::Notification> out;
  std::vector<GateVerdict> verdicts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& t : state_->tracked) verdicts.push_back(state_->Refresh(*t));
    out.swap(state_->outbox);
  }
  Flush(&out, sink_);
  return verdicts;
}

std::vector<core::Deployment> GateEvaluator::Deployments() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->registry.List();
}

core::EventTime GateEvaluator::now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->now;
}

GateEvaluatorStats GateEvaluator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->stats;
}

}  // namespace quell::gates
