// src/correlate/shard.h
//
// Shard: the single-threaded correlation engine core. It takes signals (alerts; deploys for
// attribution; other kinds are counted and ignored) and watermark advances, and emits
// core::Notifications to a NotificationSink. Everything runs on event time: a timer (group_wait,
// group_interval, repeat_interval, flap stability, transient grace, alert endsAt, storm close)
// fires when the watermark passes it, with the timer's own time as "now", so the same input gives
// the same output byte for byte: a gap in the stream replays the ticks (and repeat_interval
// re-notifications) live time would have had. Only a gap longer than `catch_up_horizon` (24h) is
// cut short, as Go's ticker drops missed ticks for Alertmanager after a pause: group_interval ticks
// more than the horizon behind the watermark advance that passes them collapse into one, so a
// stream with a months-long gap, or a replay followed by the live clock, re-notifies an open
// incident a bounded number of times and costs a bounded number of flushes. Which ticks collapse
// depends on the watermark advances, so across such a gap the output is reproducible for the same
// input in the same batches (as `quell replay` gives it), not for any split into batches.
//
// Operation, per alert signal:
//   late?     event time < watermark -> applied at the watermark (start kept), decision kLate, counted.
//   dedup     fingerprint (all labels, or `dedup` labels for its format) -> AlertState; a repeat
//             of the same state is a duplicate (counted, no allocation).
//   severity  a firing signal whose known severity differs from a firing (or refiring) alert's
//             changes it (decision kSeverityChanged); a `severity` label Quell implied follows it,
//             so the alert is inhibited, silenced and routed again under its new labels: it leaves
//             the incidents whose route or group it no longer matches (sent resolved there, with
//             the labels that incident notified, if it was notified firing) and joins the new ones.
//             A rise above what an incident it stays in last notified notifies at its next flush.
//   flapping  >= N state changes within W -> held until stable for S, then released once.
//   transient a new alert joins incidents only after `grace`; resolving earlier never pages.
//   route     Alertmanager routing (continue); each matched route gives one incident: keyed by
//             (route, group_by labels), or, for services in the topology, by (route, connected
//             component) for alerts starting within topology.window of the incident's activity.
//   flush     per incident: first at group_wait, then every group_interval; Alertmanager's
//             notification-log rule decides whether to notify (new firing alert, resolved change,
//             repeat_interval passed). Silences, inhibit rules and maintenance windows mute firing
//             alerts at flush time; resolved alerts that were notified firing are never muted (a
//             paged incident always gets its resolve). class noise records and never notifies;
//             investigate goes to low_urgency_receiver; rate_limits turn excess first pages into
//             one storm page. An acked incident is not re-notified until it changes.
//
// Memory is bounded: at most max_fingerprints_per_shard alerts and max_groups_per_shard open
// incidents; past either the oldest is evicted and counted. Resolved alerts and closed incidents
// are kept for incident_retention, then dropped.
//
// Threading: not thread-safe. One thread owns a Shard (ShardedEngine runs one per thread and
// sends queries to it through its queue). `*sink` and `*silencer` must outlive the Shard; sink
// Send() is called on the owning thread.
#ifndef QUELL_CORRELATE_SHARD_H_
#define QUELL_CORRELATE_SHARD_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "core/deployment.h"
#include "core/notification_sink.h"
#include "core/signal_batch.h"
#include "core/token_bucket.h"
#include "correlate/compact_labels.h"
#include "correlate/compiled_rules.h"
#include "correlate/decision.h"
#include "correlate/incident_view.h"
#include "correlate/silencer.h"

namespace quell::correlate {

class JsonValue;

// Why a signal or an alert was kept from notifying. Counted in ShardStats::suppressed (monotonic,
// exported as quell_correlate_suppressed_total{reason}): kDedup and kLate once per signal, the
// others once per alert each time it becomes suppressed for that reason (the decisions `explain`
// shows), which is also what GET /api/v1/noise counts per rule.
enum class SuppressReason : uint8_t {
  kDedup = 0,
  kLate,
  kSilenced,
  kInhibited,
  kMaintenance,
  kTimeMuted,
  kFlapping,
  kTransient,
  kNoiseClass,
  kStormRollup,  // Rate limited: its incident rolled into a storm page.
};
inline constexpr size_t kSuppressReasons = 10;
// The `reason` label value.
std::string_view SuppressReasonName(SuppressReason r);

struct ShardStats {
  uint64_t suppressed[kSuppressReasons] = {};  // By SuppressReason.
  uint64_t signals = 0;
  uint64_t alerts_in = 0;
  uint64_t duplicates = 0;
  uint64_t ignored = 0;          // Non-alert, non-deploy kinds.
  uint64_t late = 0;
  uint64_t resolved_unknown = 0; // Resolve for a fingerprint the shard does not hold.
  uint64_t evicted_alerts = 0;
  uint64_t evicted_incidents = 0;
  uint64_t notifications = 0;
  uint64_t pages = 0;            // Firing incident notifications.
  uint64_t storm_pages = 0;
  uint64_t rolled_into_storm = 0;
  uint64_t active_alerts = 0;
  uint64_t open_incidents = 0;
  uint64_t incidents_opened = 0;
  uint64_t deploys = 0;
  uint64_t future_clamped = 0;   // Alert times past observed + max_future_skew, clamped (decision future_clamped).
};

class Shard {
 public:
  Shard(std::shared_ptr<const CompiledRules> rules, core::NotificationSink* sink,
        const Silencer* silencer);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Processes every signal of `batch`, then moves the watermark to (newest event time seen -
  // allowed_lateness) when that is later. Allocation-free for duplicates in steady state.
  void Process(const core::SignalBatch& batch);
  // The same for the signals of `batch` at `indices` (in that order): ShardedEngine hands every
  // shard the one shared batch and the indices of its signals, so nothing is copied.
  void Process(const core::SignalBatch& batch, const std::vector<uint32_t>& indices);
  // Fires every timer due at or before `t`, in time order. Never moves the watermark back.
  void AdvanceWatermark(core::EventTime t);
  core::EventTime watermark() const { return core::EventTime::FromUnixNanos(watermark_); }
  core::EventTime max_event_time() const { return core::EventTime::FromUnixNanos(max_seen_); }

  // Remembers a deployment for attribution (POST /api/v1/deployments, deploy signals).
  void RecordDeployment(const core::Deployment& d);
  // Acknowledges an open incident. Errors: NotFound.
  [[nodiscard]] absl::Status Ack(std::string_view incident_id, std::string_view who,
                                 std::string_view comment);
  // Swaps rules between batches. Open incidents keep their id and the rules they opened under;
  // new alerts route by the new rules (and join an open incident with the same route key and
  // group labels).
  void Reload(std::shared_ptr<const CompiledRules> rules);

  // Reads (call on the owning thread).
  std::vector<IncidentView> ListIncidents() const;
  // `view_time` (optional) is the time at which mute state (silences, windows) is evaluated for
  // display; the shard uses the latest of it, its watermark and its newest event time.
  std::optional<IncidentView> GetIncident(std::string_view id, core::EventTime view_time = {}) const;
  bool HasIncident(std::string_view id) const;
  // Decisions for a fingerprint (Quell's or Alertmanager's hex), newest first.
  std::vector<DecisionRecord> Explain(std::string_view fingerprint_hex) const;
  std::vector<AlertView> Alerts(core::EventTime view_time = {}) const;
  std::vector<AlertGroupView> Groups(core::EventTime view_time = {}) const;
  // Adds this shard's counts for [now - window, now] (event time) into *rows (merged by key).
  void Noise(absl::Duration window, std::vector<NoiseRow>* rows) const;
  ShardStats stats() const;
  const CompiledRules& rules() const { return *rules_; }

  // State snapshot (JSON, format in docs/rules.md "State snapshot"): alerts with labels,
  // annotations, state and times; the watermark; deploys; and what each open incident has
  // notified (its id, the alerts in its last notification, when, its sequence number, its ack,
  // the severity it notified, the alerts that left it and are owed their resolve);
  // the resolved incidents still within incident_retention, with their members and history; and
  // the noise report's hourly counters.
  // Restore() rebuilds the alerts, re-admits firing ones into incidents (dedup keys are derived
  // from route and group labels, so they come back under the same keys), and gives an incident
  // whose dedup key is in the snapshot its id and notification state back: it notifies again only
  // for a change (an alert firing or resolved since) or its repeat_interval, as it would have
  // without the restart. An incident owed a departed alert's resolve that none of its alerts
  // reopens is reopened by itself, to send it. Errors: DataLoss.
  std::string Serialize() const;
  [[nodiscard]] absl::Status Restore(std::string_view json);

  // Approximate heap + table bytes held for alerts and incidents (benchmarks).
  size_t ApproximateAlertBytes() const;
  size_t ApproximateIncidentBytes() const;

 private:
  struct AlertState;
  struct Incident;
  struct Timer {
    int64_t time;
    uint64_t seq;
    uint8_t kind;
    uint64_t target;
    bool operator>(const Timer& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  struct NoiseBucket;
  struct NoiseStats;
  struct StormState;

  void ProcessSignal(const core::SignalBatch& batch, const core::Signal& s, int64_t lateness);
  void FinishBatch();
  // `clamped_from`: the signal's own time when ProcessSignal clamped it to its observed time (0: not clamped).
  void ProcessAlert(const core::SignalBatch& batch, const core::Signal& s, int64_t clamped_from = 0);
  // The labels a new alert is stored, routed, inhibited and silenced with: its own, plus
  // severity="<normalized severity>" when it has no `severity` label and its source gave a
  // severity (Datadog alert_type/priority), so that routes written for Alertmanager's `severity`
  // label apply to every source. Not part of the fingerprint (taken from the signal's own labels).
  // The implied label follows the alert's severity while it fires (ChangeSeverity); a label the
  // source sent never changes. Views implied_scratch_ or `labels`.
  core::LabelView WithImpliedSeverity(const core::Signal& s, core::LabelView labels);
  // A firing signal gave the alert another known severity (REQUIRES: `severity` is not kUnknown
  // and differs from a.severity). Records kSeverityChanged; when `relabel` (its `severity` label
  // is implied and the signal has none of its own) the label follows: inhibit sources are moved
  // from the old labels to the new ones, routes are matched again, the alert leaves the incidents
  // it no longer belongs to (LeaveUnmatchedIncidents) and, if admitted, applied firing and not
  // held, joins the new ones now, else when it is admitted, refires or is released. A rise
  // clears the ack of the incidents it stays in whose last notification had a lower severity.
  void ChangeSeverity(uint64_t fp, AlertState& a, core::Severity severity, bool relabel, int64_t t);
  // After a relabel: leaves each incident whose index key none of the alert's routes gives for
  // its new labels. One whose last notification listed it firing keeps a Departed entry (with
  // `old_labels`, `old_annotations`), so its next notification lists the alert resolved.
  void LeaveUnmatchedIncidents(uint64_t fp, AlertState& a, const core::LabelSet& old_labels,
                               const core::LabelSet& old_annotations, core::Severity old_severity, int64_t t);
  // Joins the incidents of the alert's routes that it is not in yet (by index key); clears
  // kJoinPending. REQUIRES: admitted, applied firing.
  void JoinNewRoutes(uint64_t fp, AlertState& a, int64_t t);
  // The key an alert with `labels` has on route `route_index` (open_by_key_), and its group.
  uint64_t IncidentIndexKey(int route_index, core::LabelView labels, core::LabelSet* group_labels,
                            std::string* group_text, int* component) const;
  void ProcessDeploy(const core::SignalBatch& batch, const core::Signal& s);
  // `t`: when the engine applies the signal; `started`: the alert's own start (t unless it came
  // late, when it is earlier).
  // `firing` false (a restore): the alert is created resolved, in no incident, with no timers.
  AlertState* CreateAlert(uint64_t fp, const core::SignalBatch& batch, const core::Signal& s,
                          core::LabelView labels, int64_t t, int64_t started, bool firing = true);
  // `started`: a firing signal's own time, its start (t unless it came late, when it is earlier):
  // an alert firing again starts then, as CreateAlert's does.
  void ApplyState(uint64_t fp, AlertState& a, bool firing, int64_t t, int64_t started = INT64_MAX);
  void Admit(uint64_t fp, AlertState& a, int64_t t);
  // Opens the incident the alert's group has on `route` (its id made of what a replay of the input
  // gives again: the group, the alert and its start; ADR 0057) or joins the open one.
  void JoinIncident(uint64_t fp, AlertState& a, int route, int64_t t);
  void MarkIncidentsDirty(uint64_t fp, AlertState& a, int64_t t, bool refire);
  // An alert's incidents: AlertState::incident, then extra_incidents_ (several routes).
  template <typename F>
  void ForEachIncident(uint64_t fp, const AlertState& a, F&& f);
  bool InAnyIncident(uint64_t fp, const AlertState& a) const;
  void AddIncident(uint64_t fp, AlertState& a, uint64_t serial);
  void DropIncident(uint64_t fp, AlertState& a, uint64_t serial);
  uint32_t InternRoutes(const std::vector<int>& routes);
  void FlushIncident(Incident& inc, int64_t now);
  void CloseIncident(Incident& inc, int64_t now);
  absl::Status RestoreIncidentState(const JsonValue& saved);
  // At a restore, after the alerts: reopens each saved incident that still owes a departed alert
  // its resolve and that no restored alert reopened (its alerts all left it), so it is sent.
  void ReopenDepartedIncidents();
  // A resolved incident of a snapshot ("closed"): kept as it was, read-only, until
  // incident_retention after its resolution; skipped when its route key is gone from the rules.
  void RestoreClosedIncident(const JsonValue& saved);
  // One (alertname, route) of a snapshot's noise report counters, merged into noise_ by hour.
  void RestoreNoise(const JsonValue& saved);
  void ApplyRestoredState(Incident& inc);
  void EvictOldestAlert(int64_t t);
  void EvictOldestIncident(int64_t t);
  void RemoveAlert(uint64_t fp, AlertState& a);
  void Schedule(int64_t time, uint8_t kind, uint64_t target);
  void FireTimer(const Timer& t);
  void GarbageCollect(int64_t now);
  void Record(uint64_t fp, AlertState* a, DecisionKind kind, uint32_t rule, uint64_t arg, int64_t t);
  // The index of a silence id in silence_ids_ (added when new): a kSilenced decision's argument.
  uint64_t InternSilenceId(const std::string& id);
  // Replaces `st`'s decision log with the one saved with it ("log"), its rules mapped by
  // `rule_map` (saved index -> current index); without a saved log, leaves it. Restores the marks
  // of the suppressions already logged and counted ("noted"), so they are not logged again.
  void RestoreDecisionLog(const JsonValue& saved, const std::vector<uint32_t>& rule_map, AlertState* st);
  // A decision's rule when its rule is unknown (gone from the config): Explain names none.
  static constexpr uint32_t kNoRule = (1u << 24) - 1;
  void UpdateInhibitSources(uint64_t fp, const AlertState& a, bool add);
  // The alert takes the annotations of `s` (a signal of it, no older than its latest), as
  // Alertmanager's merge takes the newer alert's: its annotations when it has any (else the
  // alert's stay), and its generator URL when it has one (else the alert's stays). Re-encodes the
  // alert's labels only when something changed.
  void TakeAnnotations(AlertState& a, const core::SignalBatch& batch, const core::Signal& s);
  void RefreshSilences();
  // Returns true iff the alert is muted at `now`; fills the reason for the decision log.
  bool Muted(uint64_t fp, AlertState& a, int64_t now, std::vector<std::string>* silenced_by,
             std::vector<std::string>* inhibited_by, bool record);
  void SendStormPage(int rate_limit, int64_t now, bool resolved);
  void ComputeRootCause(Incident& inc) const;
  std::optional<core::AttributedDeploy> AttributeDeploy(std::string_view service, int64_t start) const;
  AlertView MakeAlertView(uint64_t fp, const AlertState& a, int64_t now) const;
  IncidentView MakeIncidentView(const Incident& inc, bool detail, int64_t now) const;
  int64_t ViewTime(core::EventTime hint) const {
    return std::max({hint.unix_nanos(), watermark_, max_seen_});
  }
  std::string RenderDecisionDetail(const Decision& d) const;
  NoiseBucket& NoiseFor(uint32_t idx, int64_t t);
  // Counts a suppression in stats_ and in the alert's noise row (kTimeMuted: stats only).
  void CountSuppressed(uint32_t noise, SuppressReason r, int64_t t);
  uint32_t NoiseIndex(std::string_view alertname, const std::string& route_key);

  std::shared_ptr<const CompiledRules> rules_;
  core::NotificationSink* sink_;
  const Silencer* silencer_;
  uint64_t silence_version_ = ~uint64_t{0};
  std::shared_ptr<const SilenceSnapshot> silences_;
  std::vector<std::string> silence_ids_;  // Interned silence ids for decisions.

  int64_t watermark_ = INT64_MIN;
  int64_t max_seen_ = INT64_MIN;
  int64_t next_gc_ = INT64_MIN;
  int64_t advance_target_ = INT64_MIN;  // While AdvanceWatermark runs: where it is going.
  uint64_t timer_seq_ = 0;
  uint64_t alert_seq_ = 0;
  uint64_t incident_serial_ = 0;

  absl::flat_hash_map<uint64_t, std::unique_ptr<AlertState>> alerts_;
  LabelNameTable names_;                                    // Label/annotation names of alerts_.
  std::vector<std::vector<int>> route_sets_;                // Distinct matched-route lists.
  absl::flat_hash_map<uint64_t, uint32_t> route_set_index_; // Hash of a list -> index.
  // Incidents beyond AlertState::incident (alerts matching several routes), by fingerprint.
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> extra_incidents_;
  // Sliding flap window: the latest state-change times (at most flapping.changes) of alerts that
  // changed state, by fingerprint; dropped when released or when the window has passed (GC).
  absl::flat_hash_map<uint64_t, std::vector<int64_t>> flap_history_;
  std::deque<std::pair<uint64_t, uint64_t>> alert_order_;  // (fingerprint, seq), creation order.
  absl::node_hash_map<uint64_t, Incident> incidents_;       // By serial (open and retained).
  absl::flat_hash_map<uint64_t, uint64_t> open_by_key_;     // Index key -> serial.
  absl::flat_hash_map<uint64_t, uint64_t> sequence_by_dedup_;
  // An alert that left an incident (its implied severity label changed: it no longer matches the
  // incident's route or group) after the incident's last notification listed it firing. The next
  // notification lists it resolved, with the labels the receiver saw (Alertmanager's view: that
  // label set's alert is gone); then, or when the alert joins the incident again, it is dropped.
  struct Departed {
    uint64_t fp = 0;
    core::LabelSet labels;       // As last notified (the old `severity` value).
    core::LabelSet annotations;  // Including the generator URL entry.
    int64_t starts_at = 0;
    int64_t ends_at = 0;         // When it left (or resolved, if it had).
  };
  // Notification state of the incidents of a restored snapshot, by dedup key, until the incident
  // with that key is created again (its alerts may be admitted later: lateness, transient grace).
  struct RestoredIncident {
    uint64_t id_hash = 0;
    int64_t created_at = 0;
    int64_t last_notify_at = 0;
    bool has_entry = false, paged = false, rolled = false, acked = false;
    core::Severity max_severity = core::Severity::kUnknown;
    core::Severity notified_severity = core::Severity::kUnknown;
    std::string acked_by, ack_comment;
    std::vector<uint64_t> last_firing, last_resolved;
    // Alerts owed a resolve, with what ReopenDepartedIncidents needs when none of its alerts
    // comes back to reopen it (saved only with departed entries).
    std::vector<Departed> departed;
    std::string route_id;
    core::LabelSet group_labels;
    uint64_t index_key = 0;
    int64_t next_flush = 0;
    std::vector<SentNotification> sent;   // What it notified, for the API and the console.
    std::vector<TimelineEntry> timeline;  // Its history before the restart.
  };
  absl::flat_hash_map<uint64_t, RestoredIncident> restored_incidents_;
  std::deque<uint64_t> incident_order_;                     // Serials, creation order.
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  // Inhibition: per rule, equal-label hash -> firing sources.
  struct SourceRef {
    uint64_t fp;
    int64_t start;
    bool matches_target;
  };
  std::vector<absl::flat_hash_map<uint64_t, std::vector<SourceRef>>> inhibit_sources_;
  absl::flat_hash_map<std::string, std::deque<core::Deployment>> deploys_;
  std::vector<std::unique_ptr<StormState>> storms_;  // Per rate limit.
  std::vector<NoiseStats> noise_;
  absl::flat_hash_map<std::string, uint32_t> noise_index_;
  std::deque<std::pair<uint64_t, Decision>> orphan_log_;  // Late/evicted with no state.
  ShardStats stats_;
  // Scratch (no per-signal allocation).
  std::vector<int> route_scratch_;
  std::vector<core::Label> label_scratch_;
  std::vector<core::Label> label_scratch2_;
  std::vector<core::Label> annotation_scratch_;  // TakeAnnotations' new list.
  std::vector<core::Label> implied_scratch_;  // WithImpliedSeverity's labels.
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_SHARD_H_
