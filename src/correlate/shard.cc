#include "correlate/shard.h"

#include <algorithm>
#include <optional>
#include <limits>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/duration.h"
#include "core/alertmanager_alert_order.h"
#include "core/fingerprint.h"
#include "core/status_macros.h"
#include "core/strings.h"
#include "correlate/json_value.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "xxhash.h"

// (Serialize/Restore live at the end of this file.)

namespace quell::correlate {
namespace {

enum TimerKind : uint8_t { kFlush = 0, kExpire, kFlapStable, kTransientGrace, kStormClose };

constexpr uint8_t kHeldTransient = 1 << 0;
constexpr uint8_t kHeldFlapping = 1 << 1;
constexpr uint8_t kAdmitted = 1 << 2;
constexpr uint8_t kExpireTimer = 1 << 3;
constexpr uint8_t kSilencedNoted = 1 << 4;
constexpr uint8_t kInhibitedNoted = 1 << 5;
constexpr uint8_t kMaintNoted = 1 << 6;
constexpr uint8_t kNoiseNoted = 1 << 7;
// The suppressions already logged (and counted in the noise report) for an alert: saved, so that
// a restore does not log and count them again.
constexpr uint8_t kNotedFlags = kSilencedNoted | kInhibitedNoted | kMaintNoted | kNoiseNoted;
// AlertState::more_flags.
constexpr uint8_t kSeverityImplied = 1 << 0;  // Its `severity` label is WithImpliedSeverity's (saved).
constexpr uint8_t kJoinPending = 1 << 1;      // Relabeled: its new routes are joined when it is next admitted firing.

constexpr size_t kMaxSent = 64;
constexpr size_t kMaxTimeline = 64;
// Resolved incidents a snapshot keeps per shard (the newest by resolution), so that a storm's day
// does not make every checkpoint carry tens of thousands of them.
constexpr size_t kMaxClosedSaved = 10000;
constexpr size_t kMaxOrphans = 4096;
constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kBucketNanos = 3600 * kNanosPerSecond;
constexpr size_t kMaxBuckets = 24 * 8;
constexpr size_t kMaxResolveSamples = 512;
constexpr size_t kMaxNoiseKeys = 10000;

uint64_t Hash(std::string_view s, uint64_t seed = 0) { return XXH3_64bits_withSeed(s.data(), s.size(), seed); }
std::string Hex(uint64_t v) { return fmt::format("{:016x}", v); }
core::EventTime Ev(int64_t ns) { return core::EventTime::FromUnixNanos(ns); }

bool IsSubset(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {  // a ⊆ b, sorted
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

}  // namespace

std::string_view SuppressReasonName(SuppressReason r) {
  switch (r) {
    case SuppressReason::kDedup: return "dedup";
    case SuppressReason::kLate: return "late";
    case SuppressReason::kSilenced: return "silenced";
    case SuppressReason::kInhibited: return "inhibited";
    case SuppressReason::kMaintenance: return "maintenance";
    case SuppressReason::kTimeMuted: return "time_muted";
    case SuppressReason::kFlapping: return "flapping";
    case SuppressReason::kTransient: return "transient";
    case SuppressReason::kNoiseClass: return "noise_class";
    case SuppressReason::kStormRollup: return "storm_rollup";
  }
  return "unknown";
}

std::string_view DecisionKindName(DecisionKind k) {
  switch (k) {
    case DecisionKind::kDeduplicated: return "deduplicated";
    case DecisionKind::kGrouped: return "grouped";
    case DecisionKind::kInhibited: return "inhibited";
    case DecisionKind::kSilenced: return "silenced";
    case DecisionKind::kMaintenance: return "maintenance";
    case DecisionKind::kTimeMuted: return "time_muted";
    case DecisionKind::kHeldFlapping: return "held_flapping";
    case DecisionKind::kReleasedFlapping: return "released_flapping";
    case DecisionKind::kHeldTransient: return "held_transient";
    case DecisionKind::kTransient: return "transient";
    case DecisionKind::kNoise: return "noise";
    case DecisionKind::kStorm: return "storm";
    case DecisionKind::kLate: return "late";
    case DecisionKind::kNotified: return "notified";
    case DecisionKind::kResolved: return "resolved";
    case DecisionKind::kRefired: return "refired";
    case DecisionKind::kEvicted: return "evicted";
    case DecisionKind::kAcked: return "acked";
    case DecisionKind::kDeployAttributed: return "deploy_attributed";
    case DecisionKind::kFutureClamped: return "future_clamped";
    case DecisionKind::kSeverityChanged: return "severity_changed";
  }
  return "unknown";
}

// One fingerprint's state: 80 bytes, plus its packed labels and decision log (see
// docs/rules.md "Memory"). Names are interned per shard (names_), routes per shard (route_sets_);
// the rare extra state lives in side tables keyed by fingerprint: the incidents of an alert on
// more than one route (extra_incidents_) and the state-change times of one that changes state
// (flap_history_).
struct Shard::AlertState {
  CompactLabels labels;          // Labels and annotations (generator URL under kGeneratorKey).
  int64_t starts_at = 0;
  int64_t ends_at = 0;           // endsAt as sent (auto-resolve time) or resolve time.
  int64_t updated_at = 0;
  int64_t last_change = 0;       // Last raw state change.
  uint64_t seq = 0;
  uint64_t incident = 0;         // Serial of an open incident it belongs to (0 = none); more in extra_incidents_.
  std::unique_ptr<Decision[]> log;  // Ring of log_size entries (capacity log_cap).
  uint32_t noise = 0;            // Index into noise_.
  uint32_t route_set = 0;        // Index into route_sets_: every matched route.
  bool firing = true;            // Applied state (what incidents see).
  bool raw_firing = true;        // Latest input state (differs while held flapping).
  uint8_t flags = 0;
  core::Severity severity = core::Severity::kUnknown;
  uint8_t log_size = 0;
  uint8_t log_cap = 0;
  uint8_t log_head = 0;          // Oldest entry once the ring is full.
  uint8_t more_flags = 0;        // kSeverityImplied, kJoinPending.
};
static_assert(sizeof(void*) != 8 || sizeof(CompactLabels) == 8);

struct Shard::Incident {
  uint64_t serial = 0;
  uint64_t dedup = 0;
  uint64_t id_hash = 0;
  uint64_t index_key = 0;
  std::string id;
  std::shared_ptr<const CompiledRules> rules;
  int route = 0;
  core::LabelSet group_labels;
  std::vector<uint64_t> members;
  int64_t created_at = 0;
  int64_t last_activity = 0;
  int64_t resolved_at = 0;
  int64_t next_flush = 0;
  bool open = true;
  bool paged = false;
  bool rolled = false;
  bool acked = false;
  bool has_entry = false;
  bool time_muted_noted = false;
  core::Severity max_severity = core::Severity::kUnknown;
  // The severity of the firing alerts of its last notification: a firing member's severity rising
  // above it notifies at the next flush, though the members did not change.
  core::Severity notified_severity = core::Severity::kUnknown;
  std::string acked_by, ack_comment;
  std::vector<uint64_t> last_firing, last_resolved;
  std::vector<Departed> departed;  // Owed a resolve (see Shard::Departed).
  int64_t last_notify_at = 0;
  std::string receiver;
  std::string root_cause;
  std::vector<std::string> impacted;
  std::optional<core::AttributedDeploy> deploy;
  std::vector<SentNotification> sent;
  std::vector<TimelineEntry> timeline;
  uint32_t noise = 0;

  void Note(int64_t t, std::string what) {
    if (timeline.size() >= kMaxTimeline) timeline.erase(timeline.begin());
    timeline.push_back({Ev(t), std::move(what)});
  }
};

struct Shard::NoiseBucket {
  int64_t hour = 0;
  NoiseRow counts;  // Only the counters are used.
};

struct Shard::NoiseStats {
  std::string alertname;
  std::string route;
  std::deque<NoiseBucket> buckets;
  std::deque<std::pair<int64_t, int64_t>> resolves;  // (time, seconds to resolve)
};

namespace {
// A noise bucket's counters in the order the state snapshot lists them after the hour.
constexpr uint64_t NoiseRow::*kNoiseCounters[] = {
    &NoiseRow::signals,           &NoiseRow::alerts,
    &NoiseRow::incidents,         &NoiseRow::pages,
    &NoiseRow::suppressed_silenced, &NoiseRow::suppressed_inhibited,
    &NoiseRow::suppressed_maintenance, &NoiseRow::suppressed_flapping,
    &NoiseRow::suppressed_transient, &NoiseRow::suppressed_noise,
    &NoiseRow::suppressed_storm,  &NoiseRow::late};
}  // namespace

struct Shard::StormState {
  core::TokenBucket bucket;
  bool open = false;
  int64_t opened_at = 0;
  int64_t last_rollup = 0;
  uint64_t count = 0;
  uint64_t sequence = 0;
  StormState(double rate, double burst) : bucket(rate, burst) {}
};

namespace {
constexpr std::string_view kGeneratorKey = "\x01generatorURL";

// Sorts an alert's annotations by name in place (stable: an insertion sort, no allocation; a few
// entries) and keeps only the last of each repeated name, as a sender's later value wins. The
// state's annotations are looked up by name (common annotations of a group, LabelSet) and must be
// sorted; senders write them in any order (Alertmanager: summary, description, runbook_url).
void SortAnnotations(std::vector<core::Label>* v) {
  std::vector<core::Label>& a = *v;
  for (size_t i = 1; i < a.size(); ++i) {
    const core::Label l = a[i];
    size_t j = i;
    while (j != 0 && l.name < a[j - 1].name) {
      a[j] = a[j - 1];
      --j;
    }
    a[j] = l;
  }
  size_t w = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i + 1 < a.size() && a[i + 1].name == a[i].name) continue;
    a[w++] = a[i];
  }
  a.resize(w);
}
}  // namespace

Shard::Shard(std::shared_ptr<const CompiledRules> rules, core::NotificationSink* sink, const Silencer* silencer)
    : sink_(sink), silencer_(silencer) {
  Reload(std::move(rules));
}

Shard::~Shard() = default;

void Shard::Reload(std::shared_ptr<const CompiledRules> rules) {
  rules_ = std::move(rules);
  const RulesConfig& cfg = rules_->config();
  storms_.clear();
  for (const RateLimitConfig& r : cfg.rate_limits) {
    double rate = static_cast<double>(r.pages) / absl::ToDoubleSeconds(r.window);
    storms_.push_back(std::make_unique<StormState>(rate, r.pages));
  }
  // Rebuild the inhibition index under the new rules from the alerts we hold.
  inhibit_sources_.assign(cfg.inhibit_rules.size(), {});
  for (auto& [fp, a] : alerts_) {
    if (a->firing) UpdateInhibitSources(fp, *a, true);
  }
}

void Shard::Schedule(int64_t time, uint8_t kind, uint64_t target) {
  timers_.push(Timer{time, timer_seq_++, kind, target});
}

uint64_t Shard::InternSilenceId(const std::string& id) {
  auto pos = std::find(silence_ids_.begin(), silence_ids_.end(), id);
  const uint64_t idx = static_cast<uint64_t>(pos - silence_ids_.begin());
  if (pos == silence_ids_.end()) silence_ids_.push_back(id);
  return idx;
}

void Shard::Record(uint64_t fp, AlertState* a, DecisionKind kind, uint32_t rule, uint64_t arg, int64_t t) {
  Decision d;
  d.time_ns = t;
  d.arg = arg;
  d.rule = rule;
  d.kind = kind;
  if (a == nullptr) {
    if (orphan_log_.size() >= kMaxOrphans) orphan_log_.pop_front();
    orphan_log_.emplace_back(fp, d);
    return;
  }
  size_t cap = std::min<size_t>(static_cast<size_t>(rules_->settings().decision_log_size), 255);
  if (cap == 0) return;
  // The same decision at the same instant says nothing new. A restored alert makes some of its
  // decisions again as the watermark passes their times (it joins its incident after the
  // allowed lateness and transient grace, as it did before the restart): its saved log has them.
  for (size_t i = 0; i < a->log_size; ++i) {
    const Decision& e = a->log[i];
    if (e.time_ns == t && e.kind == kind && e.arg == arg && e.rule == rule) return;
  }
  if (a->log_size < a->log_cap) {
    a->log[a->log_size++] = d;
    return;
  }
  if (a->log_cap < cap) {  // Grow: most alerts log 2-3 decisions.
    size_t grown = std::min<size_t>(cap, a->log_cap == 0 ? 2 : size_t{a->log_cap} * 2);
    std::unique_ptr<Decision[]> log(new Decision[grown]);
    for (size_t i = 0; i < a->log_size; ++i) log[i] = a->log[(a->log_head + i) % a->log_size];
    a->log = std::move(log);
    a->log_cap = static_cast<uint8_t>(grown);
    a->log_head = 0;
    a->log[a->log_size++] = d;
    return;
  }
  a->log[a->log_head] = d;
  a->log_head = static_cast<uint8_t>((a->log_head + 1) % a->log_size);
}

Shard::NoiseBucket& Shard::NoiseFor(uint32_t idx, int64_t t) {
  NoiseStats& ns = noise_[idx];
  int64_t hour = t >= 0 ? t / kBucketNanos : (t - kBucketNanos + 1) / kBucketNanos;
  if (ns.buckets.empty() || ns.buckets.back().hour < hour) {
    if (ns.buckets.size() >= kMaxBuckets) ns.buckets.pop_front();
    ns.buckets.push_back(NoiseBucket{hour, {}});
  } else if (ns.buckets.back().hour > hour) {
    for (auto it = ns.buckets.rbegin(); it != ns.buckets.rend(); ++it) {
      if (it->hour <= hour) return *it;
    }
    return ns.buckets.front();
  }
  return ns.buckets.back();
}

void Shard::CountSuppressed(uint32_t noise, SuppressReason r, int64_t t) {
  ++stats_.suppressed[static_cast<size_t>(r)];
  NoiseRow& c = NoiseFor(noise, t).counts;
  switch (r) {
    case SuppressReason::kSilenced: ++c.suppressed_silenced; break;
    case SuppressReason::kInhibited: ++c.suppressed_inhibited; break;
    case SuppressReason::kMaintenance: ++c.suppressed_maintenance; break;
    case SuppressReason::kFlapping: ++c.suppressed_flapping; break;
    case SuppressReason::kTransient: ++c.suppressed_transient; break;
    case SuppressReason::kNoiseClass: ++c.suppressed_noise; break;
    case SuppressReason::kStormRollup: ++c.suppressed_storm; break;
    case SuppressReason::kDedup:
    case SuppressReason::kLate:
    case SuppressReason::kTimeMuted: break;  // Counted per signal or per route elsewhere.
  }
}

uint32_t Shard::NoiseIndex(std::string_view alertname, const std::string& route_key) {
  // Bounded: past kMaxNoiseKeys distinct (alertname, route) pairs, new ones count as "(other)".
  if (noise_.size() >= kMaxNoiseKeys && !noise_index_.contains(fmt::format("{}\x1f{}", alertname, route_key))) {
    alertname = "(other)";
  }
  std::string key = fmt::format("{}\x1f{}", alertname, route_key);
  auto it = noise_index_.find(key);
  if (it != noise_index_.end()) return it->second;
  uint32_t idx = static_cast<uint32_t>(noise_.size());
  noise_.push_back(NoiseStats{std::string(alertname), route_key, {}, {}});
  noise_index_.emplace(std::move(key), idx);
  return idx;
}

void Shard::Process(const core::SignalBatch& batch) {
  const int64_t lateness = absl::ToInt64Nanoseconds(rules_->settings().allowed_lateness);
  for (const core::Signal& s : batch.signals()) ProcessSignal(batch, s, lateness);
  FinishBatch();
}

void Shard::Process(const core::SignalBatch& batch, const std::vector<uint32_t>& indices) {
  const int64_t lateness = absl::ToInt64Nanoseconds(rules_->settings().allowed_lateness);
  for (uint32_t i : indices) ProcessSignal(batch, batch.signals()[i], lateness);
  FinishBatch();
}

void Shard::ProcessSignal(const core::SignalBatch& batch, const core::Signal& s, int64_t lateness) {
  ++stats_.signals;
  // Timers due before this signal (less the allowed lateness) fire first, so a signal never
  // influences a decision that belongs to an earlier moment.
  const bool uses_end = s.state == core::SignalState::kResolved && !s.end_time.is_zero();
  int64_t t = uses_end ? s.end_time.unix_nanos() : s.event_time.unix_nanos();
  // A time far past when the signal was observed (a sender's clock years ahead, a unit mix-up)
  // would drag the watermark with it and make every later signal late: the observed time is
  // used instead, and the decision recorded.
  const int64_t skew = absl::ToInt64Nanoseconds(rules_->settings().max_future_skew);
  std::optional<core::Signal> clamped;  // Constructed only for a clamped alert (rare).
  int64_t clamped_from = 0;
  if (skew > 0 && !s.observed_time.is_zero() && t - s.observed_time.unix_nanos() > skew &&
      s.kind == core::SignalKind::kAlert) {
    ++stats_.future_clamped;
    // Both times move back by the same amount: its time lands on the observed time and a firing
    // alert's endsAt (skewed alike) keeps its distance from it.
    clamped_from = t;
    const absl::Duration back = absl::Nanoseconds(t - s.observed_time.unix_nanos());
    clamped.emplace(s);
    clamped->event_time = s.event_time + -back;
    if (!s.end_time.is_zero()) clamped->end_time = s.end_time + -back;
    t = s.observed_time.unix_nanos();
  }
  if (t - lateness - 1 > watermark_ && !timers_.empty() && timers_.top().time < t - lateness) {
    AdvanceWatermark(Ev(t - lateness - 1));
  }
  switch (s.kind) {
    case core::SignalKind::kAlert: ProcessAlert(batch, clamped ? *clamped : s, clamped_from); break;
    case core::SignalKind::kDeploy: ProcessDeploy(batch, s); break;
    default: ++stats_.ignored; break;
  }
}

void Shard::FinishBatch() {
  if (max_seen_ != INT64_MIN) {
    int64_t target = max_seen_ - absl::ToInt64Nanoseconds(rules_->settings().allowed_lateness);
    if (target > watermark_) AdvanceWatermark(Ev(target));
  }
}

void Shard::ProcessDeploy(const core::SignalBatch& batch, const core::Signal& s) {
  core::Deployment d;
  d.service = std::string(s.service.empty() ? core::FindLabel(batch.labels(s), "service") : s.service);
  d.env = std::string(s.env);
  d.version = std::string(s.version);
  d.color = s.color;
  d.started_at = s.event_time;
  d.source = "signal";
  d.link = std::string(s.link);
  d.id = fmt::format("{}/{}/{}@{}", d.service, d.env, d.version, core::FormatRfc3339(s.event_time.ToAbsl()));
  RecordDeployment(d);
}

void Shard::RecordDeployment(const core::Deployment& d) {
  if (d.service.empty()) return;
  ++stats_.deploys;
  auto& list = deploys_[d.service];
  for (const core::Deployment& o : list) {
    if (o.started_at == d.started_at && o.version == d.version) return;  // Same deploy twice.
  }
  list.push_back(d);
  std::sort(list.begin(), list.end(),
            [](const core::Deployment& a, const core::Deployment& b) { return a.started_at < b.started_at; });
  while (list.size() > static_cast<size_t>(rules_->config().deploys.max_per_service)) list.pop_front();
}

std::optional<core::AttributedDeploy> Shard::AttributeDeploy(std::string_view service, int64_t start) const {
  if (service.empty() || deploys_.empty()) return std::nullopt;
  const Topology& topo = rules_->topology();
  int id = topo.Id(service);
  int64_t window = absl::ToInt64Nanoseconds(rules_->config().deploys.window);
  const core::Deployment* best = nullptr;
  for (const auto& [svc, list] : deploys_) {
    bool relevant = svc == service;
    if (!relevant && id >= 0) {
      int other = topo.Id(svc);
      relevant = other >= 0 && topo.DependsOn(id, other);
    }
    if (!relevant) continue;
    for (const core::Deployment& d : list) {
      int64_t t = d.started_at.unix_nanos();
      if (t <= start && start - t <= window) {
        // Prefer the service's own deploy, then the most recent.
        bool own = d.service == service;
        bool best_own = best != nullptr && best->service == service;
        if (best == nullptr || (own && !best_own) ||
            (own == best_own && t > best->started_at.unix_nanos())) {
          best = &d;
        }
      }
    }
  }
  if (best == nullptr) return std::nullopt;
  return core::AttributedDeploy{best->service, best->version, best->env, best->started_at, best->link};
}

core::LabelView Shard::WithImpliedSeverity(const core::Signal& s, core::LabelView labels) {
  if (s.severity == core::Severity::kUnknown || !core::FindLabel(labels, "severity").empty()) return labels;
  implied_scratch_.assign(labels.begin(), labels.end());
  const core::Label sev{"severity", core::SeverityName(s.severity)};
  auto at = std::lower_bound(implied_scratch_.begin(), implied_scratch_.end(), sev,
                             [](const core::Label& x, const core::Label& y) { return x.name < y.name; });
  implied_scratch_.insert(at, sev);
  return core::LabelView(implied_scratch_);
}

void Shard::ProcessAlert(const core::SignalBatch& batch, const core::Signal& s, int64_t clamped_from) {
  ++stats_.alerts_in;
  core::LabelView labels = batch.labels(s);
  bool firing = s.state != core::SignalState::kResolved;
  int64_t t = s.event_time.unix_nanos();
  if (!firing && !s.end_time.is_zero()) t = s.end_time.unix_nanos();
  uint64_t fp = s.fingerprint.value();
  if (const DedupRule* rule = rules_->config().dedup.Find(s.format)) {
    fp = core::Fingerprint::OfSubset(labels, rule->labels).value();
  }
  auto it = alerts_.find(fp);
  AlertState* a = it == alerts_.end() ? nullptr : it->second.get();
  const int64_t own_t = t;
  if (t < watermark_) {
    // Late: applied at the watermark, never dropped. Senders re-send a firing alert with its
    // original startsAt (Prometheus every resend_delay, for as long as it fires), and a page that
    // arrives late is still a page; its own time stays its start and is in the decision.
    ++stats_.late;
    ++stats_.suppressed[static_cast<size_t>(SuppressReason::kLate)];
    Record(fp, a, DecisionKind::kLate, rules_->lateness_rule(), static_cast<uint64_t>(watermark_), t);
    if (a != nullptr) ++NoiseFor(a->noise, t).counts.late;
    t = watermark_;
  }
  if (t > max_seen_) max_seen_ = t;
  auto note_clamp = [&](AlertState* st) {
    if (clamped_from != 0)
      Record(fp, st, DecisionKind::kFutureClamped, rules_->future_skew_rule(), static_cast<uint64_t>(clamped_from), t);
  };
  if (a == nullptr) {
    if (!firing) {
      ++stats_.resolved_unknown;
      note_clamp(nullptr);
      return;
    }
    const bool implied = s.severity != core::Severity::kUnknown && core::FindLabel(labels, "severity").empty();
    a = CreateAlert(fp, batch, s, WithImpliedSeverity(s, labels), t, own_t);
    if (implied) a->more_flags |= kSeverityImplied;
    note_clamp(a);
    ++NoiseFor(a->noise, t).counts.signals;
    return;
  }
  note_clamp(a);
  ++NoiseFor(a->noise, t).counts.signals;
  // A firing signal with another known severity changes the alert's (Datadog Warn -> Alert, and
  // back), unless it is older than the alert's latest signal (a retried Warn after the Alert).
  // Its implied `severity` label follows; a label the source sent is identity and never changes.
  const bool severity_changed =
      firing && s.severity != core::Severity::kUnknown && s.severity != a->severity && t >= a->updated_at;
  const bool newest = t >= a->updated_at;
  a->updated_at = std::max(a->updated_at, t);
  if (severity_changed) {
    const bool relabel = (a->more_flags & kSeverityImplied) && core::FindLabel(labels, "severity").empty();
    ChangeSeverity(fp, *a, s.severity, relabel, t);
  }
  if (firing == a->raw_firing) {
    if (!severity_changed) {
      ++stats_.duplicates;
      ++stats_.suppressed[static_cast<size_t>(SuppressReason::kDedup)];
    }
    // A re-send carries the sender's current annotations (Prometheus templates {{ $value }} into
    // them) and generator URL: the newest signal's win, as in Alertmanager.
    if (newest && (s.annotations_count > 0 || !s.link.empty())) TakeAnnotations(*a, batch, s);
    if (firing && !s.end_time.is_zero()) {
      a->ends_at = s.end_time.unix_nanos();
      if (!(a->flags & kExpireTimer) && a->ends_at > t) {
        a->flags |= kExpireTimer;
        Schedule(a->ends_at, kExpire, fp);
      }
    }
    return;
  }
  // A state change.
  if (firing) {
    a->ends_at = s.end_time.is_zero() ? 0 : s.end_time.unix_nanos();
    if (a->ends_at > t && !(a->flags & kExpireTimer)) {
      a->flags |= kExpireTimer;
      Schedule(a->ends_at, kExpire, fp);
    }
  }
  if (s.annotations_count > 0) TakeAnnotations(*a, batch, s);
  ApplyState(fp, *a, firing, t, own_t);
}

void Shard::TakeAnnotations(AlertState& a, const core::SignalBatch& batch, const core::Signal& s) {
  a.labels.DecodeAnnotations(names_, &label_scratch2_);  // Sorted: the generator URL ("\x01...") first.
  const bool had_link = !label_scratch2_.empty() && label_scratch2_[0].name == kGeneratorKey;
  std::vector<core::Label>& next = annotation_scratch_;
  next.clear();
  std::string_view link = s.link;
  if (link.empty() && had_link) link = label_scratch2_[0].value;
  if (!link.empty()) next.push_back(core::Label{kGeneratorKey, link});
  if (s.annotations_count > 0) {
    for (const core::Label& l : batch.annotations(s)) next.push_back(l);
  } else {
    next.insert(next.end(), label_scratch2_.begin() + (had_link ? 1 : 0), label_scratch2_.end());
  }
  SortAnnotations(&next);
  if (next.size() == label_scratch2_.size() && std::equal(next.begin(), next.end(), label_scratch2_.begin(),
                                                          [](const core::Label& x, const core::Label& y) {
                                                            return x.name == y.name && x.value == y.value;
                                                          })) {
    return;  // A re-send with the same annotations: nothing to re-encode.
  }
  a.labels.Decode(names_, &label_scratch_);
  a.labels.Assign(label_scratch_, next, &names_);  // Views into the old block stay valid meanwhile.
}

Shard::AlertState* Shard::CreateAlert(uint64_t fp, const core::SignalBatch& batch, const core::Signal& s,
                                      core::LabelView labels, int64_t t, int64_t started, bool firing) {
  static_assert(sizeof(void*) != 8 || sizeof(AlertState) == 80, "docs/rules.md \"Memory\" gives 80 bytes");
  while (alerts_.size() >= static_cast<size_t>(rules_->settings().max_fingerprints_per_shard)) {
    EvictOldestAlert(t);
  }
  auto owned = std::make_unique<AlertState>();
  AlertState* a = owned.get();
  alerts_.emplace(fp, std::move(owned));
  // Annotations plus the generator URL, sorted by name ("\x01" sorts first).
  label_scratch2_.clear();
  if (!s.link.empty()) label_scratch2_.push_back(core::Label{kGeneratorKey, s.link});
  for (const core::Label& l : batch.annotations(s)) label_scratch2_.push_back(l);
  SortAnnotations(&label_scratch2_);
  a->labels.Assign(labels, label_scratch2_, &names_);
  a->starts_at = std::min(started, t);
  a->updated_at = t;
  a->last_change = t;
  a->ends_at = s.end_time.is_zero() ? 0 : s.end_time.unix_nanos();
  a->seq = ++alert_seq_;
  a->severity = s.severity != core::Severity::kUnknown ? s.severity
                                                       : core::SeverityFromLabel(core::FindLabel(labels, "severity"));
  alert_order_.emplace_back(fp, a->seq);
  const RouteTree& routes = rules_->routes();
  routes.Match(labels, &route_scratch_);
  a->route_set = InternRoutes(route_scratch_);
  a->noise = NoiseIndex(core::FindLabel(labels, "alertname"), routes.route(route_scratch_[0]).key);
  ++NoiseFor(a->noise, t).counts.alerts;
  Record(fp, a, DecisionKind::kDeduplicated, rules_->dedup_rule(), fp, t);
  if (!firing) {  // Restored resolved: kept for the API and a later refire, in no incident.
    a->firing = a->raw_firing = false;
    return a;
  }
  if (a->ends_at > t) {
    a->flags |= kExpireTimer;
    Schedule(a->ends_at, kExpire, fp);
  }
  UpdateInhibitSources(fp, *a, true);
  absl::Duration grace = rules_->config().transient.grace;
  if (grace > absl::ZeroDuration()) {
    a->flags |= kHeldTransient;
    Record(fp, a, DecisionKind::kHeldTransient, rules_->transient_rule(), 0, t);
    Schedule(t + absl::ToInt64Nanoseconds(grace), kTransientGrace, fp);
  } else {
    Admit(fp, *a, t);
  }
  return a;
}

void Shard::ApplyState(uint64_t fp, AlertState& a, bool firing, int64_t t, int64_t started) {
  a.raw_firing = firing;
  a.last_change = t;
  const FlappingConfig& flap = rules_->config().flapping;
  if (flap.enabled) {
    // Sliding window: the last `changes` change times; flapping when they span at most `window`.
    int64_t window = absl::ToInt64Nanoseconds(flap.window);
    size_t need = static_cast<size_t>(std::max(flap.changes, 1));
    std::vector<int64_t>& times = flap_history_[fp];
    times.push_back(t);
    size_t drop = 0;
    while (times.size() - drop > need || t - times[drop] > window) ++drop;
    times.erase(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(drop));
    if (!(a.flags & kHeldFlapping) && times.size() >= need) {
      a.flags |= kHeldFlapping;
      Record(fp, &a, DecisionKind::kHeldFlapping, rules_->flapping_rule(), times.size(), t);
      CountSuppressed(a.noise, SuppressReason::kFlapping, t);
      Schedule(t + absl::ToInt64Nanoseconds(flap.stable), kFlapStable, fp);
    }
  }
  if (a.flags & kHeldFlapping) return;  // Held: the incident does not see the change.
  if (a.firing == firing) return;
  a.firing = firing;
  if (!firing) {
    a.ends_at = t;
    Record(fp, &a, DecisionKind::kResolved, 0, 0, t);
    UpdateInhibitSources(fp, a, false);
    if (a.flags & kHeldTransient) {
      a.flags &= static_cast<uint8_t>(~kHeldTransient);
      Record(fp, &a, DecisionKind::kTransient, rules_->transient_rule(), 0, t);
      CountSuppressed(a.noise, SuppressReason::kTransient, t);
      return;
    }
    NoiseStats& ns = noise_[a.noise];
    if (ns.resolves.size() >= kMaxResolveSamples) ns.resolves.pop_front();
    ns.resolves.emplace_back(t, (t - a.starts_at) / kNanosPerSecond);
    MarkIncidentsDirty(fp, a, t, false);
  } else {
    a.starts_at = std::min(started, t);
    a.flags &= static_cast<uint8_t>(~(kSilencedNoted | kInhibitedNoted | kMaintNoted));
    Record(fp, &a, DecisionKind::kRefired, 0, 0, t);
    UpdateInhibitSources(fp, a, true);
    if (a.flags & kAdmitted) {
      if (!InAnyIncident(fp, a)) {
        Admit(fp, a, t);  // Its incidents closed: a new one opens.
      } else {
        MarkIncidentsDirty(fp, a, t, true);
        if (a.more_flags & kJoinPending) JoinNewRoutes(fp, a, t);  // Relabeled while resolved.
      }
    } else if (!(a.flags & kHeldTransient)) {
      Admit(fp, a, t);
    }
  }
}

void Shard::Admit(uint64_t fp, AlertState& a, int64_t t) {
  a.flags |= kAdmitted;
  a.more_flags &= static_cast<uint8_t>(~kJoinPending);
  for (int r : route_sets_[a.route_set]) {
    if (r >= 0 && static_cast<size_t>(r) < rules_->routes().size()) JoinIncident(fp, a, r, t);
  }
}

uint64_t Shard::IncidentIndexKey(int route_index, core::LabelView labels, core::LabelSet* group_labels,
                                 std::string* group_text, int* component) const {
  const CompiledRules& rules = *rules_;
  const Route& route = rules.routes().route(route_index);
  const RouteConfig& rc = *route.config;
  // Group labels (group_by, or all labels for '...').
  std::vector<core::Label> group;
  if (rc.group_by_all) {
    group.assign(labels.begin(), labels.end());
  } else {
    for (const std::string& name : rc.group_by) {
      std::string_view v = core::FindLabel(labels, name);
      if (!v.empty()) group.push_back(core::Label{name, v});
    }
  }
  *group_labels = core::LabelSet{core::LabelView(group)};
  *group_text = group_labels->ToString();
  std::string_view service = core::FindLabel(labels, "service");
  const Topology& topo = rules.topology();
  int sid = topo.Id(service);
  *component = sid >= 0 ? topo.Component(sid) : -1;
  // Keyed by the route's id (Alertmanager keys groups by the route itself: sibling `continue`
  // routes with the same matchers are separate routes, with their own ids) and receiver.
  return *component >= 0 ? Hash(fmt::format("{}\x1f{}\x1ftopo:{}", route.id, rc.receiver, topo.Name(*component)))
                         : Hash(fmt::format("{}\x1f{}\x1f{}", route.id, rc.receiver, *group_text));
}

void Shard::JoinIncident(uint64_t fp, AlertState& a, int route_index, int64_t t) {
  const CompiledRules& rules = *rules_;
  const Route& route = rules.routes().route(route_index);
  const RouteConfig& rc = *route.config;
  a.labels.Decode(names_, &label_scratch_);
  core::LabelView labels(label_scratch_);
  core::LabelSet group_labels;
  std::string group_text;
  int component = -1;
  const uint64_t index_key = IncidentIndexKey(route_index, labels, &group_labels, &group_text, &component);
  Incident* inc = nullptr;
  auto it = open_by_key_.find(index_key);
  if (it != open_by_key_.end()) {
    auto iit = incidents_.find(it->second);
    if (iit != incidents_.end() && iit->second.open) {
      Incident& cand = iit->second;
      int64_t window = absl::ToInt64Nanoseconds(rules.config().topology.window);
      if (component < 0 || t - cand.last_activity <= window) inc = &cand;
    }
  }
  bool created = false;
  if (inc == nullptr) {
    while (open_by_key_.size() >= static_cast<size_t>(rules.settings().max_groups_per_shard)) {
      EvictOldestIncident(t);
    }
    uint64_t serial = ++incident_serial_;
    Incident& n = incidents_[serial];
    n.serial = serial;
    n.rules = rules_;
    n.route = route_index;
    n.group_labels = std::move(group_labels);
    n.dedup = Hash(fmt::format("{}:{}", route.id, group_text));
    // Made of what a replay of the same input gives again (ADR 0057): the group, the alert that
    // opens it and when that alert started, as its sender said. Never the watermark it was applied
    // at (`t`), which a late alert takes from the wall clock in live mode: after a crash, the
    // intake journal's replay into an older checkpoint applied it at another watermark, and the
    // page it derived again carried another incident id, so the outbox could not tell it was sent.
    n.id_hash = Hash(fmt::format("{}@{}/{}", Hex(n.dedup), a.starts_at, Hex(fp)));
    n.id = Hex(n.id_hash);
    n.index_key = index_key;
    n.created_at = t;
    n.last_activity = t;
    n.next_flush = t + absl::ToInt64Nanoseconds(rc.group_wait);
    n.noise = NoiseIndex(core::FindLabel(labels, "alertname"), route.key);
    n.Note(t, fmt::format("opened by {} via {}", Hex(fp), route.name));
    open_by_key_[index_key] = serial;
    incident_order_.push_back(serial);
    Schedule(n.next_flush, kFlush, serial);
    ++stats_.incidents_opened;
    ++NoiseFor(n.noise, t).counts.incidents;
    inc = &n;
    created = true;
  }
  if (std::find(inc->members.begin(), inc->members.end(), fp) == inc->members.end()) {
    inc->members.push_back(fp);
    // Back before its resolve was sent there: a firing member again, under the same fingerprint.
    std::erase_if(inc->departed, [&](const Departed& d) { return d.fp == fp; });
    if (!created) inc->Note(t, fmt::format("{} joined", Hex(fp)));
    // An alert its last notification already listed (back after a restore, or refiring) is not
    // news to whoever acknowledged.
    if (inc->acked && !std::binary_search(inc->last_firing.begin(), inc->last_firing.end(), fp)) {
      inc->acked = false;
      inc->Note(t, "ack cleared: new member");
    }
  }
  if (a.severity > inc->max_severity) {
    if (inc->acked) {
      inc->acked = false;
      inc->Note(t, "ack cleared: severity rose");
    }
    inc->max_severity = a.severity;
  }
  // Reopened after a restore: the snapshot's id, ack, severity and notification state, taken
  // after its first member joined (which would otherwise clear the restored ack).
  if (created && !restored_incidents_.empty()) ApplyRestoredState(*inc);
  inc->last_activity = std::max(inc->last_activity, t);
  AddIncident(fp, a, inc->serial);
  Record(fp, &a, DecisionKind::kGrouped, rules.RouteRule(route_index), inc->id_hash, t);
}

uint32_t Shard::InternRoutes(const std::vector<int>& routes) {
  uint64_t h = XXH3_64bits(routes.data(), routes.size() * sizeof(int));
  auto [it, inserted] = route_set_index_.try_emplace(h, static_cast<uint32_t>(route_sets_.size()));
  if (!inserted && route_sets_[it->second] == routes) return it->second;
  if (!inserted) {  // Hash clash: a set of its own, unindexed.
    route_sets_.push_back(routes);
    return static_cast<uint32_t>(route_sets_.size() - 1);
  }
  route_sets_.push_back(routes);
  return it->second;
}

template <typename F>
void Shard::ForEachIncident(uint64_t fp, const AlertState& a, F&& f) {
  if (a.incident != 0) f(a.incident);
  if (extra_incidents_.empty()) return;
  auto it = extra_incidents_.find(fp);
  if (it == extra_incidents_.end()) return;
  std::vector<uint64_t> copy = it->second;  // `f` may change the list.
  for (uint64_t serial : copy) f(serial);
}

bool Shard::InAnyIncident(uint64_t fp, const AlertState& a) const {
  return a.incident != 0 || extra_incidents_.contains(fp);
}

void Shard::AddIncident(uint64_t fp, AlertState& a, uint64_t serial) {
  if (a.incident == serial) return;
  if (a.incident == 0) {
    a.incident = serial;
    return;
  }
  std::vector<uint64_t>& more = extra_incidents_[fp];
  if (std::find(more.begin(), more.end(), serial) == more.end()) more.push_back(serial);
}

void Shard::DropIncident(uint64_t fp, AlertState& a, uint64_t serial) {
  auto it = extra_incidents_.find(fp);
  if (a.incident == serial) {
    a.incident = 0;
    if (it != extra_incidents_.end()) {  // Promote one from the side table.
      a.incident = it->second.back();
      it->second.pop_back();
    }
  } else if (it != extra_incidents_.end()) {
    std::erase(it->second, serial);
  }
  if (it != extra_incidents_.end() && it->second.empty()) extra_incidents_.erase(it);
}

void Shard::MarkIncidentsDirty(uint64_t fp, AlertState& a, int64_t t, bool refire) {
  ForEachIncident(fp, a, [&](uint64_t serial) {
    auto it = incidents_.find(serial);
    if (it == incidents_.end() || !it->second.open) return;
    Incident& inc = it->second;
    inc.last_activity = std::max(inc.last_activity, t);
    if (refire && inc.acked) {
      inc.acked = false;
      inc.Note(t, "ack cleared: member fired again");
    }
  });
}

void Shard::ChangeSeverity(uint64_t fp, AlertState& a, core::Severity severity, bool relabel, int64_t t) {
  const core::Severity old = a.severity;
  a.severity = severity;
  // Old labels and annotations, owned: the label block is replaced below.
  a.labels.Decode(names_, &label_scratch_);
  relabel = relabel && !core::FindLabel(label_scratch_, "severity").empty();
  Record(fp, &a, DecisionKind::kSeverityChanged, 0,
         static_cast<uint64_t>(old) | static_cast<uint64_t>(severity) << 8 | uint64_t{relabel} << 16, t);
  if (relabel) {
    const core::LabelSet old_labels{core::LabelView(label_scratch_)};
    a.labels.DecodeAnnotations(names_, &label_scratch2_);
    const core::LabelSet annotations{core::LabelView(label_scratch2_)};
    // Inhibition: UpdateInhibitSources visits the rules whose source matchers match the labels it
    // is given, so the alert is taken out under its old labels and put back under its new ones.
    if (a.firing) UpdateInhibitSources(fp, a, false);
    std::vector<core::Label> labels(old_labels.view().begin(), old_labels.view().end());
    for (core::Label& l : labels) {
      if (l.name == "severity") l.value = core::SeverityName(severity);
    }
    a.labels.Assign(labels, annotations.view(), &names_);
    if (a.firing) UpdateInhibitSources(fp, a, true);
    rules_->routes().Match(labels, &route_scratch_);
    a.route_set = InternRoutes(route_scratch_);
    LeaveUnmatchedIncidents(fp, a, old_labels, annotations, old, t);
    if ((a.flags & kAdmitted) && a.firing && !(a.flags & kHeldFlapping)) {
      JoinNewRoutes(fp, a, t);
    } else {
      // Held or not admitted yet: Admit (transient grace), the refire (ApplyState) or the release
      // (flapping) joins them.
      a.more_flags |= kJoinPending;
    }
  }
  if (severity <= old) return;  // A fall shows at the next notification (repeat, or a change).
  // In the incidents it is in (joined just now: JoinIncident did this), a rise above what the
  // incident last notified is news: FlushIncident notifies it, and an ack no longer holds.
  std::vector<uint64_t> serials;
  ForEachIncident(fp, a, [&](uint64_t serial) { serials.push_back(serial); });
  for (uint64_t serial : serials) {
    auto it = incidents_.find(serial);
    if (it == incidents_.end() || !it->second.open) continue;
    Incident& inc = it->second;
    inc.max_severity = std::max(inc.max_severity, severity);
    if (severity > inc.notified_severity && inc.acked) {
      inc.acked = false;
      inc.Note(t, "ack cleared: severity rose");
    }
  }
}

void Shard::LeaveUnmatchedIncidents(uint64_t fp, AlertState& a, const core::LabelSet& old_labels,
                                    const core::LabelSet& old_annotations, core::Severity old_severity, int64_t t) {
  if (!InAnyIncident(fp, a)) return;
  // The index keys of its routes under its new labels: an incident with one of them is still its.
  std::vector<core::Label> labels;
  a.labels.Decode(names_, &labels);
  std::vector<uint64_t> keys;
  core::LabelSet group;
  std::string group_text;
  int component = -1;
  for (int r : route_sets_[a.route_set]) {
    if (r >= 0 && static_cast<size_t>(r) < rules_->routes().size())
      keys.push_back(IncidentIndexKey(r, labels, &group, &group_text, &component));
  }
  std::vector<uint64_t> serials;  // Collected first: DropIncident reorders the alert's list.
  ForEachIncident(fp, a, [&](uint64_t serial) { serials.push_back(serial); });
  for (uint64_t serial : serials) {
    auto it = incidents_.find(serial);
    if (it == incidents_.end() || !it->second.open) continue;
    Incident& inc = it->second;
    if (std::find(keys.begin(), keys.end(), inc.index_key) != keys.end()) continue;
    std::erase(inc.members, fp);
    DropIncident(fp, a, serial);
    inc.last_activity = std::max(inc.last_activity, t);
    inc.Note(t, fmt::format("{} left: severity {} -> {}, its labels no longer match this route's group", Hex(fp),
                            core::SeverityName(old_severity), core::SeverityName(a.severity)));
    // The receiver was told it fires, under its old labels: it is told that alert resolved.
    if (std::binary_search(inc.last_firing.begin(), inc.last_firing.end(), fp)) {
      std::erase_if(inc.departed, [&](const Departed& d) { return d.fp == fp; });
      inc.departed.push_back(Departed{fp, old_labels, old_annotations, a.starts_at, a.firing ? t : a.ends_at});
    }
  }
}

void Shard::JoinNewRoutes(uint64_t fp, AlertState& a, int64_t t) {
  a.more_flags &= static_cast<uint8_t>(~kJoinPending);
  std::vector<uint64_t> have;  // The index keys of its incidents.
  ForEachIncident(fp, a, [&](uint64_t serial) {
    auto it = incidents_.find(serial);
    if (it != incidents_.end()) have.push_back(it->second.index_key);
  });
  std::vector<core::Label> labels;
  a.labels.Decode(names_, &labels);
  core::LabelSet group;
  std::string group_text;
  int component = -1;
  const std::vector<int> routes = route_sets_[a.route_set];  // A copy: JoinIncident may intern.
  for (int r : routes) {
    if (r < 0 || static_cast<size_t>(r) >= rules_->routes().size()) continue;
    const uint64_t key = IncidentIndexKey(r, labels, &group, &group_text, &component);
    if (std::find(have.begin(), have.end(), key) == have.end()) JoinIncident(fp, a, r, t);
  }
}

void Shard::UpdateInhibitSources(uint64_t fp, const AlertState& a, bool add) {
  const auto& rules = rules_->config().inhibit_rules;
  if (rules.empty()) return;
  a.labels.Decode(names_, &label_scratch2_);
  core::LabelView labels(label_scratch2_);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!MatchesAll(rules[i].source_matchers, labels)) continue;
    uint64_t eq = core::Fingerprint::OfSubset(labels, rules[i].equal).value();
    auto& list = inhibit_sources_[i][eq];
    list.erase(std::remove_if(list.begin(), list.end(), [&](const SourceRef& r) { return r.fp == fp; }), list.end());
    if (add) list.push_back(SourceRef{fp, a.starts_at, MatchesAll(rules[i].target_matchers, labels)});
    if (list.empty()) inhibit_sources_[i].erase(eq);
  }
}

void Shard::RefreshSilences() {
  if (silencer_ == nullptr) return;
  uint64_t v = silencer_->version();
  if (v == silence_version_) return;
  silences_ = silencer_->Snapshot();
  silence_version_ = v;
}

bool Shard::Muted(uint64_t fp, AlertState& a, int64_t now, std::vector<std::string>* silenced_by,
                  std::vector<std::string>* inhibited_by, bool record) {
  a.labels.Decode(names_, &label_scratch_);
  core::LabelView labels(label_scratch_);
  bool muted = false;
  // Silences.
  RefreshSilences();
  if (silences_) {
    for (const Silence& s : *silences_) {
      if (!s.Mutes(labels, Ev(now).ToAbsl())) continue;
      muted = true;
      if (silenced_by) silenced_by->push_back(s.id);
      if (record && !(a.flags & kSilencedNoted)) {
        a.flags |= kSilencedNoted;
        Record(fp, &a, DecisionKind::kSilenced, rules_->silence_rule(), InternSilenceId(s.id), now);
        CountSuppressed(a.noise, SuppressReason::kSilenced, now);
      }
      if (!silenced_by) break;
    }
  }
  if (!muted && record) a.flags &= static_cast<uint8_t>(~kSilencedNoted);
  // Inhibition.
  const auto& irules = rules_->config().inhibit_rules;
  bool inhibited = false;
  for (size_t i = 0; i < irules.size() && (!inhibited || inhibited_by); ++i) {
    const InhibitRuleConfig& r = irules[i];
    if (!MatchesAll(r.target_matchers, labels)) continue;
    uint64_t eq = core::Fingerprint::OfSubset(labels, r.equal).value();
    auto it = inhibit_sources_[i].find(eq);
    if (it == inhibit_sources_[i].end()) continue;
    bool self_source = MatchesAll(r.source_matchers, labels);
    for (const SourceRef& src : it->second) {
      if (src.fp == fp) continue;
      if (self_source && src.matches_target) continue;
      if (r.source_started_before_target && src.start > a.starts_at) continue;
      inhibited = true;
      if (inhibited_by) {
        auto sit = alerts_.find(src.fp);
        if (sit != alerts_.end()) {
          sit->second->labels.Decode(names_, &label_scratch2_);
          inhibited_by->push_back(Hex(core::AlertmanagerFingerprint(label_scratch2_)));
        }
      }
      if (record && !(a.flags & kInhibitedNoted)) {
        a.flags |= kInhibitedNoted;
        Record(fp, &a, DecisionKind::kInhibited, rules_->InhibitRule(i), src.fp, now);
        CountSuppressed(a.noise, SuppressReason::kInhibited, now);
      }
      break;
    }
  }
  if (!inhibited && record) a.flags &= static_cast<uint8_t>(~kInhibitedNoted);
  muted = muted || inhibited;
  // Maintenance windows.
  const RulesConfig& cfg = rules_->config();
  bool maint = false;
  for (size_t i = 0; i < cfg.maintenance_windows.size() && !maint; ++i) {
    const MaintenanceWindowConfig& w = cfg.maintenance_windows[i];
    bool open;
    if (!w.time_interval.empty()) {
      const NamedTimeInterval* ti = cfg.FindTimeInterval(w.time_interval);
      open = ti != nullptr && ti->Contains(Ev(now).ToAbsl());
    } else {
      open = now >= w.start.unix_nanos() && now < w.end.unix_nanos();
    }
    if (!open || !MatchesAll(w.matchers, labels)) continue;
    maint = true;
    if (record && !(a.flags & kMaintNoted)) {
      a.flags |= kMaintNoted;
      Record(fp, &a, DecisionKind::kMaintenance, rules_->MaintenanceRule(i), 0, now);
      CountSuppressed(a.noise, SuppressReason::kMaintenance, now);
    }
  }
  if (!maint && record) a.flags &= static_cast<uint8_t>(~kMaintNoted);
  return muted || maint;
}

void Shard::AdvanceWatermark(core::EventTime t) {
  int64_t target = t.unix_nanos();
  if (target <= watermark_) return;
  advance_target_ = target;
  while (!timers_.empty() && timers_.top().time <= target) {
    Timer timer = timers_.top();
    timers_.pop();
    watermark_ = std::max(watermark_, timer.time);
    FireTimer(timer);
  }
  advance_target_ = INT64_MIN;
  watermark_ = target;
  if (next_gc_ == INT64_MIN) next_gc_ = target + 60 * kNanosPerSecond;
  if (target >= next_gc_) {
    GarbageCollect(target);
    next_gc_ = target + 60 * kNanosPerSecond;
  }
}

void Shard::FireTimer(const Timer& t) {
  switch (t.kind) {
    case kFlush: {
      auto it = incidents_.find(t.target);
      if (it == incidents_.end() || !it->second.open || it->second.next_flush != t.time) return;
      FlushIncident(it->second, t.time);
      return;
    }
    case kExpire: {
      auto it = alerts_.find(t.target);
      if (it == alerts_.end()) return;
      AlertState& a = *it->second;
      a.flags &= static_cast<uint8_t>(~kExpireTimer);
      if (!a.raw_firing || a.ends_at == 0) return;
      if (a.ends_at > t.time) {
        a.flags |= kExpireTimer;
        Schedule(a.ends_at, kExpire, t.target);
        return;
      }
      ApplyState(t.target, a, false, t.time);
      return;
    }
    case kFlapStable: {
      auto it = alerts_.find(t.target);
      if (it == alerts_.end()) return;
      AlertState& a = *it->second;
      if (!(a.flags & kHeldFlapping)) return;
      int64_t stable_ns = absl::ToInt64Nanoseconds(rules_->config().flapping.stable);
      if (t.time - a.last_change < stable_ns) {
        Schedule(a.last_change + stable_ns, kFlapStable, t.target);
        return;
      }
      a.flags &= static_cast<uint8_t>(~kHeldFlapping);
      flap_history_.erase(t.target);
      Record(t.target, &a, DecisionKind::kReleasedFlapping, rules_->flapping_rule(), 0, t.time);
      if (a.firing != a.raw_firing) {
        ApplyState(t.target, a, a.raw_firing, t.time);
        flap_history_.erase(t.target);
      }
      // Relabeled while held (its severity changed): its new routes now.
      if ((a.more_flags & kJoinPending) && a.firing && (a.flags & kAdmitted)) JoinNewRoutes(t.target, a, t.time);
      return;
    }
    case kTransientGrace: {
      auto it = alerts_.find(t.target);
      if (it == alerts_.end()) return;
      AlertState& a = *it->second;
      if (!(a.flags & kHeldTransient)) return;
      a.flags &= static_cast<uint8_t>(~kHeldTransient);
      if (a.firing) Admit(t.target, a, t.time);
      return;
    }
    case kStormClose: {
      size_t i = static_cast<size_t>(t.target);
      if (i >= storms_.size() || !storms_[i]->open) return;
      StormState& st = *storms_[i];
      int64_t window = absl::ToInt64Nanoseconds(rules_->config().rate_limits[i].window);
      if (t.time - st.last_rollup < window) {
        Schedule(st.last_rollup + window, kStormClose, t.target);
        return;
      }
      SendStormPage(static_cast<int>(i), t.time, true);
      st.open = false;
      return;
    }
  }
}

void Shard::SendStormPage(int rl, int64_t now, bool resolved) {
  const RateLimitConfig& cfg = rules_->config().rate_limits[static_cast<size_t>(rl)];
  StormState& st = *storms_[static_cast<size_t>(rl)];
  core::Notification n;
  n.kind = core::NotificationKind::kStorm;
  n.status = resolved ? core::NotificationStatus::kResolved : core::NotificationStatus::kFiring;
  n.receiver = cfg.storm_receiver;
  n.dedup_key = Hex(Hash(fmt::format("storm/{}@{}", cfg.receiver, st.opened_at)));
  n.incident_id = n.dedup_key;
  n.sequence = ++st.sequence;
  n.time = Ev(now);
  n.firing_count = static_cast<uint32_t>(st.count);
  n.summary = resolved ? fmt::format("[STORM RESOLVED] {} incidents were rolled up for {}", st.count, cfg.receiver)
                       : fmt::format("[STORM] more than {} pages per {} for {}: further incidents roll up here",
                                     cfg.pages, core::DurationToString(cfg.window), cfg.receiver);
  n.severity = core::Severity::kCritical;
  n.group_key = fmt::format("storm/{}", cfg.receiver);
  n.external_url = rules_->settings().external_url.empty() ? "" : rules_->settings().external_url + "/api/v1/incidents";
  ++stats_.notifications;
  if (!resolved) ++stats_.storm_pages;
  sink_->Send(std::move(n));
}

void Shard::ComputeRootCause(Incident& inc) const {
  const Topology& topo = inc.rules->topology();
  struct Cand {
    std::string service;
    int id;
    int64_t start;
    bool firing;
  };
  std::vector<Cand> cands;
  std::vector<core::Label> tmp;
  for (uint64_t fp : inc.members) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end()) continue;
    it->second->labels.Decode(names_, &tmp);
    std::string svc(core::FindLabel(tmp, "service"));
    if (svc.empty()) continue;
    cands.push_back({svc, topo.Id(svc), it->second->starts_at, it->second->firing});
  }
  bool any_firing = std::any_of(cands.begin(), cands.end(), [](const Cand& c) { return c.firing; });
  const Cand* best = nullptr;
  std::set<std::string> services;
  for (const Cand& c : cands) services.insert(c.service);
  for (const Cand& c : cands) {
    if (any_firing && !c.firing) continue;
    bool has_upstream = false;
    if (c.id >= 0) {
      for (const Cand& o : cands) {
        if ((any_firing && !o.firing) || o.id < 0 || o.id == c.id) continue;
        if (topo.DependsOn(c.id, o.id)) has_upstream = true;
      }
    }
    if (has_upstream) continue;
    if (best == nullptr || c.start < best->start || (c.start == best->start && c.service < best->service)) best = &c;
  }
  inc.root_cause = best ? best->service : "";
  inc.impacted.clear();
  for (const std::string& s : services) {
    if (s != inc.root_cause) inc.impacted.push_back(s);
  }
  // Deploy: the root cause's first, else any member's (earliest member first).
  inc.deploy.reset();
  if (best != nullptr) inc.deploy = AttributeDeploy(best->service, best->start);
  if (!inc.deploy) {
    for (const Cand& c : cands) {
      inc.deploy = AttributeDeploy(c.service, c.start);
      if (inc.deploy) break;
    }
  }
}

void Shard::FlushIncident(Incident& inc, int64_t now) {
  const CompiledRules& rules = *inc.rules;
  const Route& route = rules.routes().route(inc.route);
  const RouteConfig& rc = *route.config;
  std::vector<uint64_t> firing, resolved;
  bool any_firing = false;
  for (uint64_t fp : inc.members) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end()) continue;
    AlertState& a = *it->second;
    if (a.flags & kHeldFlapping) {
      any_firing = true;  // Held: neither notified nor allowed to close the incident.
      continue;
    }
    if (a.firing) {
      any_firing = true;
      if (!Muted(fp, a, now, nullptr, nullptr, true)) firing.push_back(fp);
    } else {
      resolved.push_back(fp);
    }
  }
  std::sort(firing.begin(), firing.end());
  std::sort(resolved.begin(), resolved.end());
  auto reschedule = [&] {
    const int64_t interval = std::max<int64_t>(1, absl::ToInt64Nanoseconds(rc.group_interval));
    inc.next_flush = now + interval;
    // Ticks further than the catch-up horizon behind this advance's target collapse into the
    // first tick within it (see the header).
    if (advance_target_ != INT64_MIN) {
      const int64_t horizon_start =
          advance_target_ - absl::ToInt64Nanoseconds(rules.settings().catch_up_horizon);
      if (inc.next_flush < horizon_start)
        inc.next_flush += (horizon_start - inc.next_flush + interval - 1) / interval * interval;
    }
    Schedule(inc.next_flush, kFlush, inc.serial);
  };
  auto finish = [&] {
    if (!any_firing) {
      CloseIncident(inc, now);
    } else {
      reschedule();
    }
  };
  // Resolved alerts that were never notified firing are not sent (Alertmanager's notification log).
  std::vector<uint64_t> resolved_to_send;
  for (uint64_t fp : resolved) {
    if (std::binary_search(inc.last_firing.begin(), inc.last_firing.end(), fp)) resolved_to_send.push_back(fp);
  }
  // Alerts that left (their implied severity label moved them elsewhere) resolve here, as they
  // were notified. Never members: JoinIncident drops the entry of one that comes back.
  std::vector<const Departed*> departed_to_send;
  for (const Departed& d : inc.departed) {
    if (!std::binary_search(inc.last_firing.begin(), inc.last_firing.end(), d.fp)) continue;
    departed_to_send.push_back(&d);
    resolved_to_send.push_back(d.fp);
  }
  if (!departed_to_send.empty()) std::sort(resolved_to_send.begin(), resolved_to_send.end());
  if (firing.empty() && resolved_to_send.empty()) return finish();
  // Route time intervals.
  bool time_muted = false;
  absl::Time at = Ev(now).ToAbsl();
  for (const std::string& name : rc.mute_time_intervals) {
    const NamedTimeInterval* ti = rules.config().FindTimeInterval(name);
    if (ti && ti->Contains(at)) time_muted = true;
  }
  if (!rc.active_time_intervals.empty()) {
    bool active = false;
    for (const std::string& name : rc.active_time_intervals) {
      const NamedTimeInterval* ti = rules.config().FindTimeInterval(name);
      if (ti && ti->Contains(at)) active = true;
    }
    if (!active) time_muted = true;
  }
  if (time_muted) {
    if (!inc.time_muted_noted) {
      inc.time_muted_noted = true;
      inc.Note(now, "notification held by the route's time intervals");
      for (uint64_t fp : firing) {
        auto it = alerts_.find(fp);
        Record(fp, it->second.get(), DecisionKind::kTimeMuted, rules.RouteRule(inc.route), 0, now);
        CountSuppressed(it->second->noise, SuppressReason::kTimeMuted, now);
      }
    }
    return finish();
  }
  inc.time_muted_noted = false;
  core::Severity firing_severity = core::Severity::kUnknown;
  for (uint64_t fp : firing) firing_severity = std::max(firing_severity, alerts_.find(fp)->second->severity);
  // Alertmanager's needsUpdate, plus a severity rise of a member it listed.
  bool need;
  bool repeat_only = false;
  if (!inc.has_entry) {
    need = !firing.empty();
  } else if (!IsSubset(firing, inc.last_firing)) {
    need = true;
  } else if (firing.empty()) {
    need = !inc.last_firing.empty();
  } else if (!IsSubset(resolved_to_send, inc.last_resolved)) {
    need = true;
  } else if (firing_severity > inc.notified_severity) {
    need = true;
  } else {
    need = now - inc.last_notify_at >= absl::ToInt64Nanoseconds(rc.repeat_interval);
    repeat_only = need;
  }
  if (need && repeat_only && inc.acked) {
    inc.Note(now, fmt::format("repeat held: acknowledged by {}", inc.acked_by));
    need = false;
  }
  if (!need) return finish();
  auto commit = [&] {
    inc.has_entry = true;
    inc.last_firing = firing;
    inc.last_resolved = resolved_to_send;
    inc.last_notify_at = now;
    inc.notified_severity = firing_severity;
    inc.departed.clear();  // Sent (or, for noise and storms, decided), and no longer in last_firing.
  };
  // Class noise: recorded, never notified.
  if (rc.route_class == RouteClass::kNoise) {
    for (uint64_t fp : firing) {
      AlertState& a = *alerts_.find(fp)->second;
      if (!(a.flags & kNoiseNoted)) {
        a.flags |= kNoiseNoted;
        Record(fp, &a, DecisionKind::kNoise, rules.RouteRule(inc.route), 0, now);
        CountSuppressed(a.noise, SuppressReason::kNoiseClass, now);
      }
    }
    commit();
    return finish();
  }
  std::string receiver = rc.receiver;
  if (rc.route_class == RouteClass::kInvestigate && !rc.low_urgency_receiver.empty()) receiver = rc.low_urgency_receiver;
  if (inc.rolled) {
    commit();
    return finish();
  }
  // Rate limit on the first page of an incident.
  if (!inc.paged && !firing.empty()) {
    int rl = rules_->RateLimitFor(receiver);
    if (rl >= 0 && static_cast<size_t>(rl) < storms_.size()) {
      StormState& st = *storms_[static_cast<size_t>(rl)];
      if (!st.bucket.TryTake(now)) {
        inc.rolled = true;
        ++stats_.rolled_into_storm;
        if (!st.open) {
          st.open = true;
          st.opened_at = now;
          st.count = 0;
          st.sequence = 0;
        }
        ++st.count;
        st.last_rollup = now;
        uint64_t storm_id = Hash(fmt::format("storm/{}@{}", receiver, st.opened_at));
        inc.Note(now, fmt::format("rate limited: rolled into storm {}", Hex(storm_id)));
        for (uint64_t fp : firing) {
          AlertState& a = *alerts_.find(fp)->second;
          Record(fp, &a, DecisionKind::kStorm, rules_->RateLimitRule(static_cast<size_t>(rl)), storm_id, now);
          CountSuppressed(a.noise, SuppressReason::kStormRollup, now);
        }
        if (st.count == 1) {
          SendStormPage(rl, now, false);
          Schedule(now + absl::ToInt64Nanoseconds(rules_->config().rate_limits[static_cast<size_t>(rl)].window),
                   kStormClose, static_cast<uint64_t>(rl));
        }
        commit();
        return finish();
      }
    }
  }
  // Build the notification.
  ComputeRootCause(inc);
  core::Notification n;
  n.kind = core::NotificationKind::kIncident;
  n.status = firing.empty() ? core::NotificationStatus::kResolved : core::NotificationStatus::kFiring;
  n.receiver = receiver;
  n.dedup_key = Hex(inc.dedup);
  n.incident_id = inc.id;
  n.sequence = ++sequence_by_dedup_[inc.dedup];
  n.time = Ev(now);
  n.group_key = fmt::format("{}:{}", route.key, inc.group_labels.ToString());
  n.group_labels = inc.group_labels;
  n.firing_count = static_cast<uint32_t>(firing.size());
  n.resolved_count = static_cast<uint32_t>(resolved_to_send.size());
  n.root_cause_service = inc.root_cause;
  n.impacted_services = inc.impacted;
  n.deploy = inc.deploy;
  n.runbook = rc.runbook;
  if (!rc.runbook.empty() && !rules.settings().runbook_base_url.empty()) n.runbook_url = rules.settings().runbook_base_url + rc.runbook;
  if (!rules.settings().external_url.empty()) n.external_url = fmt::format("{}/api/v1/incidents/{}", rules.settings().external_url, inc.id);
  size_t max_alerts = static_cast<size_t>(rules.settings().max_alerts_per_notification);
  std::vector<std::pair<std::string, std::string>> common;
  std::vector<std::pair<std::string, std::string>> common_ann;
  bool first = true;
  core::Severity sev = core::Severity::kUnknown;
  std::string title;
  std::vector<core::Label> ann;
  // The members in Alertmanager's order (core/alertmanager_alert_order.h), firing and resolved together, as
  // its dispatcher sorts them: the cut at max_alerts keeps the same alerts every time.
  struct Member {
    uint64_t fp;
    AlertState* alert;          // Null for a departed alert.
    const Departed* departed;   // Its labels as notified here, for a departed alert.
    std::vector<core::Label> labels;
  };
  std::vector<Member> members;
  members.reserve(firing.size() + resolved_to_send.size());
  for (const std::vector<uint64_t>* list : {&firing, &resolved}) {
    for (uint64_t fp : *list) {
      if (list == &resolved && !std::binary_search(resolved_to_send.begin(), resolved_to_send.end(), fp)) continue;
      Member& m = members.emplace_back(Member{fp, alerts_.find(fp)->second.get(), nullptr, {}});
      m.alert->labels.Decode(names_, &m.labels);
    }
  }
  for (const Departed* d : departed_to_send) {
    members.push_back(Member{d->fp, nullptr, d, {d->labels.view().begin(), d->labels.view().end()}});
  }
  std::stable_sort(members.begin(), members.end(), [](const Member& x, const Member& y) {
    return core::AlertmanagerAlertBefore(x.labels, y.labels);
  });
  for (Member& m : members) {
    const uint64_t fp = m.fp;
    const std::vector<core::Label>& lab = m.labels;
    const bool member_firing = m.alert != nullptr && m.alert->firing;
    if (m.alert != nullptr) {
      m.alert->labels.DecodeAnnotations(names_, &ann);
    } else {
      ann.assign(m.departed->annotations.view().begin(), m.departed->annotations.view().end());
    }
    if (member_firing) sev = std::max(sev, m.alert->severity);
    if (first) {
      for (const core::Label& l : lab) common.emplace_back(std::string(l.name), std::string(l.value));
      for (const core::Label& l : ann) {
        if (l.name != kGeneratorKey) common_ann.emplace_back(std::string(l.name), std::string(l.value));
      }
      title = std::string(core::FindLabel(lab, "alertname"));
      first = false;
    } else {
      std::erase_if(common, [&](const auto& p) { return core::FindLabel(lab, p.first) != p.second; });
      std::erase_if(common_ann, [&](const auto& p) { return core::FindLabel(ann, p.first) != p.second; });
    }
    AlertState* logged = m.alert;
    if (logged == nullptr) {  // A departed alert's own log, while it is still held.
      auto it = alerts_.find(fp);
      if (it != alerts_.end()) logged = it->second.get();
    }
    if (logged != nullptr) Record(fp, logged, DecisionKind::kNotified, rules.RouteRule(inc.route), n.sequence, now);
    if (n.alerts.size() >= max_alerts) {
      ++n.truncated_alerts;
      continue;
    }
    core::NotifiedAlert na;
    na.labels = core::LabelSet(core::LabelView(lab));
    std::vector<core::Label> plain;
    for (const core::Label& l : ann) {
      if (l.name == kGeneratorKey) {
        na.generator_url = std::string(l.value);
      } else {
        plain.push_back(l);
      }
    }
    na.annotations = core::LabelSet(core::LabelView(plain));
    na.starts_at = Ev(m.alert != nullptr ? m.alert->starts_at : m.departed->starts_at);
    na.resolved = !member_firing;
    if (!member_firing) na.ends_at = Ev(m.alert != nullptr ? m.alert->ends_at : m.departed->ends_at);
    na.fingerprint = Hex(core::AlertmanagerFingerprint(lab));
    n.alerts.push_back(std::move(na));
  }
  if (sev == core::Severity::kUnknown) sev = inc.max_severity;
  n.severity = sev;
  n.common_labels = core::LabelSet::FromPairs(common);
  n.common_annotations = core::LabelSet::FromPairs(common_ann);
  std::string subject = std::string(n.common_labels.Get("alertname"));
  if (subject.empty()) {
    subject = title;
    for (const core::NotifiedAlert& na : n.alerts) {
      if (!na.resolved && na.labels.Get("service") == inc.root_cause) {
        subject = std::string(na.labels.Get("alertname"));
        break;
      }
    }
  }
  n.summary = fmt::format("[{}:{}] {}", firing.empty() ? "RESOLVED" : "FIRING", firing.empty() ? resolved_to_send.size() : firing.size(), subject);
  if (!inc.root_cause.empty()) n.summary += fmt::format(" (root cause: {})", inc.root_cause);
  if (n.deploy) n.summary += fmt::format(" after deploy {} {}", n.deploy->service, n.deploy->version);
  inc.receiver = receiver;
  if (inc.sent.size() >= kMaxSent) inc.sent.erase(inc.sent.begin());
  inc.sent.push_back(SentNotification{Ev(now), receiver, firing.empty() ? "resolved" : "firing", n.sequence,
                                      n.firing_count, n.resolved_count});
  inc.Note(now, fmt::format("notified {} ({}, {} firing, {} resolved)", receiver, firing.empty() ? "resolved" : "firing",
                            n.firing_count, n.resolved_count));
  ++stats_.notifications;
  if (!firing.empty()) {
    ++stats_.pages;
    ++NoiseFor(inc.noise, now).counts.pages;
    inc.paged = true;
  }
  commit();
  sink_->Send(std::move(n));
  finish();
}

void Shard::CloseIncident(Incident& inc, int64_t now) {
  inc.open = false;
  inc.resolved_at = now;
  inc.departed.clear();
  inc.Note(now, "closed: all members resolved");
  auto it = open_by_key_.find(inc.index_key);
  if (it != open_by_key_.end() && it->second == inc.serial) open_by_key_.erase(it);
  for (uint64_t fp : inc.members) {
    auto ait = alerts_.find(fp);
    if (ait == alerts_.end()) continue;
    DropIncident(fp, *ait->second, inc.serial);
  }
}

void Shard::RemoveAlert(uint64_t fp, AlertState& a) {
  if (a.firing) UpdateInhibitSources(fp, a, false);
  extra_incidents_.erase(fp);
  flap_history_.erase(fp);
  alerts_.erase(fp);
}

void Shard::EvictOldestAlert(int64_t t) {
  while (!alert_order_.empty()) {
    auto [fp, seq] = alert_order_.front();
    alert_order_.pop_front();
    auto it = alerts_.find(fp);
    if (it == alerts_.end() || it->second->seq != seq) continue;
    ++stats_.evicted_alerts;
    Record(fp, nullptr, DecisionKind::kEvicted, rules_->eviction_rule(), 0, t);
    RemoveAlert(fp, *it->second);
    return;
  }
}

void Shard::EvictOldestIncident(int64_t t) {
  while (!incident_order_.empty()) {
    uint64_t serial = incident_order_.front();
    incident_order_.pop_front();
    auto it = incidents_.find(serial);
    if (it == incidents_.end() || !it->second.open) continue;
    ++stats_.evicted_incidents;
    it->second.Note(t, "evicted: correlate.max_groups_per_shard reached");
    CloseIncident(it->second, t);
    return;
  }
}

void Shard::GarbageCollect(int64_t now) {
  int64_t retention = absl::ToInt64Nanoseconds(rules_->settings().incident_retention);
  // Restored incident states whose alerts never came back (resolved, or the rules changed).
  for (auto it = restored_incidents_.begin(); it != restored_incidents_.end();) {
    if (now - it->second.last_notify_at > retention) {
      restored_incidents_.erase(it++);
    } else {
      ++it;
    }
  }
  for (auto it = incidents_.begin(); it != incidents_.end();) {
    if (!it->second.open && now - it->second.resolved_at > retention) {
      incidents_.erase(it++);
    } else {
      ++it;
    }
  }
  std::vector<uint64_t> drop;
  for (auto& [fp, a] : alerts_) {
    if (!a->raw_firing && !a->firing && !(a->flags & kHeldFlapping) && !InAnyIncident(fp, *a) &&
        now - a->last_change > retention) {
      drop.push_back(fp);
    }
  }
  for (uint64_t fp : drop) RemoveAlert(fp, *alerts_.find(fp)->second);
  // Flap histories whose window has passed (a held alert keeps its own until released).
  int64_t flap_window = absl::ToInt64Nanoseconds(rules_->config().flapping.window);
  absl::erase_if(flap_history_, [&](const auto& e) {
    auto it = alerts_.find(e.first);
    if (it != alerts_.end() && (it->second->flags & kHeldFlapping)) return false;
    return e.second.empty() || now - e.second.back() > flap_window;
  });
  // Keep the creation-order queue from growing with dead entries.
  if (alert_order_.size() > 2 * alerts_.size() + 1024) {
    std::deque<std::pair<uint64_t, uint64_t>> live;
    for (auto& e : alert_order_) {
      auto it = alerts_.find(e.first);
      if (it != alerts_.end() && it->second->seq == e.second) live.push_back(e);
    }
    alert_order_.swap(live);
  }
  if (incident_order_.size() > 2 * open_by_key_.size() + 1024) {
    std::deque<uint64_t> live;
    for (uint64_t s : incident_order_) {
      auto it = incidents_.find(s);
      if (it != incidents_.end() && it->second.open) live.push_back(s);
    }
    incident_order_.swap(live);
  }
}

absl::Status Shard::Ack(std::string_view incident_id, std::string_view who, std::string_view comment) {
  for (auto& [serial, inc] : incidents_) {
    if (inc.id != incident_id) continue;
    if (!inc.open) return absl::FailedPreconditionError(fmt::format("ack: incident {} is resolved", incident_id));
    inc.acked = true;
    inc.acked_by = std::string(who);
    inc.ack_comment = std::string(comment);
    int64_t now = std::max(watermark_, max_seen_);
    inc.Note(now, fmt::format("acknowledged by {}", who));
    for (uint64_t fp : inc.members) {
      auto it = alerts_.find(fp);
      if (it != alerts_.end()) Record(fp, it->second.get(), DecisionKind::kAcked, rules_->ack_rule(), inc.id_hash, now);
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError(fmt::format("ack: no incident {}", incident_id));
}

// ---- Reads ----------------------------------------------------------------------------------

AlertView Shard::MakeAlertView(uint64_t fp, const AlertState& a, int64_t now) const {
  AlertView v;
  std::vector<core::Label> lab, ann, plain;
  a.labels.Decode(names_, &lab);
  a.labels.DecodeAnnotations(names_, &ann);
  v.fingerprint = Hex(fp);
  v.am_fingerprint = Hex(core::AlertmanagerFingerprint(lab));
  v.labels = core::LabelSet(core::LabelView(lab));
  for (const core::Label& l : ann) {
    if (l.name == kGeneratorKey) {
      v.generator_url = std::string(l.value);
    } else {
      plain.push_back(l);
    }
  }
  v.annotations = core::LabelSet(core::LabelView(plain));
  v.starts_at = Ev(a.starts_at);
  v.ends_at = Ev(a.ends_at);
  v.updated_at = Ev(a.updated_at);
  v.firing = a.firing;
  v.severity = a.severity;
  v.service = std::string(core::FindLabel(lab, "service"));
  for (int r : route_sets_[a.route_set]) {
    if (r < 0 || static_cast<size_t>(r) >= rules_->routes().size()) continue;
    const std::string& recv = rules_->routes().route(r).config->receiver;
    if (std::find(v.receivers.begin(), v.receivers.end(), recv) == v.receivers.end()) v.receivers.push_back(recv);
  }
  if (a.flags & kHeldFlapping) {
    v.held = true;
    v.held_reason = "flapping";
  } else if (a.flags & kHeldTransient) {
    v.held = true;
    v.held_reason = "transient";
  }
  // Mute status without recording (const): reuse the logic on a copy of flags.
  Shard* self = const_cast<Shard*>(this);
  AlertState& mut = const_cast<AlertState&>(a);
  bool muted = a.firing && self->Muted(fp, mut, now, &v.silenced_by, &v.inhibited_by, false);
  v.state = !muted ? (v.held ? "unprocessed" : "active") : "suppressed";
  return v;
}

IncidentView Shard::MakeIncidentView(const Incident& inc, bool detail, int64_t now) const {
  IncidentView v;
  const Route& route = inc.rules->routes().route(inc.route);
  v.id = inc.id;
  v.dedup_key = Hex(inc.dedup);
  v.status = inc.open ? "firing" : "resolved";
  v.route = route.key;
  v.receiver = inc.receiver.empty() ? route.config->receiver : inc.receiver;
  v.route_class = std::string(RouteClassName(route.config->route_class));
  v.group_key = fmt::format("{}:{}", route.key, inc.group_labels.ToString());
  v.group_labels = inc.group_labels;
  v.severity = inc.max_severity;
  v.started_at = Ev(inc.created_at);
  v.resolved_at = Ev(inc.resolved_at);
  v.runbook = route.config->runbook;
  v.acked = inc.acked;
  v.acked_by = inc.acked_by;
  v.ack_comment = inc.ack_comment;
  v.storm = inc.rolled;
  Incident& mut = const_cast<Incident&>(inc);
  ComputeRootCause(mut);
  v.root_cause_service = inc.root_cause;
  v.impacted_services = inc.impacted;
  v.deploy = inc.deploy;
  for (uint64_t fp : inc.members) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end()) continue;
    if (it->second->firing) {
      ++v.firing;
    } else {
      ++v.resolved_members;
    }
    if (detail) v.members.push_back(MakeAlertView(fp, *it->second, now));
  }
  if (detail) {
    v.notifications = inc.sent;
    v.timeline = inc.timeline;
  }
  return v;
}

std::vector<IncidentView> Shard::ListIncidents() const {
  std::vector<IncidentView> out;
  for (const auto& [serial, inc] : incidents_) out.push_back(MakeIncidentView(inc, false, ViewTime({})));
  return out;
}

std::optional<IncidentView> Shard::GetIncident(std::string_view id, core::EventTime view_time) const {
  for (const auto& [serial, inc] : incidents_) {
    if (inc.id == id) return MakeIncidentView(inc, true, ViewTime(view_time));
  }
  return std::nullopt;
}

bool Shard::HasIncident(std::string_view id) const {
  for (const auto& [serial, inc] : incidents_) {
    if (inc.id == id) return true;
  }
  return false;
}

std::string Shard::RenderDecisionDetail(const Decision& d) const {
  const uint64_t arg = d.arg;  // A copy: Decision is packed, fmt binds by reference.
  switch (d.kind) {
    case DecisionKind::kDeduplicated: return fmt::format("deduplicated into fingerprint {}", Hex(arg));
    case DecisionKind::kGrouped: return fmt::format("grouped into incident {}", Hex(arg));
    case DecisionKind::kInhibited: return fmt::format("inhibited by alert {}", Hex(arg));
    case DecisionKind::kSilenced:
      return fmt::format("silenced by {}", arg < silence_ids_.size() ? silence_ids_[arg] : "?");
    case DecisionKind::kMaintenance: return "muted by maintenance window";
    case DecisionKind::kTimeMuted: return "held by the route's time intervals";
    case DecisionKind::kHeldFlapping: return fmt::format("held: flapping ({} changes)", arg);
    case DecisionKind::kReleasedFlapping: return "released: stable again";
    case DecisionKind::kHeldTransient: return "held: transient grace";
    case DecisionKind::kTransient: return "resolved within the transient grace: never pages";
    case DecisionKind::kNoise: return "classified noise: recorded, not notified";
    case DecisionKind::kStorm: return fmt::format("rate limited: rolled into storm {}", Hex(arg));
    case DecisionKind::kLate:
      return fmt::format("late: behind watermark {}; applied at the watermark",
                         core::FormatRfc3339(absl::FromUnixNanos(static_cast<int64_t>(arg))));
    case DecisionKind::kNotified: return fmt::format("notified (sequence {})", arg);
    case DecisionKind::kResolved: return "resolved";
    case DecisionKind::kRefired: return "fired again";
    case DecisionKind::kEvicted: return "evicted: per-shard fingerprint limit";
    case DecisionKind::kAcked: return fmt::format("incident {} acknowledged", Hex(arg));
    case DecisionKind::kDeployAttributed: return "attributed to a deploy";
    case DecisionKind::kFutureClamped:
      return fmt::format("time {} is past the observed time by more than max_future_skew: the observed time was used",
                         core::FormatRfc3339(absl::FromUnixNanos(static_cast<int64_t>(arg))));
    case DecisionKind::kSeverityChanged: {
      auto severity = [](uint64_t v) {
        constexpr auto kMax = static_cast<uint64_t>(core::Severity::kCritical);
        return core::SeverityName(static_cast<core::Severity>(std::min(v, kMax)));
      };
      return fmt::format("severity {} -> {}{}", severity(arg & 0xff), severity((arg >> 8) & 0xff),
                         (arg >> 16) & 1 ? ": its implied severity label followed; routes matched again"
                                         : ": its own severity label kept");
    }
  }
  return "";
}

std::vector<DecisionRecord> Shard::Explain(std::string_view hex) const {
  std::vector<std::pair<Decision, bool>> found;
  uint64_t fp = 0;
  auto parsed = core::Fingerprint::Parse(hex);
  const AlertState* a = nullptr;
  if (parsed.ok()) {
    fp = parsed->value();
    auto it = alerts_.find(fp);
    if (it != alerts_.end()) a = it->second.get();
  }
  if (a == nullptr && parsed.ok()) {
    std::vector<core::Label> lab;
    for (const auto& [f, st] : alerts_) {
      st->labels.Decode(names_, &lab);
      if (core::AlertmanagerFingerprint(lab) == parsed->value()) {
        a = st.get();
        fp = f;
        break;
      }
    }
  }
  std::vector<Decision> ds;
  if (a != nullptr) {
    for (size_t i = 0; i < a->log_size; ++i) ds.push_back(a->log[(a->log_head + i) % a->log_size]);
  }
  for (const auto& [f, d] : orphan_log_) {
    if (f == fp) ds.push_back(d);
  }
  // Chronological (log order breaks ties), then newest first.
  std::stable_sort(ds.begin(), ds.end(), [](const Decision& x, const Decision& y) { return x.time_ns < y.time_ns; });
  std::reverse(ds.begin(), ds.end());
  std::vector<DecisionRecord> out;
  const auto& table = rules_->rules();
  for (const Decision& d : ds) {
    DecisionRecord r;
    r.time = Ev(d.time_ns);
    r.decision = std::string(DecisionKindName(d.kind));
    r.detail = RenderDecisionDetail(d);
    bool has_rule = d.kind != DecisionKind::kResolved && d.kind != DecisionKind::kRefired &&
                    d.kind != DecisionKind::kSeverityChanged;
    if (has_rule && d.rule < table.size()) {
      r.rule = table[d.rule].name;
      r.where = table[d.rule].where;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AlertView> Shard::Alerts(core::EventTime view_time) const {
  std::vector<AlertView> out;
  int64_t now = ViewTime(view_time);
  for (const auto& [fp, a] : alerts_) {
    if (!a->firing && !a->raw_firing) continue;
    out.push_back(MakeAlertView(fp, *a, now));
  }
  return out;
}

std::vector<AlertGroupView> Shard::Groups(core::EventTime view_time) const {
  std::vector<AlertGroupView> out;
  int64_t now = ViewTime(view_time);
  for (const auto& [serial, inc] : incidents_) {
    if (!inc.open) continue;
    AlertGroupView g;
    const Route& route = inc.rules->routes().route(inc.route);
    g.labels = inc.group_labels;
    g.receiver = route.config->receiver;
    g.group_key = fmt::format("{}:{}", route.key, inc.group_labels.ToString());
    for (uint64_t fp : inc.members) {
      auto it = alerts_.find(fp);
      if (it != alerts_.end() && it->second->firing) g.alerts.push_back(MakeAlertView(fp, *it->second, now));
    }
    out.push_back(std::move(g));
  }
  return out;
}

void Shard::Noise(absl::Duration window, std::vector<NoiseRow>* rows) const {
  int64_t now = std::max(watermark_, max_seen_);
  // Saturating: before any event the watermark is INT64_MIN, and the window may be infinite.
  int64_t span = absl::ToInt64Nanoseconds(window);
  constexpr int64_t kFloor = std::numeric_limits<int64_t>::min() + kBucketNanos;
  int64_t from = (span > 0 && now < kFloor + span) ? kFloor : now - span;
  int64_t from_hour = from >= 0 ? from / kBucketNanos : (from - kBucketNanos + 1) / kBucketNanos;
  for (const NoiseStats& ns : noise_) {
    NoiseRow* row = nullptr;
    for (NoiseRow& r : *rows) {
      if (r.alertname == ns.alertname && r.route == ns.route) row = &r;
    }
    if (row == nullptr) {
      rows->push_back(NoiseRow{});
      row = &rows->back();
      row->alertname = ns.alertname;
      row->route = ns.route;
    }
    for (const NoiseBucket& b : ns.buckets) {
      if (b.hour < from_hour) continue;
      const NoiseRow& c = b.counts;
      row->signals += c.signals;
      row->alerts += c.alerts;
      row->incidents += c.incidents;
      row->pages += c.pages;
      row->suppressed_silenced += c.suppressed_silenced;
      row->suppressed_inhibited += c.suppressed_inhibited;
      row->suppressed_maintenance += c.suppressed_maintenance;
      row->suppressed_flapping += c.suppressed_flapping;
      row->suppressed_transient += c.suppressed_transient;
      row->suppressed_noise += c.suppressed_noise;
      row->suppressed_storm += c.suppressed_storm;
      row->late += c.late;
    }
    for (const auto& [t, secs] : ns.resolves) {
      if (t >= from) row->resolve_seconds.push_back(secs);
    }
  }
}

ShardStats Shard::stats() const {
  ShardStats s = stats_;
  s.active_alerts = alerts_.size();
  s.open_incidents = open_by_key_.size();
  return s;
}

size_t Shard::ApproximateAlertBytes() const {
  size_t bytes = alerts_.capacity() * (sizeof(uint64_t) + sizeof(void*) + 1);
  for (const auto& [fp, a] : alerts_) {
    bytes += sizeof(AlertState) + a->labels.HeapBytes() + size_t{a->log_cap} * sizeof(Decision);
  }
  bytes += alert_order_.size() * sizeof(std::pair<uint64_t, uint64_t>);
  return bytes;
}

size_t Shard::ApproximateIncidentBytes() const {
  size_t bytes = 0;
  for (const auto& [serial, inc] : incidents_) {
    bytes += sizeof(Incident) + 32 + inc.id.capacity() + inc.members.capacity() * 8 +
             (inc.last_firing.capacity() + inc.last_resolved.capacity()) * 8 + inc.group_labels.size() * 48 +
             inc.sent.capacity() * sizeof(SentNotification) + inc.timeline.capacity() * sizeof(TimelineEntry) +
             inc.departed.capacity() * sizeof(Departed);
    for (const TimelineEntry& e : inc.timeline) bytes += e.what.capacity();
  }
  bytes += open_by_key_.capacity() * 17;
  return bytes;
}

}  // namespace quell::correlate

namespace quell::correlate {
namespace {

void AppendLabelsJson(std::string* out, const std::vector<core::Label>& labels) {
  *out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) *out += ',';
    AppendJsonQuoted(out, labels[i].name);
    *out += ':';
    AppendJsonQuoted(out, labels[i].value);
  }
  *out += '}';
}

}  // namespace

std::string Shard::Serialize() const {
  std::string out = fmt::format("{{\"version\":1,\"watermark\":{},\"max_seen\":{}", watermark_, max_seen_);
  // The rules the decision logs below name by index: restored by name, so that a log keeps its
  // rules when the config added, removed or moved rules between the save and the restore.
  out += ",\"rule_names\":[";
  for (size_t i = 0; i < rules_->rules().size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonQuoted(&out, rules_->rules()[i].name);
  }
  out += "],\"alerts\":[";
  std::vector<core::Label> lab, ann;
  // Creation order, so a restore recreates incidents in the same order.
  bool first = true;
  for (const auto& [fp, seq] : alert_order_) {
    auto it = alerts_.find(fp);
    if (it == alerts_.end() || it->second->seq != seq) continue;
    const AlertState& a = *it->second;
    a.labels.Decode(names_, &lab);
    a.labels.DecodeAnnotations(names_, &ann);
    if (!first) out += ',';
    first = false;
    out += fmt::format("{{\"fp\":\"{}\",\"labels\":", Hex(fp));
    AppendLabelsJson(&out, lab);
    out += ",\"annotations\":";
    AppendLabelsJson(&out, ann);
    out += fmt::format(",\"starts_at\":{},\"ends_at\":{},\"updated_at\":{},\"firing\":{},\"severity\":{}", a.starts_at,
                       a.ends_at, a.updated_at, a.raw_firing, static_cast<int>(a.severity));
    // Whether its `severity` label is Quell's (it follows the severity) or its source's (identity):
    // written for the alerts that have one (older snapshots lack it: Restore infers it).
    if (!core::FindLabel(lab, "severity").empty()) {
      out += fmt::format(",\"severity_implied\":{}", (a.more_flags & kSeverityImplied) != 0);
    }
    // Flapping: the state changes in the window, and for a held alert the state its incidents
    // see (frozen while held) and when it last changed, so that a restart neither releases it
    // early (a resolve, then a page again) nor forgets a flap in progress.
    if (auto flap = flap_history_.find(fp); flap != flap_history_.end() && !flap->second.empty()) {
      out += fmt::format(",\"flap\":[{}]", fmt::join(flap->second, ","));
    }
    if (a.flags & kHeldFlapping) {
      out += fmt::format(",\"held_flapping\":true,\"applied\":{},\"last_change\":{}", a.firing, a.last_change);
    }
    if (const int noted = a.flags & kNotedFlags; noted != 0) out += fmt::format(",\"noted\":{}", noted);
    // The decision log (explain), oldest first, one string per decision: "time:kind:rule:argument",
    // the time after starts_at (ns; usually 0 or a group wait), the argument in hex, or for a
    // silence its id (the shard's silence table is not saved).
    if (a.log_size > 0) {
      out += ",\"log\":[";
      for (size_t i = 0; i < a.log_size; ++i) {
        const Decision& d = a.log[(a.log_head + i) % a.log_size];
        if (i > 0) out += ',';
        const int64_t after_start = d.time_ns - a.starts_at;
        const uint64_t arg = d.arg;  // By value: Decision is packed.
        const int kind = static_cast<int>(d.kind);
        const uint32_t rule = d.rule;
        if (d.kind == DecisionKind::kSilenced) {
          AppendJsonQuoted(&out, absl::StrCat(after_start, ":", kind, ":", rule, ":",
                                              arg < silence_ids_.size() ? silence_ids_[arg] : std::string()));
        } else {
          absl::StrAppend(&out, "\"", after_start, ":", kind, ":", rule, ":", absl::Hex(arg), "\"");
        }
      }
      out += ']';
    }
    out += '}';
  }
  out += "],\"deploys\":[";
  first = true;
  for (const auto& [svc, list] : deploys_) {
    for (const core::Deployment& d : list) {
      if (!first) out += ',';
      first = false;
      out += fmt::format("{{\"service\":{},\"env\":{},\"version\":{},\"started_at\":{},\"link\":{},\"source\":{},\"id\":{}}}",
                         JsonQuote(d.service), JsonQuote(d.env), JsonQuote(d.version), d.started_at.unix_nanos(),
                         JsonQuote(d.link), JsonQuote(d.source), JsonQuote(d.id));
    }
  }
  // What each open incident has notified, so that a restore does not notify it again.
  out += "],\"incidents\":[";
  first = true;
  auto hex_list = [&](const std::vector<uint64_t>& fps) {
    out += '[';
    for (size_t i = 0; i < fps.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      out += Hex(fps[i]);
      out += '"';
    }
    out += ']';
  };
  // An incident's notifications and timeline, so that its page (API, console) keeps its history.
  auto append_history = [&](const Incident& inc) {
    out += ",\"sent\":[";
    for (size_t i = 0; i < inc.sent.size(); ++i) {
      const SentNotification& n = inc.sent[i];
      out += fmt::format(
          "{}{{\"t\":{},\"receiver\":{},\"status\":{},\"sequence\":{},\"firing\":{},\"resolved\":{}}}",
          i ? "," : "", n.time.unix_nanos(), JsonQuote(n.receiver), JsonQuote(n.status), n.sequence, n.firing,
          n.resolved);
    }
    out += "],\"timeline\":[";
    for (size_t i = 0; i < inc.timeline.size(); ++i) {
      out += fmt::format("{}{{\"t\":{},\"what\":{}}}", i ? "," : "", inc.timeline[i].time.unix_nanos(),
                         JsonQuote(inc.timeline[i].what));
    }
    out += ']';
  };
  for (uint64_t serial : incident_order_) {
    auto it = incidents_.find(serial);
    if (it == incidents_.end() || !it->second.open) continue;
    const Incident& inc = it->second;
    if (!inc.has_entry && !inc.acked && !inc.rolled) continue;  // Nothing notified or decided yet.
    auto seq = sequence_by_dedup_.find(inc.dedup);
    if (!first) out += ',';
    first = false;
    out += fmt::format(
        "{{\"dedup\":\"{}\",\"id\":\"{}\",\"created_at\":{},\"has_entry\":{},\"paged\":{},\"rolled\":{},"
        "\"last_notify_at\":{},\"sequence\":{},\"max_severity\":{},\"notified_severity\":{},\"acked\":{},"
        "\"acked_by\":{},\"ack_comment\":{},\"last_firing\":",
        Hex(inc.dedup), inc.id, inc.created_at, inc.has_entry, inc.paged, inc.rolled, inc.last_notify_at,
        seq == sequence_by_dedup_.end() ? 0 : seq->second, static_cast<int>(inc.max_severity),
        static_cast<int>(inc.notified_severity), inc.acked, JsonQuote(inc.acked_by), JsonQuote(inc.ack_comment));
    hex_list(inc.last_firing);
    out += ",\"last_resolved\":";
    hex_list(inc.last_resolved);
    // Alerts owed a resolve, and what reopens the incident if none of its alerts comes back to it.
    if (!inc.departed.empty()) {
      const Route& route = inc.rules->routes().route(inc.route);
      out += fmt::format(",\"route\":{},\"route_id\":{},\"index_key\":\"{}\",\"next_flush\":{},\"group_labels\":",
                         JsonQuote(route.key), JsonQuote(route.id), Hex(inc.index_key), inc.next_flush);
      lab.assign(inc.group_labels.view().begin(), inc.group_labels.view().end());
      AppendLabelsJson(&out, lab);
      out += ",\"departed\":[";
      for (size_t i = 0; i < inc.departed.size(); ++i) {
        const Departed& d = inc.departed[i];
        out += fmt::format("{}{{\"fp\":\"{}\",\"labels\":", i ? "," : "", Hex(d.fp));
        lab.assign(d.labels.view().begin(), d.labels.view().end());
        AppendLabelsJson(&out, lab);
        out += ",\"annotations\":";
        lab.assign(d.annotations.view().begin(), d.annotations.view().end());
        AppendLabelsJson(&out, lab);
        out += fmt::format(",\"starts_at\":{},\"ends_at\":{}}}", d.starts_at, d.ends_at);
      }
      out += ']';
    }
    append_history(inc);
    out += '}';
  }
  // Resolved incidents still within incident_retention, so that the incidents API and the console
  // keep the last day's history across a restart. Read-only records: an incident of the same
  // group that fires again opens a new one, as it would have without the restart.
  out += "],\"closed\":[";
  first = true;
  std::vector<const Incident*> closed;
  for (const auto& [serial, inc] : incidents_) {
    if (!inc.open) closed.push_back(&inc);
  }
  if (closed.size() > kMaxClosedSaved) {  // A storm's day: the newest resolved ones only.
    std::nth_element(closed.begin(), closed.begin() + kMaxClosedSaved, closed.end(),
                     [](const Incident* a, const Incident* b) { return a->resolved_at > b->resolved_at; });
    closed.resize(kMaxClosedSaved);
  }
  std::sort(closed.begin(), closed.end(), [](const Incident* a, const Incident* b) { return a->serial < b->serial; });
  for (const Incident* inc : closed) {
    auto seq = sequence_by_dedup_.find(inc->dedup);
    if (!first) out += ',';
    first = false;
    out += fmt::format(
        "{{\"dedup\":\"{}\",\"id\":\"{}\",\"route\":{},\"receiver\":{},\"created_at\":{},\"last_activity\":{},"
        "\"resolved_at\":{},\"paged\":{},\"rolled\":{},\"last_notify_at\":{},\"sequence\":{},\"max_severity\":{},"
        "\"acked\":{},\"acked_by\":{},\"ack_comment\":{},\"group_labels\":",
        Hex(inc->dedup), inc->id, JsonQuote(inc->rules->routes().route(inc->route).key), JsonQuote(inc->receiver),
        inc->created_at, inc->last_activity, inc->resolved_at, inc->paged, inc->rolled, inc->last_notify_at,
        seq == sequence_by_dedup_.end() ? 0 : seq->second, static_cast<int>(inc->max_severity), inc->acked,
        JsonQuote(inc->acked_by), JsonQuote(inc->ack_comment));
    lab.assign(inc->group_labels.view().begin(), inc->group_labels.view().end());
    AppendLabelsJson(&out, lab);
    out += ",\"members\":";
    hex_list(inc->members);
    append_history(*inc);
    out += '}';
  }
  // The noise report's hourly counters and resolve-time samples, so that it keeps its window
  // across a restart: [hour, then kNoiseCounters in order] per bucket, [time, seconds] per sample.
  out += "],\"noise\":[";
  first = true;
  for (const NoiseStats& ns : noise_) {
    if (ns.buckets.empty() && ns.resolves.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += fmt::format("{{\"alertname\":{},\"route\":{},\"b\":[", JsonQuote(ns.alertname), JsonQuote(ns.route));
    for (size_t i = 0; i < ns.buckets.size(); ++i) {
      out += fmt::format("{}[{}", i ? "," : "", ns.buckets[i].hour);
      for (auto counter : kNoiseCounters) out += fmt::format(",{}", ns.buckets[i].counts.*counter);
      out += ']';
    }
    out += "],\"r\":[";
    for (size_t i = 0; i < ns.resolves.size(); ++i) {
      out += fmt::format("{}[{},{}]", i ? "," : "", ns.resolves[i].first, ns.resolves[i].second);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

namespace {

bool ParseHexFingerprint(const std::string& text, uint64_t* v) {
  auto f = core::Fingerprint::Parse(text);
  if (!f.ok()) return false;
  *v = f->value();
  return true;
}

// A flag of a snapshot entry: true only when present and true.
bool TrueField(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.Find(key);
  return v != nullptr && v->is_bool() && v->AsBool();
}

// A count or a time in nanoseconds of a snapshot entry: never negative; absent = 0.
int64_t NonNegativeField(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.Find(key);
  return v != nullptr ? std::max<int64_t>(0, v->AsInt64()) : 0;
}

// A label set of a snapshot entry (a JSON object of strings); absent or not an object: empty.
core::LabelSet LabelsField(const JsonValue& o, std::string_view key) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (const JsonValue* v = o.Find(key); v != nullptr && v->is_object()) {
    for (const auto& [k, x] : v->members()) pairs.emplace_back(k, x.AsString());
  }
  return core::LabelSet::FromPairs(std::move(pairs));
}

// A time of a snapshot entry (ns, any sign); absent = 0.
int64_t TimeField(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.Find(key);
  return v != nullptr ? v->AsInt64() : 0;
}

// An incident's saved notifications and timeline ("sent", "timeline"; either may be absent).
void ReadIncidentHistory(const JsonValue& saved, std::vector<SentNotification>* sent,
                         std::vector<TimelineEntry>* timeline) {
  if (const JsonValue* list = saved.Find("sent"); list != nullptr && list->is_array()) {
    for (const JsonValue& n : list->items()) {
      if (sent->size() >= kMaxSent) break;
      sent->push_back(SentNotification{core::EventTime::FromUnixNanos(NonNegativeField(n, "t")),
                                       n.GetString("receiver"), n.GetString("status"),
                                       static_cast<uint64_t>(NonNegativeField(n, "sequence")),
                                       static_cast<uint32_t>(NonNegativeField(n, "firing")),
                                       static_cast<uint32_t>(NonNegativeField(n, "resolved"))});
    }
  }
  if (const JsonValue* list = saved.Find("timeline"); list != nullptr && list->is_array()) {
    for (const JsonValue& e : list->items()) {
      if (timeline->size() >= kMaxTimeline) break;
      timeline->push_back(TimelineEntry{core::EventTime::FromUnixNanos(NonNegativeField(e, "t")), e.GetString("what")});
    }
  }
}

}  // namespace

absl::Status Shard::RestoreIncidentState(const JsonValue& saved) {
  auto flag = [&](std::string_view key) { return TrueField(saved, key); };
  auto number = [&](std::string_view key) { return NonNegativeField(saved, key); };
  auto list = [&](std::string_view key, std::vector<uint64_t>* out) {
    out->clear();
    const JsonValue* v = saved.Find(key);
    if (v == nullptr || !v->is_array()) return true;
    for (const JsonValue& item : v->items()) {
      uint64_t fp = 0;
      if (!ParseHexFingerprint(item.AsString(), &fp)) return false;
      out->push_back(fp);
    }
    std::sort(out->begin(), out->end());  // Binary-searched and compared as sets.
    return true;
  };
  uint64_t dedup = 0;
  RestoredIncident r;
  if (!ParseHexFingerprint(saved.GetString("dedup"), &dedup) || !ParseHexFingerprint(saved.GetString("id"), &r.id_hash)) {
    return absl::DataLossError("shard snapshot: an incident without a dedup key or id");
  }
  if (!list("last_firing", &r.last_firing) || !list("last_resolved", &r.last_resolved)) {
    return absl::DataLossError("shard snapshot: an incident with a bad fingerprint");
  }
  uint64_t& sequence = sequence_by_dedup_[dedup];  // Sequence numbers keep increasing per key.
  sequence = std::max(sequence, static_cast<uint64_t>(number("sequence")));
  r.created_at = number("created_at");
  r.last_notify_at = number("last_notify_at");
  r.has_entry = flag("has_entry");
  r.paged = flag("paged");
  r.rolled = flag("rolled");
  r.acked = flag("acked");
  r.max_severity = static_cast<core::Severity>(std::clamp<int64_t>(number("max_severity"), 0, static_cast<int64_t>(core::Severity::kCritical)));
  // Older snapshots lack it: its highest severity, which its notifications had seen (no re-notification).
  r.notified_severity = saved.Find("notified_severity") == nullptr
                            ? r.max_severity
                            : static_cast<core::Severity>(std::clamp<int64_t>(
                                  number("notified_severity"), 0, static_cast<int64_t>(core::Severity::kCritical)));
  if (const JsonValue* departed = saved.Find("departed"); departed != nullptr && departed->is_array()) {
    for (const JsonValue& d : departed->items()) {
      Departed x;
      if (!ParseHexFingerprint(d.GetString("fp"), &x.fp)) {
        return absl::DataLossError("shard snapshot: an incident with a bad departed fingerprint");
      }
      x.labels = LabelsField(d, "labels");
      x.annotations = LabelsField(d, "annotations");
      x.starts_at = TimeField(d, "starts_at");
      x.ends_at = TimeField(d, "ends_at");
      r.departed.push_back(std::move(x));
    }
    r.route_id = saved.GetString("route_id");
    r.group_labels = LabelsField(saved, "group_labels");
    r.next_flush = TimeField(saved, "next_flush");
    if (!ParseHexFingerprint(saved.GetString("index_key"), &r.index_key)) r.index_key = 0;
  }
  r.acked_by = saved.GetString("acked_by");
  r.ack_comment = saved.GetString("ack_comment");
  ReadIncidentHistory(saved, &r.sent, &r.timeline);  // Optional (snapshots before session 10 have neither).
  restored_incidents_[dedup] = std::move(r);  // Taken by the incident when it opens again.
  return absl::OkStatus();
}

void Shard::RestoreClosedIncident(const JsonValue& saved) {
  uint64_t dedup = 0, id_hash = 0;
  const int route = rules_->routes().FindByKey(saved.GetString("route"));
  if (route < 0 || !ParseHexFingerprint(saved.GetString("dedup"), &dedup) ||
      !ParseHexFingerprint(saved.GetString("id"), &id_hash)) {
    return;  // Its route is gone from the rules (or the entry is damaged): history only, not kept.
  }
  const uint64_t serial = ++incident_serial_;
  Incident& inc = incidents_[serial];
  inc.serial = serial;
  inc.dedup = dedup;
  inc.id_hash = id_hash;
  inc.id = Hex(id_hash);
  inc.rules = rules_;
  inc.route = route;
  inc.open = false;
  inc.receiver = saved.GetString("receiver");
  inc.created_at = NonNegativeField(saved, "created_at");
  inc.last_activity = NonNegativeField(saved, "last_activity");
  inc.resolved_at = NonNegativeField(saved, "resolved_at");
  inc.last_notify_at = NonNegativeField(saved, "last_notify_at");
  inc.paged = TrueField(saved, "paged");
  inc.rolled = TrueField(saved, "rolled");
  inc.acked = TrueField(saved, "acked");
  inc.acked_by = saved.GetString("acked_by");
  inc.ack_comment = saved.GetString("ack_comment");
  inc.max_severity = static_cast<core::Severity>(
      std::clamp<int64_t>(NonNegativeField(saved, "max_severity"), 0, static_cast<int64_t>(core::Severity::kCritical)));
  inc.group_labels = LabelsField(saved, "group_labels");
  if (const JsonValue* m = saved.Find("members"); m != nullptr && m->is_array()) {
    for (const JsonValue& item : m->items()) {
      uint64_t fp = 0;
      if (ParseHexFingerprint(item.AsString(), &fp)) inc.members.push_back(fp);
    }
  }
  uint64_t& sequence = sequence_by_dedup_[dedup];  // A later incident of the group continues it.
  sequence = std::max(sequence, static_cast<uint64_t>(NonNegativeField(saved, "sequence")));
  ReadIncidentHistory(saved, &inc.sent, &inc.timeline);
}

void Shard::ReopenDepartedIncidents() {
  std::vector<uint64_t> keys;
  for (const auto& [dedup, r] : restored_incidents_) {
    if (!r.departed.empty()) keys.push_back(dedup);
  }
  std::sort(keys.begin(), keys.end());  // A deterministic serial order.
  for (uint64_t dedup : keys) {
    const RestoredIncident& r = restored_incidents_.find(dedup)->second;
    int route = -1;
    for (size_t i = 0; i < rules_->routes().size() && route < 0; ++i) {
      if (rules_->routes().route(static_cast<int>(i)).id == r.route_id) route = static_cast<int>(i);
    }
    // Gone from the rules (as a closed incident's route may be), or its key taken: not reopened.
    if (route < 0 || open_by_key_.contains(r.index_key)) continue;
    const Route& rt = rules_->routes().route(route);
    const uint64_t serial = ++incident_serial_;
    Incident& n = incidents_[serial];
    n.serial = serial;
    n.rules = rules_;
    n.route = route;
    n.group_labels = r.group_labels;
    n.dedup = dedup;
    n.index_key = r.index_key;
    n.created_at = r.created_at;
    n.last_activity = std::max(r.created_at, r.last_notify_at);
    // Its next tick as it was scheduled (after the snapshot's watermark).
    n.next_flush = r.next_flush != 0 ? r.next_flush
                                     : r.last_notify_at + absl::ToInt64Nanoseconds(rt.config->group_interval);
    std::string_view alertname = n.group_labels.Get("alertname");
    if (alertname.empty()) alertname = r.departed.front().labels.Get("alertname");
    n.noise = NoiseIndex(alertname, rt.key);
    open_by_key_[n.index_key] = serial;
    incident_order_.push_back(serial);
    Schedule(n.next_flush, kFlush, serial);
    ApplyRestoredState(n);  // Its id, notification state and departed alerts; erases `r`.
  }
}

// Called when an incident opens: if a restored snapshot had one under its dedup key, it takes
// that one's id and notification state (once).
void Shard::ApplyRestoredState(Incident& inc) {
  auto it = restored_incidents_.find(inc.dedup);
  if (it == restored_incidents_.end()) return;
  RestoredIncident& r = it->second;
  inc.id_hash = r.id_hash;
  inc.id = Hex(r.id_hash);
  inc.created_at = r.created_at;
  inc.has_entry = r.has_entry;
  inc.paged = r.paged;
  inc.rolled = r.rolled;
  inc.last_notify_at = r.last_notify_at;
  inc.last_firing = std::move(r.last_firing);
  inc.last_resolved = std::move(r.last_resolved);
  inc.max_severity = std::max(inc.max_severity, r.max_severity);
  inc.notified_severity = r.notified_severity;
  inc.departed = std::move(r.departed);
  std::erase_if(inc.departed, [&](const Departed& d) {  // Back in it (the rules changed): a member.
    return std::find(inc.members.begin(), inc.members.end(), d.fp) != inc.members.end();
  });
  inc.acked = r.acked;
  inc.acked_by = std::move(r.acked_by);
  inc.ack_comment = std::move(r.ack_comment);
  // The saved history first, then what happened since the incident opened again (capped as usual).
  auto prepend = [](auto* saved, auto* current, size_t cap) {
    saved->insert(saved->end(), std::make_move_iterator(current->begin()), std::make_move_iterator(current->end()));
    if (saved->size() > cap) saved->erase(saved->begin(), saved->begin() + static_cast<long>(saved->size() - cap));
    *current = std::move(*saved);
  };
  prepend(&r.sent, &inc.sent, kMaxSent);
  prepend(&r.timeline, &inc.timeline, kMaxTimeline);
  inc.Note(inc.last_activity, "restored with its notification state from the state file");
  restored_incidents_.erase(it);
}

void Shard::RestoreNoise(const JsonValue& saved) {
  NoiseStats& ns = noise_[NoiseIndex(saved.GetString("alertname"), saved.GetString("route"))];
  // Merged by hour: snapshots of several shards may each hold counts of the same key.
  if (const JsonValue* buckets = saved.Find("b"); buckets != nullptr && buckets->is_array()) {
    for (const JsonValue& b : buckets->items()) {
      if (!b.is_array() || b.items().size() != 1 + std::size(kNoiseCounters)) continue;
      const int64_t hour = b.items()[0].AsInt64();
      auto it = std::lower_bound(ns.buckets.begin(), ns.buckets.end(), hour,
                                 [](const NoiseBucket& x, int64_t h) { return x.hour < h; });
      if (it == ns.buckets.end() || it->hour != hour) it = ns.buckets.insert(it, NoiseBucket{hour, {}});
      for (size_t i = 0; i < std::size(kNoiseCounters); ++i) {
        it->counts.*kNoiseCounters[i] += static_cast<uint64_t>(std::max<int64_t>(0, b.items()[i + 1].AsInt64()));
      }
    }
    while (ns.buckets.size() > kMaxBuckets) ns.buckets.pop_front();
  }
  if (const JsonValue* samples = saved.Find("r"); samples != nullptr && samples->is_array()) {
    for (const JsonValue& r : samples->items()) {
      if (r.is_array() && r.items().size() == 2) ns.resolves.emplace_back(r.items()[0].AsInt64(), r.items()[1].AsInt64());
    }
    std::stable_sort(ns.resolves.begin(), ns.resolves.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    while (ns.resolves.size() > kMaxResolveSamples) ns.resolves.pop_front();
  }
}

void Shard::RestoreDecisionLog(const JsonValue& saved, const std::vector<uint32_t>& rule_map, AlertState* st) {
  if (const JsonValue* noted = saved.Find("noted")) st->flags |= static_cast<uint8_t>(noted->AsInt64() & kNotedFlags);
  const JsonValue* log = saved.Find("log");
  if (log == nullptr || !log->is_array()) return;  // Snapshots before session 13: what restoring recorded stays.
  const JsonValue* starts = saved.Find("starts_at");
  const int64_t saved_start = starts != nullptr ? starts->AsInt64() : 0;
  std::vector<Decision> ds;
  for (const JsonValue& e : log->items()) {
    // "time:kind:rule:argument" (the argument, a silence id, may hold ':').
    absl::string_view rest = e.AsString();
    absl::string_view f[3];
    bool ok = true;
    for (absl::string_view& field : f) {
      const size_t colon = rest.find(':');
      if (colon == absl::string_view::npos) {
        ok = false;
        break;
      }
      field = rest.substr(0, colon);
      rest.remove_prefix(colon + 1);
    }
    int64_t after_start = 0;
    uint32_t kind = 0, rule = 0;
    if (!ok || !absl::SimpleAtoi(f[0], &after_start) || !absl::SimpleAtoi(f[1], &kind) ||
        !absl::SimpleAtoi(f[2], &rule) || kind > static_cast<uint32_t>(DecisionKind::kSeverityChanged)) {
      continue;
    }
    Decision d;
    d.time_ns = saved_start + after_start;
    d.kind = static_cast<DecisionKind>(kind);
    d.rule = rule < rule_map.size() ? rule_map[rule] : kNoRule;
    if (d.kind == DecisionKind::kSilenced) {
      d.arg = InternSilenceId(std::string(rest));
    } else {
      uint64_t arg = 0;
      if (!absl::SimpleHexAtoi(rest, &arg)) continue;
      d.arg = arg;
    }
    ds.push_back(d);
  }
  // The saved log replaces what re-creating the alert recorded just now; the newest entries that
  // fit this config's decision_log_size.
  const size_t cap = std::min<size_t>(static_cast<size_t>(rules_->settings().decision_log_size), 255);
  if (ds.size() > cap) ds.erase(ds.begin(), ds.end() - static_cast<std::ptrdiff_t>(cap));
  st->log.reset(ds.empty() ? nullptr : new Decision[ds.size()]);
  std::copy(ds.begin(), ds.end(), st->log.get());
  st->log_size = st->log_cap = static_cast<uint8_t>(ds.size());
  st->log_head = 0;
}

absl::Status Shard::Restore(std::string_view json) {
  auto doc = JsonValue::Parse(json);
  if (!doc.ok()) return absl::DataLossError(fmt::format("shard snapshot: {}", std::string(doc.status().message())));
  const JsonValue* version = doc->Find("version");
  if (version == nullptr || version->AsInt64() != 1) return absl::DataLossError("shard snapshot: unsupported version");
  const JsonValue* alerts = doc->Find("alerts");
  const JsonValue* deploys = doc->Find("deploys");
  if (alerts == nullptr || !alerts->is_array() || deploys == nullptr || !deploys->is_array()) {
    return absl::DataLossError("shard snapshot: missing alerts or deploys");
  }
  alerts_.clear();
  restored_incidents_.clear();
  extra_incidents_.clear();
  flap_history_.clear();
  alert_order_.clear();
  incidents_.clear();
  open_by_key_.clear();
  incident_order_.clear();
  timers_ = {};
  deploys_.clear();
  inhibit_sources_.assign(rules_->config().inhibit_rules.size(), {});
  watermark_ = INT64_MIN;
  max_seen_ = INT64_MIN;
  // The saved incident states first: each is taken by the incident its alerts open again, below
  // or later (allowed lateness, transient grace), in JoinIncident.
  if (const JsonValue* incidents = doc->Find("incidents"); incidents != nullptr && incidents->is_array()) {
    for (const JsonValue& saved : incidents->items()) QUELL_RETURN_IF_ERROR(RestoreIncidentState(saved));
  }
  for (const JsonValue& d : deploys->items()) {
    core::Deployment dep;
    dep.service = d.GetString("service");
    dep.env = d.GetString("env");
    dep.version = d.GetString("version");
    dep.link = d.GetString("link");
    dep.source = d.GetString("source");
    dep.id = d.GetString("id");
    const JsonValue* t = d.Find("started_at");
    dep.started_at = core::EventTime::FromUnixNanos(t ? t->AsInt64() : 0);
    RecordDeployment(dep);
  }
  // Saved rule index -> this config's index of the rule of that name (kNoRule when it is gone).
  std::vector<uint32_t> rule_map;
  if (const JsonValue* names = doc->Find("rule_names"); names != nullptr && names->is_array()) {
    absl::flat_hash_map<std::string_view, uint32_t> current;
    const auto& table = rules_->rules();
    for (size_t i = table.size(); i-- > 0;) current[table[i].name] = static_cast<uint32_t>(i);  // The first wins.
    for (const JsonValue& name : names->items()) {
      auto it = current.find(name.AsString());
      rule_map.push_back(it == current.end() ? kNoRule : it->second);
    }
  }
  // Alerts an open incident's last notification listed (firing or resolved).
  absl::flat_hash_set<uint64_t> notified;
  // A departed alert is listed firing where it left, but is owed only that incident's resolve
  // (ReopenDepartedIncidents): it is not reopened as firing for that.
  for (const auto& [dedup, r] : restored_incidents_) {
    for (uint64_t fp : r.last_firing) {
      if (std::none_of(r.departed.begin(), r.departed.end(), [&](const Departed& d) { return d.fp == fp; }))
        notified.insert(fp);
    }
    notified.insert(r.last_resolved.begin(), r.last_resolved.end());
  }
  for (const JsonValue& a : alerts->items()) {
    const JsonValue* labels = a.Find("labels");
    const JsonValue* starts = a.Find("starts_at");
    if (labels == nullptr || !labels->is_object() || starts == nullptr) {
      return absl::DataLossError("shard snapshot: alert without labels or starts_at");
    }
    core::SignalBatch batch;
    core::Signal& s = batch.Add();
    s.kind = core::SignalKind::kAlert;
    s.state = core::SignalState::kFiring;
    s.event_time = core::EventTime::FromUnixNanos(starts->AsInt64());
    for (const auto& [k, v] : labels->members()) batch.AddLabelCopy(k, v.AsString());
    batch.FinishLabels();
    std::string generator;
    if (const JsonValue* ann = a.Find("annotations")) {
      for (const auto& [k, v] : ann->members()) {
        if (k == kGeneratorKey) {
          generator = v.AsString();
        } else {
          batch.AddAnnotation(batch.Copy(k), batch.Copy(v.AsString()));
        }
      }
    }
    core::Signal& last = batch.last();
    last.link = batch.Copy(generator);
    if (const JsonValue* sev = a.Find("severity")) last.severity = static_cast<core::Severity>(sev->AsInt64());
    auto fp = core::Fingerprint::Parse(a.GetString("fp"));
    if (!fp.ok()) return absl::DataLossError("shard snapshot: bad fingerprint");
    int64_t t = starts->AsInt64();
    const JsonValue* ends = a.Find("ends_at");
    const JsonValue* updated = a.Find("updated_at");
    const JsonValue* firing = a.Find("firing");
    const bool raw_resolved = firing != nullptr && firing->is_bool() && !firing->AsBool();
    // A flapping-held alert comes back in the state its incidents saw, held (below).
    const bool held = TrueField(a, "held_flapping");
    const JsonValue* applied = a.Find("applied");
    const bool resolved = held && applied != nullptr && applied->is_bool() ? !applied->AsBool() : raw_resolved;
    auto restore_flapping = [&](AlertState* st) {
      if (const JsonValue* times = a.Find("flap"); times != nullptr && times->is_array()) {
        std::vector<int64_t>& history = flap_history_[fp->value()];
        history.clear();
        for (const JsonValue& x : times->items()) history.push_back(x.AsInt64());
      }
      if (!held) return;
      st->raw_firing = !raw_resolved;
      st->flags |= kHeldFlapping;
      if (const JsonValue* changed = a.Find("last_change")) st->last_change = changed->AsInt64();
      Schedule(st->last_change + absl::ToInt64Nanoseconds(rules_->config().flapping.stable), kFlapStable, fp->value());
    };
    // Whether its `severity` label is Quell's. Older snapshots do not say: implied iff the label
    // is the name of its normalized severity (a source's own label also sends it with every
    // signal, and a signal with a `severity` label never relabels the alert, so a guess of
    // "implied" for such an alert changes nothing).
    auto restore_implied = [&](AlertState* st) {
      const std::string_view label = core::FindLabel(batch.labels(last), "severity");
      if (label.empty()) return;
      const JsonValue* implied = a.Find("severity_implied");
      const bool yes = implied != nullptr && implied->is_bool()
                           ? implied->AsBool()
                           : st->severity != core::Severity::kUnknown && label == core::SeverityName(st->severity);
      if (yes) st->more_flags |= kSeverityImplied;
    };
    if (resolved && !notified.contains(fp->value())) {
      // Resolved and in no open incident's last notification: restored resolved, without
      // opening (and closing) an incident of its own that never paged; its resolved incident, if
      // still retained, comes back from "closed" below.
      AlertState* st = CreateAlert(fp->value(), batch, last, batch.labels(last), t, t, /*firing=*/false);
      restore_implied(st);
      st->updated_at = updated ? updated->AsInt64() : t;
      st->ends_at = ends ? ends->AsInt64() : t;
      st->last_change = std::max(t, st->ends_at);
      max_seen_ = std::max(max_seen_, st->updated_at);
      restore_flapping(st);
      RestoreDecisionLog(a, rule_map, st);
      continue;
    }
    AlertState* st = CreateAlert(fp->value(), batch, last, batch.labels(last), t, t);
    restore_implied(st);
    st->updated_at = updated ? updated->AsInt64() : t;
    if (resolved) {  // An open incident listed it: it rejoins and resolves there, as before.
      ApplyState(fp->value(), *st, false, ends ? ends->AsInt64() : t);
    } else if (ends != nullptr) {
      st->ends_at = ends->AsInt64();
      if (st->ends_at > t && !(st->flags & kExpireTimer)) {
        st->flags |= kExpireTimer;
        Schedule(st->ends_at, kExpire, fp->value());
      }
    }
    restore_flapping(st);
    RestoreDecisionLog(a, rule_map, st);
    max_seen_ = std::max(max_seen_, st->updated_at);
  }
  ReopenDepartedIncidents();
  // Resolved incidents last: their members are the alerts just restored (absent in snapshots
  // before session 12).
  if (const JsonValue* closed = doc->Find("closed"); closed != nullptr && closed->is_array()) {
    for (const JsonValue& saved : closed->items()) RestoreClosedIncident(saved);
  }
  // The saved noise counters replace what re-creating the alerts above counted (absent in
  // snapshots before session 12: then those counts stay).
  if (const JsonValue* noise = doc->Find("noise"); noise != nullptr && noise->is_array()) {
    for (NoiseStats& ns : noise_) {
      ns.buckets.clear();
      ns.resolves.clear();
    }
    for (const JsonValue& saved : noise->items()) RestoreNoise(saved);
  }
  if (const JsonValue* w = doc->Find("watermark")) {
    if (w->AsInt64() != INT64_MIN) AdvanceWatermark(Ev(w->AsInt64()));
  }
  return absl::OkStatus();
}

}  // namespace quell::correlate
