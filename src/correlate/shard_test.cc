#include "correlate/shard.h"

#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "core/event_time.h"
#include "core/fingerprint.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;

class Recorder : public core::NotificationSink {
 public:
  void Send(core::Notification n) override { out.push_back(std::move(n)); }
  std::vector<core::Notification> out;
};

core::EventTime T(std::string_view s) { return core::EventTime::FromAbsl(*core::ParseRfc3339(s)); }

std::shared_ptr<const CompiledRules> Rules(std::string_view extra = "") {
  std::string e(extra);
  std::string text = std::string(e.find("route:") == std::string::npos
                          ? "route: {receiver: pager, group_by: [alertname], group_wait: 30s, group_interval: 5m, runbook: r.md}\n"
                          : "") +
                     (e.find("correlate:") == std::string::npos ? "correlate: {allowed_lateness: 0s}\n" : "") + e;
  return CompiledRules::Build(*LoadRulesString(text, "rules.yaml"));
}

// A silence of `matcher` from 10:01 to 12:00 on the tests' day.
Silence SilenceUntilNoon(std::string_view matcher) {
  Silence s;
  s.matchers = *ParseMatcherText(matcher);
  s.starts_at = T("2026-01-05T10:01:00Z").ToAbsl();
  s.ends_at = T("2026-01-05T12:00:00Z").ToAbsl();
  s.created_by = "a";
  s.comment = "c";
  return s;
}

struct AlertTimes {
  core::EventTime observed;  // 0: unknown.
  core::EventTime ends;      // endsAt; 0: absent.
};

void Alert(Shard* shard, std::string_view name, std::string_view instance, core::EventTime t, bool resolved = false,
           core::Format format = core::Format::kAlertmanager, AlertTimes times = {}) {
  core::SignalBatch b;
  core::Signal& s = b.Add();
  s.kind = core::SignalKind::kAlert;
  s.format = format;
  s.state = resolved ? core::SignalState::kResolved : core::SignalState::kFiring;
  s.event_time = t;
  s.observed_time = times.observed;
  s.end_time = times.ends;
  b.AddLabelCopy("alertname", name);
  b.AddLabelCopy("instance", instance);
  b.FinishLabels();
  shard->Process(b);
}

TEST(ShardTest, NotificationIsComplete) {
  Recorder rec;
  Shard shard(Rules("correlate: {allowed_lateness: 0s, external_url: 'https://q', runbook_base_url: 'https://rb/'}\n"), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  Alert(&shard, "A", "2", T("2026-01-05T10:00:01Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  const core::Notification& n = rec.out[0];
  EXPECT_EQ(n.receiver, "pager");
  EXPECT_EQ(n.group_key, "{}:{alertname=\"A\"}");
  EXPECT_EQ(n.group_labels.ToString(), "{alertname=\"A\"}");
  EXPECT_EQ(n.common_labels.ToString(), "{alertname=\"A\"}");
  EXPECT_EQ(n.alerts.size(), 2u);
  EXPECT_EQ(n.firing_count, 2u);
  EXPECT_EQ(n.sequence, 1u);
  EXPECT_EQ(n.dedup_key.size(), 16u);
  EXPECT_EQ(n.runbook, "r.md");
  EXPECT_EQ(n.runbook_url, "https://rb/r.md");
  EXPECT_EQ(n.external_url, "https://q/api/v1/incidents/" + n.incident_id);
  EXPECT_EQ(n.time, T("2026-01-05T10:00:30Z"));
  // Dedup key is stable across instances (replays, restarts).
  Recorder rec2;
  Shard again(Rules(), &rec2, nullptr);
  Alert(&again, "A", "1", T("2026-01-05T10:00:00Z"));
  again.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec2.out.size(), 1u);
  EXPECT_EQ(rec2.out[0].dedup_key, n.dedup_key);
  EXPECT_EQ(rec2.out[0].incident_id, n.incident_id);
}

// QA: a re-send of a firing alert kept its first annotations and generator URL for as long as it
// fired, so pages showed a stale {{ $value }}. Alertmanager's merge takes the newer alert's; an
// older (retried) signal or one without annotations leaves them. (Prometheus re-sends with the
// alert's startsAt: the same event time, or a late one applied at the watermark, both newest.)
TEST(ShardTest, ReSendsOfAFiringAlertUpdateItsAnnotationsAndGeneratorUrl) {
  Recorder rec;
  Shard shard(Rules("correlate: {allowed_lateness: 1m}\n"), &rec, nullptr);
  auto send = [&](std::string_view t, std::string_view value, std::string_view link) {
    core::SignalBatch b;
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.format = core::Format::kAlertmanager;
    s.state = core::SignalState::kFiring;
    s.event_time = T(t);
    s.link = link;
    b.AddLabelCopy("alertname", "A");
    b.FinishLabels();
    if (!value.empty()) {
      b.AddAnnotation("summary", "queue depth");
      b.AddAnnotation("value", value);
    }
    shard.Process(b);
  };
  auto view = [&] {
    std::vector<AlertView> v = shard.Alerts();
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? AlertView{} : v[0];
  };
  send("2026-01-05T10:00:00Z", "1", "http://prom/1");
  send("2026-01-05T10:00:15Z", "2", "http://prom/2");
  EXPECT_EQ(view().annotations.ToString(), "{summary=\"queue depth\", value=\"2\"}");
  EXPECT_EQ(view().generator_url, "http://prom/2");
  send("2026-01-05T10:00:05Z", "0", "http://prom/0");  // Older than the latest (not late): ignored.
  EXPECT_EQ(view().annotations.Get("value"), "2");
  EXPECT_EQ(view().generator_url, "http://prom/2");
  send("2026-01-05T10:00:20Z", "", "");  // Neither annotations nor a link: both stay.
  EXPECT_EQ(view().annotations.Get("value"), "2");
  EXPECT_EQ(view().generator_url, "http://prom/2");
  send("2026-01-05T10:00:25Z", "", "http://prom/3");  // Only a link: the annotations stay.
  EXPECT_EQ(view().annotations.Get("value"), "2");
  EXPECT_EQ(view().generator_url, "http://prom/3");
  send("2026-01-05T10:00:28Z", "4", "");  // Only annotations: the link stays.
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  send("2026-01-05T10:00:00Z", "5", "");  // Late (before the watermark): applied at it, so newest.
  EXPECT_EQ(view().annotations.Get("value"), "5");
  ASSERT_EQ(rec.out.size(), 1u);  // Annotations alone never notify again.
  ASSERT_EQ(rec.out[0].alerts.size(), 1u);
  EXPECT_EQ(rec.out[0].alerts[0].annotations.Get("value"), "4");
  EXPECT_EQ(rec.out[0].alerts[0].generator_url, "http://prom/3");
}

// commonAnnotations holds every annotation all the group's alerts share, whatever order their
// senders wrote them in (Alertmanager's summary, description, runbook_url is not name order),
// and none that differ; the generator URL is not an annotation.
TEST(ShardTest, CommonAnnotationsAreThoseAllAlertsShare) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  for (std::string_view instance : {"1", "2"}) {
    core::SignalBatch b;
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.format = core::Format::kAlertmanager;
    s.state = core::SignalState::kFiring;
    s.event_time = T("2026-01-05T10:00:00Z");
    s.link = "http://prometheus/graph";
    b.AddLabelCopy("alertname", "A");
    b.AddLabelCopy("instance", instance);
    b.FinishLabels();
    b.AddAnnotation("summary", "Error rate high");
    b.AddAnnotation("value", instance);
    b.AddAnnotation("description", "5xx above 5%");
    b.AddAnnotation("runbook_url", "https://rb/a");
    b.AddAnnotation("alpha", "first");
    shard.Process(b);
  }
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  const core::Notification& n = rec.out[0];
  ASSERT_EQ(n.alerts.size(), 2u);
  EXPECT_EQ(n.common_annotations.ToString(),
            "{alpha=\"first\", description=\"5xx above 5%\", runbook_url=\"https://rb/a\", summary=\"Error rate high\"}");
  for (const core::NotifiedAlert& a : n.alerts) {
    EXPECT_EQ(a.annotations.Get("value"), a.labels.Get("instance"));
    EXPECT_EQ(a.annotations.Get("description"), "5xx above 5%");
    EXPECT_EQ(a.annotations.ToString(),
              fmt::format("{{alpha=\"first\", description=\"5xx above 5%\", runbook_url=\"https://rb/a\", "
                          "summary=\"Error rate high\", value=\"{}\"}}",
                          a.labels.Get("instance")));
    EXPECT_EQ(a.generator_url, "http://prometheus/graph");
  }
}

// Two `continue` siblings with the same matchers are two routes (Alertmanager's Route.ID() adds
// the sibling index): each gets its own incident, incident id and dedup key, and the group_key
// stays Alertmanager's (no index). Before, both incidents carried the same id and dedup key.
TEST(ShardTest, TwinSiblingRoutesKeepSeparateIncidentsAndDedupKeys) {
  Recorder rec;
  Shard shard(Rules(R"(route:
  receiver: pager
  group_by: [alertname]
  group_wait: 30s
  runbook: r.md
  routes:
    - {matchers: ['alertname="A"'], receiver: pager, continue: true}
    - {matchers: ['alertname="A"'], receiver: slack, continue: true}
    - {matchers: ['alertname="A"'], receiver: pager}
)"),
              &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  std::set<std::string> dedup, ids;
  for (const core::Notification& n : rec.out) {
    EXPECT_EQ(n.group_key, "{}/{alertname=\"A\"}:{alertname=\"A\"}");
    dedup.insert(n.dedup_key);
    ids.insert(n.incident_id);
  }
  EXPECT_EQ(dedup.size(), 3u);
  EXPECT_EQ(ids.size(), 3u);
  // A route without a twin keeps the key-based id (dedup keys from before stay the same).
  ASSERT_OK_AND_ASSIGN(RulesConfig cfg, LoadRulesString("route: {receiver: x, runbook: r.md, routes: [{matchers: ['a=\"1\"'], receiver: y, routes: [{matchers: ['b=\"2\"'], receiver: z}]}, {matchers: ['a=\"1\"'], receiver: w}]}\n", "r.yaml"));
  RouteTree tree(cfg.route);
  ASSERT_EQ(tree.size(), 4u);
  EXPECT_EQ(tree.route(1).id, "{}/{a=\"1\"}/0");
  EXPECT_EQ(tree.route(2).key, "{}/{a=\"1\"}/{b=\"2\"}");
  EXPECT_EQ(tree.route(2).id, "{}/{a=\"1\"}/0/{b=\"2\"}");
  EXPECT_EQ(tree.route(3).id, "{}/{a=\"1\"}/1");
}

TEST(ShardTest, DedupRuleFingerprintsOverConfiguredLabels) {
  Recorder rec;
  Shard shard(Rules("dedup: [{format: datadog_webhook, labels: [alertname]}]\n"), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"), false, core::Format::kDatadogWebhook);
  Alert(&shard, "A", "2", T("2026-01-05T10:00:01Z"), false, core::Format::kDatadogWebhook);
  EXPECT_EQ(shard.stats().active_alerts, 1u);
  EXPECT_EQ(shard.stats().duplicates, 1u);
}

// A source's normalized severity (a Datadog monitor's alert_type) is matched as the `severity`
// label when the alert has none: the embedded default's paging route (severity=~"critical|error")
// pages a Datadog error, and its inhibit rule holds the warning back. An alert's own severity
// label wins, and the fingerprint stays that of its own labels.
TEST(ShardTest, NormalizedSeverityIsMatchedAsTheSeverityLabel) {
  Recorder rec;
  Shard shard(Rules(R"(
route:
  receiver: console
  group_by: [alertname]
  runbook: r.md
  routes:
    - {matchers: ['severity=~"critical|error"'], receiver: pages}
inhibit_rules:
  - {source_matchers: ['severity="error"'], target_matchers: ['severity="warning"']}
)"), &rec, nullptr);
  auto datadog = [&](std::string_view name, core::Severity sev, std::string_view own_label) {
    core::SignalBatch b;
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.format = core::Format::kDatadogWebhook;
    s.state = core::SignalState::kFiring;
    s.severity = sev;
    s.event_time = T("2026-01-05T10:00:00Z");
    b.AddLabelCopy("alertname", name);
    if (!own_label.empty()) b.AddLabelCopy("severity", own_label);
    b.FinishLabels();
    const uint64_t fp = b.signals()[0].fingerprint.value();
    shard.Process(b);
    return fp;
  };
  const uint64_t error_fp = datadog("Errors", core::Severity::kError, "");
  datadog("Latency", core::Severity::kWarning, "");
  datadog("Own", core::Severity::kError, "info");  // Its own label says info: not a page.
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);
  std::map<std::string, std::string> receiver_of;
  for (const core::Notification& n : rec.out) receiver_of[std::string(n.common_labels.Get("alertname"))] = n.receiver;
  EXPECT_EQ(receiver_of["Errors"], "pages");
  EXPECT_EQ(receiver_of["Own"], "console");
  EXPECT_EQ(receiver_of.count("Latency"), 0u);  // Inhibited by the error.
  for (const core::Notification& n : rec.out) {
    if (n.receiver == "pages") {
      EXPECT_EQ(n.common_labels.Get("severity"), "error");
      ASSERT_EQ(n.alerts.size(), 1u);
    }
  }
  bool found = false;
  for (const AlertView& v : shard.Alerts()) {
    if (v.labels.Get("alertname") != "Errors") continue;
    found = true;
    EXPECT_EQ(v.fingerprint, fmt::format("{:016x}", error_fp));  // The signal's own labels'.
    EXPECT_EQ(v.labels.Get("severity"), "error");
  }
  EXPECT_TRUE(found);
}

TEST(ShardTest, NoiseClassNeverNotifiesInvestigateGoesLowUrgency) {
  Recorder rec;
  Shard shard(Rules(R"(
route:
  receiver: pager
  group_by: [alertname]
  runbook: r.md
  routes:
    - {matchers: ['alertname="Watchdog"'], class: noise}
    - {matchers: ['alertname="Slow"'], class: investigate, low_urgency_receiver: slack}
)"), &rec, nullptr);
  Alert(&shard, "Watchdog", "1", T("2026-01-05T10:00:00Z"));
  Alert(&shard, "Slow", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  EXPECT_EQ(rec.out[0].receiver, "slack");
  std::vector<NoiseRow> rows;
  shard.Noise(absl::Hours(1), &rows);
  uint64_t noise = 0;
  for (const auto& r : rows) noise += r.suppressed_noise;
  EXPECT_EQ(noise, 1u);
}

TEST(ShardTest, PagedThenSilencedIncidentStillGetsItsResolve) {
  Recorder rec;
  Silencer silencer;
  Shard shard(Rules(), &rec, &silencer);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_OK(silencer.Upsert(SilenceUntilNoon("alertname=\"A\""), T("2026-01-05T10:01:00Z").ToAbsl()).status());
  Alert(&shard, "A", "1", T("2026-01-05T10:02:00Z"), /*resolved=*/true);
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);
  EXPECT_EQ(rec.out[1].status, core::NotificationStatus::kResolved);
}

TEST(ShardTest, SerializeRestoreKeepsAlertsDedupKeysAndWhatWasNotified) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  std::string snap = shard.Serialize();
  Recorder rec2;
  Shard restored(Rules(), &rec2, nullptr);
  ASSERT_OK(restored.Restore(snap));
  EXPECT_EQ(restored.stats().active_alerts, 1u);
  restored.AdvanceWatermark(T("2026-01-05T10:02:00Z"));
  EXPECT_TRUE(rec2.out.empty());  // The incident knows it paged A: the restore sends nothing.
  Alert(&restored, "A", "1", T("2026-01-05T10:03:00Z"), /*resolved=*/true);
  restored.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec2.out.size(), 1u);  // The resolve, under the page's key and incident id.
  EXPECT_EQ(rec2.out[0].status, core::NotificationStatus::kResolved);
  EXPECT_EQ(rec2.out[0].dedup_key, rec.out[0].dedup_key);
  EXPECT_EQ(rec2.out[0].incident_id, rec.out[0].incident_id);
  EXPECT_EQ(rec2.out[0].sequence, rec.out[0].sequence + 1);
  EXPECT_THAT(restored.Restore("{\"version\":2}"), StatusIs(absl::StatusCode::kDataLoss));
}

// With allowed lateness and a transient grace (as the default config has) restored alerts join
// their incidents only later, when the watermark passes their hold: the incident opened then
// still takes back what it had notified and its ack, so the restore pages nothing.
TEST(ShardTest, RestoredStateReachesIncidentsThatReopenAfterTheirAlertsAreHeld) {
  const std::string extra = "correlate: {allowed_lateness: 1m}\ntransient: {grace: 2m}\n";
  Recorder rec;
  Shard shard(Rules(extra), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  Alert(&shard, "A", "2", T("2026-01-05T10:00:30Z"));  // Two members, admitted one after the other.
  shard.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  ASSERT_OK(shard.Ack(rec.out[0].incident_id, "alice", "looking"));
  Recorder rec2;
  Shard restored(Rules(extra), &rec2, nullptr);
  ASSERT_OK(restored.Restore(shard.Serialize()));
  restored.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  EXPECT_TRUE(rec2.out.empty());
  ASSERT_EQ(restored.ListIncidents().size(), 1u);
  const IncidentView v = restored.ListIncidents()[0];
  EXPECT_EQ(v.id, rec.out[0].incident_id);
  EXPECT_EQ(v.firing, 2u);
  // The second member joining again is not news: the ack holds.
  EXPECT_TRUE(v.acked);
  EXPECT_EQ(v.acked_by, "alice");
  // Its page keeps its history: what it notified before the restart, and its timeline (the saved
  // entries first, then the restore itself).
  auto before = shard.GetIncident(rec.out[0].incident_id);
  auto after = restored.GetIncident(rec.out[0].incident_id);
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->notifications.size(), 1u);
  EXPECT_EQ(after->notifications[0].sequence, before->notifications[0].sequence);
  EXPECT_EQ(after->notifications[0].status, "firing");
  EXPECT_EQ(after->notifications[0].time, before->notifications[0].time);
  ASSERT_GT(after->timeline.size(), before->timeline.size());
  for (size_t i = 0; i < before->timeline.size(); ++i) {
    EXPECT_EQ(after->timeline[i].what, before->timeline[i].what) << i;
    EXPECT_EQ(after->timeline[i].time, before->timeline[i].time) << i;
  }
  EXPECT_TRUE(std::any_of(after->timeline.begin() + static_cast<long>(before->timeline.size()), after->timeline.end(),
                          [](const TimelineEntry& e) {
                            return e.what == "restored with its notification state from the state file";
                          }));
}

// A resolved incident stays readable for incident_retention across a restart (the incidents API
// and the console keep the day's history), sends nothing, and the group firing again opens a new
// incident whose notifications continue the old one's sequence.
TEST(ShardTest, ResolvedIncidentsSurviveARestoreForTheirRetention) {
  const std::string extra = "correlate: {allowed_lateness: 0s, incident_retention: 1h}\n";
  Recorder rec;
  Shard shard(Rules(extra), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  const std::string id = rec.out[0].incident_id;
  ASSERT_OK(shard.Ack(id, "alice", "rolled back"));
  Alert(&shard, "A", "1", T("2026-01-05T10:03:00Z"), /*resolved=*/true);
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);
  auto before = shard.GetIncident(id);
  ASSERT_TRUE(before.has_value());
  ASSERT_EQ(before->status, "resolved");

  Recorder rec2;
  Shard restored(Rules(extra), &rec2, nullptr);
  ASSERT_OK(restored.Restore(shard.Serialize()));
  restored.AdvanceWatermark(T("2026-01-05T10:11:00Z"));
  EXPECT_TRUE(rec2.out.empty());
  auto after = restored.GetIncident(id);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, "resolved");
  EXPECT_EQ(after->dedup_key, before->dedup_key);
  EXPECT_EQ(after->group_key, before->group_key);
  EXPECT_EQ(after->receiver, "pager");
  EXPECT_EQ(after->started_at, before->started_at);
  EXPECT_EQ(after->resolved_at, before->resolved_at);
  EXPECT_TRUE(after->acked);
  EXPECT_EQ(after->acked_by, "alice");
  EXPECT_EQ(after->ack_comment, "rolled back");
  EXPECT_EQ(after->resolved_members, 1u);
  ASSERT_EQ(after->members.size(), 1u);
  EXPECT_EQ(after->members[0].labels.Get("instance"), "1");
  ASSERT_EQ(after->notifications.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after->notifications[i].status, before->notifications[i].status) << i;
    EXPECT_EQ(after->notifications[i].sequence, before->notifications[i].sequence) << i;
    EXPECT_EQ(after->notifications[i].time, before->notifications[i].time) << i;
  }
  ASSERT_EQ(after->timeline.size(), before->timeline.size());
  for (size_t i = 0; i < before->timeline.size(); ++i) EXPECT_EQ(after->timeline[i].what, before->timeline[i].what) << i;

  Alert(&restored, "A", "1", T("2026-01-05T10:20:00Z"));
  restored.AdvanceWatermark(T("2026-01-05T10:21:00Z"));
  ASSERT_EQ(rec2.out.size(), 1u);
  EXPECT_NE(rec2.out[0].incident_id, id);
  EXPECT_EQ(rec2.out[0].dedup_key, rec.out[0].dedup_key);
  EXPECT_EQ(rec2.out[0].sequence, rec.out[1].sequence + 1);
  EXPECT_EQ(restored.ListIncidents().size(), 2u);
  // Past its retention (resolved at 10:10, kept 1h) it is gone, as it would have been.
  restored.AdvanceWatermark(T("2026-01-05T11:30:00Z"));
  EXPECT_FALSE(restored.GetIncident(id).has_value());
  EXPECT_EQ(restored.ListIncidents().size(), 1u);
}

std::string NoiseText(const Shard& shard) {
  std::vector<NoiseRow> rows;
  shard.Noise(absl::Hours(24 * 8), &rows);
  std::sort(rows.begin(), rows.end(), [](const NoiseRow& a, const NoiseRow& b) {
    return std::tie(a.alertname, a.route) < std::tie(b.alertname, b.route);
  });
  std::string out;
  for (const NoiseRow& r : rows) {
    out += fmt::format("{} {} signals={} alerts={} incidents={} pages={} late={} resolves=[{}]\n", r.alertname, r.route,
                       r.signals, r.alerts, r.incidents, r.pages, r.late, fmt::join(r.resolve_seconds, ","));
  }
  return out;
}

// The noise report keeps its counts across a restore: the saved counters replace what
// re-creating the alerts counts, so nothing is lost or counted twice.
TEST(ShardTest, NoiseReportSurvivesARestore) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  Alert(&shard, "A", "2", T("2026-01-05T10:00:01Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:00:30Z"));  // A duplicate: a signal, not an alert.
  Alert(&shard, "B", "1", T("2026-01-05T11:01:00Z"));  // Another hour.
  Alert(&shard, "A", "1", T("2026-01-05T11:05:00Z"), /*resolved=*/true);
  shard.AdvanceWatermark(T("2026-01-05T11:10:00Z"));
  const std::string before = NoiseText(shard);
  ASSERT_THAT(before, ::testing::HasSubstr("A {} signals=4 alerts=2 incidents=1 pages=2 late=0 resolves=[3900]\n"));
  ASSERT_THAT(before, ::testing::HasSubstr("B {} signals=1 alerts=1"));
  Recorder rec2;
  Shard restored(Rules(), &rec2, nullptr);
  ASSERT_OK(restored.Restore(shard.Serialize()));
  EXPECT_EQ(NoiseText(restored), before);
  // And it keeps counting from there.
  Alert(&restored, "B", "2", T("2026-01-05T11:12:00Z"));
  EXPECT_THAT(NoiseText(restored), ::testing::HasSubstr("B {} signals=2 alerts=2"));
}

// A snapshot keeps at most 10000 resolved incidents per shard, the newest by resolution.
TEST(ShardTest, SnapshotKeepsTheNewestResolvedIncidents) {
  const std::string extra = "correlate: {allowed_lateness: 0s, incident_retention: 24h}\n"
                            "route: {receiver: pager, group_by: [alertname, instance], group_wait: 0s, group_interval: 1s, "
                            "runbook: r.md}\n";
  Recorder rec;
  Shard shard(Rules(extra), &rec, nullptr);
  const core::EventTime t0 = T("2026-01-05T10:00:00Z");
  constexpr int kIncidents = 10005;
  for (int i = 0; i < kIncidents; ++i) {
    const std::string instance = std::to_string(i);
    Alert(&shard, "A", instance, t0 + absl::Seconds(2 * i));
    Alert(&shard, "A", instance, t0 + absl::Seconds(2 * i + 1), /*resolved=*/true);
  }
  shard.AdvanceWatermark(t0 + absl::Seconds(2 * kIncidents + 600));
  ASSERT_EQ(shard.ListIncidents().size(), static_cast<size_t>(kIncidents));
  ASSERT_EQ(shard.stats().open_incidents, 0u);
  Recorder rec2;
  Shard restored(Rules(extra), &rec2, nullptr);
  ASSERT_OK(restored.Restore(shard.Serialize()));
  const std::vector<IncidentView> views = restored.ListIncidents();
  ASSERT_EQ(views.size(), 10000u);
  core::EventTime oldest = views[0].started_at;
  for (const IncidentView& v : views) oldest = std::min(oldest, v.started_at);
  EXPECT_EQ(oldest, t0 + absl::Seconds(2 * 5));  // The five first resolved are the ones left out.
  EXPECT_TRUE(rec2.out.empty());
}

// A resolved incident whose route is gone from the new rules is not restored (its page would
// name a route that no longer exists); the rest of the snapshot loads.
TEST(ShardTest, ResolvedIncidentOfARemovedRouteIsNotRestored) {
  const std::string child =
      "route: {receiver: pager, group_by: [alertname], group_wait: 30s, runbook: r.md, "
      "routes: [{matchers: ['alertname=\"A\"'], receiver: pager}]}\n";
  Recorder rec;
  Shard shard(Rules(child), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:03:00Z"), /*resolved=*/true);
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);
  const std::string snap = shard.Serialize();
  Recorder rec2;
  Shard same(Rules(child), &rec2, nullptr);
  ASSERT_OK(same.Restore(snap));
  EXPECT_EQ(same.ListIncidents().size(), 1u);
  Shard changed(Rules(), &rec2, nullptr);  // The root route only.
  ASSERT_OK(changed.Restore(snap));
  EXPECT_TRUE(changed.ListIncidents().empty());
  // Its resolved alert is restored all the same (resolved, so not among the active alerts).
  auto old_incident = shard.GetIncident(rec.out[0].incident_id);
  ASSERT_TRUE(old_incident.has_value());
  ASSERT_EQ(old_incident->members.size(), 1u);
  EXPECT_FALSE(changed.Explain(old_incident->members[0].fingerprint).empty());
  EXPECT_TRUE(changed.Alerts().empty());
}

// One sender with a clock far ahead (startsAt in 2100, observed at 10:00) must not drag the
// watermark along: its alert is processed at its observed time (decision future_clamped, with the
// rule), and an on-time alert a minute later is not late and pages.
TEST(ShardTest, FutureTimestampIsClampedToObservedTime) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  auto send = [&](std::string_view name, core::EventTime at, core::EventTime observed, core::EventTime ends = {}) {
    Alert(&shard, name, "1", at, false, core::Format::kAlertmanager, AlertTimes{observed, ends});
  };
  // Its endsAt is skewed alike (Prometheus: startsAt + 4 resend delays): it keeps its 4 minutes.
  send("Skewed", T("2100-01-01T00:00:00Z"), T("2026-01-05T10:00:00Z"), T("2100-01-01T00:04:00Z"));
  send("OnTime", T("2026-01-05T10:01:00Z"), T("2026-01-05T10:01:00Z"));
  // Within the skew (10 min ahead of observed): used as sent.
  send("SlightlyAhead", T("2026-01-05T10:12:00Z"), T("2026-01-05T10:02:00Z"));
  EXPECT_EQ(shard.stats().late, 0u);
  EXPECT_EQ(shard.stats().future_clamped, 1u);
  EXPECT_LT(shard.watermark().unix_nanos(), T("2026-01-05T11:00:00Z").unix_nanos());
  shard.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  std::set<std::string> paged;
  for (const core::Notification& n : rec.out) paged.insert(std::string(n.group_labels.Get("alertname")));
  EXPECT_EQ(paged, (std::set<std::string>{"Skewed", "OnTime", "SlightlyAhead"}));
  // ...and expires at 10:04 (its shifted endsAt): a resolve goes out for it.
  bool skewed_resolved = false;
  for (const core::Notification& n : rec.out)
    skewed_resolved |= n.group_labels.Get("alertname") == "Skewed" && n.status == core::NotificationStatus::kResolved;
  EXPECT_TRUE(skewed_resolved);
  const std::string fp =
      core::Fingerprint::Of(core::LabelSet::FromPairs({{"alertname", "Skewed"}, {"instance", "1"}}).view()).ToString();
  bool found = false;
  for (const DecisionRecord& d : shard.Explain(fp)) {
    if (d.decision != "future_clamped") continue;
    found = true;
    EXPECT_EQ(d.time, T("2026-01-05T10:00:00Z"));
    EXPECT_EQ(d.rule, "correlate.max_future_skew");
    EXPECT_THAT(d.detail, ::testing::HasSubstr("2100-01-01T00:00:00Z"));
  }
  EXPECT_TRUE(found);
}

// Sliding flap window: 3 changes within any 60 s. The changes at 10 s, 50 s, 80 s, 90 s never put
// 3 within 60 s of the *first* change (a window fixed at 10 s resets at 80 s), but 50-80-90 span
// 40 s, so the alert is held at 90 s and pages once, after it is stable for 5m.
TEST(ShardTest, FlapWindowSlides) {
  Recorder rec;
  Shard shard(Rules("flapping: {changes: 3, window: 60s, stable: 5m}\n"), &rec, nullptr);
  const std::string fp = core::Fingerprint::Of(core::LabelSet::FromPairs({{"alertname", "A"}, {"instance", "1"}}).view()).ToString();
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:00:10Z"), true);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:50Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:01:20Z"), true);
  std::vector<DecisionRecord> before = shard.Explain(fp);
  for (const DecisionRecord& d : before) EXPECT_NE(d.decision, "held_flapping") << d.time.unix_nanos();
  Alert(&shard, "A", "1", T("2026-01-05T10:01:30Z"));
  std::vector<DecisionRecord> after = shard.Explain(fp);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after[0].decision, "held_flapping");
  EXPECT_EQ(after[0].detail, "held: flapping (3 changes)");
  EXPECT_EQ(after[0].time, T("2026-01-05T10:01:30Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:06:00Z"));  // Not yet stable for 5m.
  for (const core::Notification& n : rec.out) EXPECT_NE(n.time, T("2026-01-05T10:01:30Z"));
  size_t held_pages = rec.out.size();
  shard.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  ASSERT_EQ(rec.out.size(), held_pages + 1);  // Released firing: one page.
  EXPECT_EQ(rec.out.back().status, core::NotificationStatus::kFiring);
  EXPECT_GE(rec.out.back().time, T("2026-01-05T10:06:30Z"));
  EXPECT_EQ(shard.stats().suppressed[static_cast<size_t>(SuppressReason::kFlapping)], 1u);
}

// A restart during a flap keeps the alert held: no resolve and no second page from the restore;
// it is released, as without the restart, once stable for 5m. A flap in progress (changes not yet
// enough to hold) is remembered too.
TEST(ShardTest, FlappingHoldSurvivesARestore) {
  const std::string extra = "flapping: {changes: 3, window: 60s, stable: 5m}\n";
  Recorder rec;
  Shard shard(Rules(extra), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);  // Paged.
  Alert(&shard, "A", "1", T("2026-01-05T10:01:10Z"), true);
  Alert(&shard, "A", "1", T("2026-01-05T10:01:20Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:01:30Z"), true);  // Third change within 60 s: held.
  Alert(&shard, "B", "1", T("2026-01-05T10:01:31Z"));
  Alert(&shard, "B", "1", T("2026-01-05T10:01:32Z"), true);  // B: one change, not held yet.
  ASSERT_EQ(shard.stats().suppressed[static_cast<size_t>(SuppressReason::kFlapping)], 1u);
  const std::string snap = shard.Serialize();

  Recorder rec2;
  Shard restored(Rules(extra), &rec2, nullptr);
  ASSERT_OK(restored.Restore(snap));
  // B's change before the restart counts: two more within the window hold it.
  Alert(&restored, "B", "1", T("2026-01-05T10:01:40Z"));
  Alert(&restored, "B", "1", T("2026-01-05T10:01:45Z"), true);
  EXPECT_EQ(restored.stats().suppressed[static_cast<size_t>(SuppressReason::kFlapping)], 1u);
  restored.AdvanceWatermark(T("2026-01-05T10:05:00Z"));  // A held, not yet stable for 5m.
  for (const core::Notification& n : rec2.out) EXPECT_NE(n.group_labels.Get("alertname"), "A") << n.summary;
  restored.AdvanceWatermark(T("2026-01-05T10:10:00Z"));  // Stable since 10:01:30 + 5m: released.
  std::vector<core::Notification> a_notes;
  for (const core::Notification& n : rec2.out) {
    if (n.group_labels.Get("alertname") == "A") a_notes.push_back(n);
  }
  ASSERT_EQ(a_notes.size(), 1u);
  EXPECT_EQ(a_notes[0].status, core::NotificationStatus::kResolved);
  EXPECT_GE(a_notes[0].time, T("2026-01-05T10:06:30Z"));
}

// An alert's decisions (explain) as text, newest first.
std::string ExplainText(const std::vector<DecisionRecord>& decisions) {
  std::string out;
  for (const DecisionRecord& d : decisions) {
    out += fmt::format("{} {} [{}] {}\n", d.time.unix_nanos(), d.decision, d.detail, d.rule);
  }
  return out;
}

// Explain after a restart: each alert's decision log is saved with it and comes back with its
// times, details (a silence by its id) and rules, also under a config that added rules ahead of
// them (rules are matched by name, not by index).
TEST(ShardTest, DecisionLogSurvivesARestore) {
  Recorder rec;
  Silencer silencer;
  Shard shard(Rules(), &rec, &silencer);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));  // A pages.
  auto silence_id = silencer.Upsert(SilenceUntilNoon("alertname=\"B\""), T("2026-01-05T10:01:00Z").ToAbsl());
  ASSERT_OK(silence_id.status());
  Alert(&shard, "B", "1", T("2026-01-05T10:02:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:03:00Z"));
  auto fp = [](const std::string& name) {
    return core::Fingerprint::Of(core::LabelSet::FromPairs({{"alertname", name}, {"instance", "1"}}).view()).ToString();
  };
  const std::vector<DecisionRecord> a_before = shard.Explain(fp("A")), b_before = shard.Explain(fp("B"));
  ASSERT_GE(a_before.size(), 2u);
  bool notified = false, silenced = false;
  for (const DecisionRecord& d : a_before) notified |= d.decision == "notified";
  for (const DecisionRecord& d : b_before) {
    if (d.decision != "silenced") continue;
    silenced = true;
    EXPECT_EQ(d.detail, "silenced by " + *silence_id);
  }
  ASSERT_TRUE(notified);
  ASSERT_TRUE(silenced);
  auto silenced_count = [](Shard& sh) {
    std::vector<NoiseRow> rows;
    sh.Noise(absl::Hours(24), &rows);
    uint64_t n = 0;
    for (const NoiseRow& r : rows) n += r.suppressed_silenced;
    return n;
  };
  ASSERT_EQ(silenced_count(shard), 1u);
  const std::string snap = shard.Serialize();

  // With allowed lateness and a transient grace the restored alerts join their incidents again
  // when the watermark passes their hold, and decide "grouped" again: at the same time, into the
  // same incident, so explain lists it once, as before the restart.
  {
    const std::string held = "correlate: {allowed_lateness: 1m}\ntransient: {grace: 2m}\n";
    Recorder rec3;
    Shard first(Rules(held), &rec3, nullptr);
    Alert(&first, "C", "1", T("2026-01-05T10:00:00Z"));
    first.AdvanceWatermark(T("2026-01-05T10:05:00Z"));
    ASSERT_EQ(rec3.out.size(), 1u);
    const std::vector<DecisionRecord> c_before = first.Explain(fp("C"));
    Recorder rec4;
    Shard again(Rules(held), &rec4, nullptr);
    ASSERT_OK(again.Restore(first.Serialize()));
    again.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
    EXPECT_TRUE(rec4.out.empty());
    EXPECT_EQ(ExplainText(again.Explain(fp("C"))), ExplainText(c_before));
  }
  // More rules, ahead of the route: every saved rule index now names another rule.
  const std::string more_rules =
      "inhibit_rules:\n"
      "  - {source_matchers: ['severity=\"critical\"'], target_matchers: ['severity=\"warning\"'], equal: [x]}\n"
      "  - {source_matchers: ['severity=\"page\"'], target_matchers: ['severity=\"info\"'], equal: [y]}\n";
  for (const std::string& extra : {std::string(), more_rules}) {
    SCOPED_TRACE(extra);
    Recorder rec2;
    Shard restored(Rules(extra), &rec2, &silencer);  // The silences survive restarts too (their own file).
    ASSERT_OK(restored.Restore(snap));
    EXPECT_TRUE(rec2.out.empty());
    restored.AdvanceWatermark(T("2026-01-05T10:04:00Z"));
    EXPECT_EQ(silenced_count(restored), 1u);  // B's silence, counted once, not again at the restore.
    for (const auto& [name, before] : {std::pair{std::string("A"), a_before}, std::pair{std::string("B"), b_before}}) {
      const std::vector<DecisionRecord> after = restored.Explain(fp(name));
      ASSERT_EQ(after.size(), before.size()) << name << ": " << (after.empty() ? "" : after[0].decision);
      for (size_t i = 0; i < before.size(); ++i) {
        EXPECT_EQ(after[i].time, before[i].time) << name << " " << i;
        EXPECT_EQ(after[i].decision, before[i].decision) << name << " " << i;
        EXPECT_EQ(after[i].detail, before[i].detail) << name << " " << i;
        EXPECT_EQ(after[i].rule, before[i].rule) << name << " " << i;
      }
    }
  }
}

// Changes 31 s apart never put 3 within 60 s: no flapping however long it goes on.
TEST(ShardTest, EvenlySpacedChangesBelowTheRateNeverFlap) {
  Recorder rec;
  Shard shard(Rules("flapping: {changes: 3, window: 60s, stable: 5m}\n"), &rec, nullptr);
  core::EventTime t = T("2026-01-05T10:00:00Z");
  for (int i = 0; i < 40; ++i) {
    Alert(&shard, "A", "1", core::EventTime::FromUnixNanos(t.unix_nanos() + int64_t{i} * 31 * 1000000000), i % 2 == 1);
  }
  EXPECT_EQ(shard.stats().suppressed[static_cast<size_t>(SuppressReason::kFlapping)], 0u);
}

// Alertmanager tracks an alert in every matching route: three `continue: true` siblings and the
// fourth (catch-all) sibling each get an incident and a notification.
TEST(ShardTest, EveryContinueRouteGetsTheAlert) {
  Recorder rec;
  Shard shard(Rules(R"(
route:
  receiver: pager
  group_by: [alertname]
  runbook: r.md
  routes:
    - {matchers: ['alertname="A"'], receiver: r1, continue: true}
    - {matchers: ['alertname="A"'], receiver: r2, continue: true}
    - {matchers: ['alertname="A"'], receiver: r3, continue: true, group_by: [instance]}
    - {matchers: ['alertname="A"'], receiver: r4}
    - {matchers: ['alertname="A"'], receiver: r5}
)"), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  std::set<std::string> receivers;
  for (const core::Notification& n : rec.out) receivers.insert(n.receiver);
  EXPECT_EQ(receivers, (std::set<std::string>{"r1", "r2", "r3", "r4"}));
  EXPECT_EQ(rec.out.size(), 4u);
  EXPECT_EQ(shard.stats().open_incidents, 4u);
  // Resolving closes all four and each receiver gets its resolve.
  Alert(&shard, "A", "1", T("2026-01-05T10:02:00Z"), true);
  shard.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  size_t resolves = 0;
  for (const core::Notification& n : rec.out) resolves += n.status == core::NotificationStatus::kResolved;
  EXPECT_EQ(resolves, 4u);
  EXPECT_EQ(shard.stats().open_incidents, 0u);
  ASSERT_EQ(shard.Alerts(T("2026-01-05T10:00:30Z")).size(), 0u);
}

// Prometheus re-sends a firing alert every resend_delay (1m) with its original startsAt and
// endsAt = send + 4m. Behind the watermark, those re-sends are late: they are applied at the
// watermark (ends_at refreshed), so the alert stays firing for as long as it is re-sent, instead
// of expiring 4 minutes after the first send. A new alert that starts far behind the watermark
// (Quell restarted while it fired) still pages, with its own startsAt.
TEST(ShardTest, LateAlertsAreAppliedAtTheWatermarkNotDropped) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  const int64_t minute = int64_t{60} * 1000000000;
  const core::EventTime fired = T("2026-01-05T10:00:00Z");
  for (int i = 0; i <= 10; ++i) {
    const core::EventTime sent = core::EventTime::FromUnixNanos(fired.unix_nanos() + i * minute);
    Alert(&shard, "Resent", "1", fired, false, core::Format::kAlertmanager,
          AlertTimes{sent, core::EventTime::FromUnixNanos(sent.unix_nanos() + 4 * minute)});
    shard.AdvanceWatermark(core::EventTime::FromUnixNanos(sent.unix_nanos() + 30 * 1000000000LL));  // Idle clock.
  }
  EXPECT_GE(shard.stats().late, 9u);
  ASSERT_FALSE(rec.out.empty());
  for (const core::Notification& n : rec.out) EXPECT_EQ(n.status, core::NotificationStatus::kFiring);
  std::vector<AlertView> alerts = shard.Alerts(T("2026-01-05T10:10:30Z"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].firing);
  EXPECT_EQ(alerts[0].starts_at, fired);
  // Once the re-sends stop, it expires at its last endsAt (10:14) and resolves.
  shard.AdvanceWatermark(T("2026-01-05T10:30:00Z"));
  EXPECT_EQ(rec.out.back().status, core::NotificationStatus::kResolved);

  // An alert that fired an hour before the watermark pages, keeping its start.
  const size_t before = rec.out.size();
  Alert(&shard, "FiredLongAgo", "1", T("2026-01-05T09:30:00Z"), false, core::Format::kAlertmanager,
        AlertTimes{T("2026-01-05T10:30:00Z"), T("2026-01-05T10:34:00Z")});
  shard.AdvanceWatermark(T("2026-01-05T10:31:00Z"));
  ASSERT_EQ(rec.out.size(), before + 1);
  EXPECT_EQ(rec.out.back().group_labels.Get("alertname"), "FiredLongAgo");
  ASSERT_EQ(rec.out.back().alerts.size(), 1u);
  EXPECT_EQ(rec.out.back().alerts[0].starts_at, T("2026-01-05T09:30:00Z"));
  const std::string fp =
      core::Fingerprint::Of(core::LabelSet::FromPairs({{"alertname", "FiredLongAgo"}, {"instance", "1"}}).view()).ToString();
  bool late = false;
  for (const DecisionRecord& d : shard.Explain(fp)) late |= d.decision == "late";
  EXPECT_TRUE(late);
}

// QA (ADR 0057): a page was sent twice after a `kill -9` within the checkpoint interval. The intake
// journal replays an alert into the last checkpoint, whose watermark is older than the one the
// alert met the first time (in live mode the wall clock moves it while nothing arrives), so a late
// alert is applied at another watermark. The page derived again must be the page sent before the
// crash: the same incident id, sequence number and content, apart from the time of the decision,
// or the outbox cannot tell that it has it. The same for an alert that fires again, late, after
// its incident closed.
TEST(ShardTest, ALateAlertReplayedIntoAnOlderCheckpointDerivesTheSamePage) {
  auto page_of = [](const core::Notification& n) {
    std::vector<std::string> alerts;
    for (const core::NotifiedAlert& a : n.alerts) {
      alerts.push_back(fmt::format("{} {} {} {}", a.fingerprint, a.labels.ToString(), a.starts_at.unix_nanos(),
                                   a.ends_at.unix_nanos()));
    }
    return fmt::format("{} {} {} {} {} {} [{}]", static_cast<int>(n.status), n.dedup_key, n.incident_id, n.sequence,
                       n.summary, n.group_key, fmt::join(alerts, ", "));
  };
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  shard.AdvanceWatermark(T("2026-01-05T10:00:00Z"));
  const std::string checkpoint = shard.Serialize();
  shard.AdvanceWatermark(T("2026-01-05T10:00:20Z"));   // Idle ticks before the alert arrives.
  Alert(&shard, "A", "1", T("2026-01-05T09:59:00Z"));  // Late: applied at 10:00:20.
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));   // Its group_wait (30s) has passed.
  ASSERT_EQ(rec.out.size(), 1u);
  EXPECT_EQ(rec.out[0].time, T("2026-01-05T10:00:50Z"));

  Recorder replay;
  Shard restored(Rules(), &replay, nullptr);
  ASSERT_OK(restored.Restore(checkpoint));
  Alert(&restored, "A", "1", T("2026-01-05T09:59:00Z"));  // Late: applied at 10:00:00.
  restored.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(replay.out.size(), 1u);
  EXPECT_EQ(replay.out[0].time, T("2026-01-05T10:00:30Z"));
  EXPECT_EQ(page_of(replay.out[0]), page_of(rec.out[0]));
  EXPECT_EQ(restored.ListIncidents().at(0).id, rec.out[0].incident_id);

  // Resolved and closed; then it fires again, late, in a new incident.
  for (Shard* s : {&shard, &restored}) {
    Alert(s, "A", "1", T("2026-01-05T10:02:00Z"), /*resolved=*/true);
    s->AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  }
  ASSERT_EQ(rec.out.size(), 2u);
  ASSERT_EQ(replay.out.size(), 2u);
  const std::string closed = shard.Serialize();
  shard.AdvanceWatermark(T("2026-01-05T10:11:00Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:09:00Z"));  // Applied at 10:11.
  shard.AdvanceWatermark(T("2026-01-05T10:12:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  EXPECT_NE(rec.out[2].incident_id, rec.out[0].incident_id);
  Recorder replay2;
  Shard restored2(Rules(), &replay2, nullptr);
  ASSERT_OK(restored2.Restore(closed));
  Alert(&restored2, "A", "1", T("2026-01-05T10:09:00Z"));  // Applied at 10:10.
  restored2.AdvanceWatermark(T("2026-01-05T10:12:00Z"));
  ASSERT_EQ(replay2.out.size(), 1u);
  EXPECT_EQ(page_of(replay2.out[0]), page_of(rec.out[2]));
}

// Per-reason counters are monotonic: they keep counting after the noise report's day has passed.
TEST(ShardTest, SuppressedCountersAreMonotonic) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:00Z"));
  Alert(&shard, "A", "1", T("2026-01-05T10:00:01Z"));
  Alert(&shard, "A", "1", T("2026-01-07T10:00:01Z"));
  EXPECT_EQ(shard.stats().suppressed[static_cast<size_t>(SuppressReason::kDedup)], 2u);
  Alert(&shard, "A", "1", T("2026-01-05T10:00:02Z"));  // Behind the watermark.
  EXPECT_EQ(shard.stats().suppressed[static_cast<size_t>(SuppressReason::kLate)], 1u);
  EXPECT_EQ(SuppressReasonName(SuppressReason::kNoiseClass), "noise_class");
}

// ---- Severity changes of a firing alert ------------------------------------------------------

// The route tree of a Datadog setup: warnings to Slack, errors and criticals page.
constexpr std::string_view kPagingTree = R"(
route:
  receiver: slack
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  runbook: r.md
  routes:
    - {matchers: ['severity=~"critical|error"'], receiver: pagerduty}
)";

// One Datadog monitor on one host (the same fingerprint whatever its transition): `severity` is
// its normalized alert_type; it has no `severity` label unless `own_severity` (a tag) gives one.
void Monitor(Shard* shard, core::Severity severity, core::EventTime t, bool resolved = false,
             std::string_view own_severity = "", std::string_view host = "db1") {
  core::SignalBatch b;
  core::Signal& s = b.Add();
  s.kind = core::SignalKind::kAlert;
  s.format = core::Format::kDatadogWebhook;
  s.state = resolved ? core::SignalState::kResolved : core::SignalState::kFiring;
  s.severity = severity;
  s.event_time = t;
  b.AddLabelCopy("alertname", "DiskUsage");
  b.AddLabelCopy("host", host);
  b.AddLabelCopy("monitor_id", "42");
  if (!own_severity.empty()) b.AddLabelCopy("severity", own_severity);
  b.FinishLabels();
  shard->Process(b);
}

std::string MonitorFp(std::string_view own_severity = "") {
  std::vector<std::pair<std::string, std::string>> labels = {{"alertname", "DiskUsage"}, {"host", "db1"}, {"monitor_id", "42"}};
  if (!own_severity.empty()) labels.emplace_back("severity", own_severity);
  return core::Fingerprint::Of(core::LabelSet::FromPairs(labels).view()).ToString();
}

// The open or resolved incident of `receiver` (the newest when several).
std::optional<IncidentView> IncidentOf(const Shard& shard, std::string_view receiver) {
  std::optional<IncidentView> found;
  for (const IncidentView& v : shard.ListIncidents()) {
    if (v.receiver == receiver && (!found || v.started_at > found->started_at)) found = v;
  }
  return found;
}

std::string SeverityLabelOf(const Shard& shard) {
  std::vector<AlertView> alerts = shard.Alerts();
  return alerts.size() == 1 ? std::string(alerts[0].labels.Get("severity")) : "(" + std::to_string(alerts.size()) + " alerts)";
}

// Datadog Warn -> Alert on one monitor and scope: the implied `severity` label follows (warning ->
// error), so the alert pages through the paging route, and Slack, which was told it fires as a
// warning, is told that warning resolved (as Alertmanager would see the old label set go), then
// its incident closes. Before, it stayed a Slack warning and never paged.
TEST(ShardTest, SeverityEscalationMovesTheAlertToThePagingRoute) {
  Recorder rec;
  Shard shard(Rules(kPagingTree), &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  EXPECT_EQ(rec.out[0].receiver, "slack");
  ASSERT_EQ(rec.out[0].alerts.size(), 1u);
  EXPECT_EQ(rec.out[0].alerts[0].labels.Get("severity"), "warning");
  const std::string warning_am_fp = rec.out[0].alerts[0].fingerprint;

  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:02:00Z"));  // Triggered.
  EXPECT_EQ(shard.stats().duplicates, 0u);
  EXPECT_EQ(SeverityLabelOf(shard), "error");
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  const core::Notification& page = rec.out[1];
  EXPECT_EQ(page.receiver, "pagerduty");
  EXPECT_EQ(page.status, core::NotificationStatus::kFiring);
  EXPECT_EQ(page.time, T("2026-01-05T10:02:30Z"));  // Its group_wait, as a new alert there.
  EXPECT_EQ(page.severity, core::Severity::kError);
  ASSERT_EQ(page.alerts.size(), 1u);
  EXPECT_EQ(page.alerts[0].labels.Get("severity"), "error");
  EXPECT_NE(page.alerts[0].fingerprint, warning_am_fp);
  const core::Notification& gone = rec.out[2];
  EXPECT_EQ(gone.receiver, "slack");
  EXPECT_EQ(gone.status, core::NotificationStatus::kResolved);
  EXPECT_EQ(gone.time, T("2026-01-05T10:05:30Z"));  // Slack's next group_interval tick.
  EXPECT_EQ(gone.dedup_key, rec.out[0].dedup_key);
  EXPECT_EQ(gone.incident_id, rec.out[0].incident_id);
  EXPECT_EQ(gone.sequence, 2u);
  EXPECT_EQ(gone.resolved_count, 1u);
  ASSERT_EQ(gone.alerts.size(), 1u);
  EXPECT_TRUE(gone.alerts[0].resolved);
  EXPECT_EQ(gone.alerts[0].labels.Get("severity"), "warning");
  EXPECT_EQ(gone.alerts[0].fingerprint, warning_am_fp);
  EXPECT_EQ(gone.alerts[0].ends_at, T("2026-01-05T10:02:00Z"));
  EXPECT_EQ(gone.common_labels.Get("severity"), "warning");
  std::optional<IncidentView> slack = IncidentOf(shard, "slack"), pd = IncidentOf(shard, "pagerduty");
  ASSERT_TRUE(slack && pd);
  EXPECT_EQ(slack->status, "resolved");
  EXPECT_EQ(pd->status, "firing");
  EXPECT_EQ(pd->severity, core::Severity::kError);
  EXPECT_EQ(shard.stats().open_incidents, 1u);
  // Nothing more until the page's repeat.
  shard.AdvanceWatermark(T("2026-01-05T11:00:00Z"));
  EXPECT_EQ(rec.out.size(), 3u);
  // Its resolve reaches the page.
  Monitor(&shard, core::Severity::kInfo, T("2026-01-05T11:00:00Z"), /*resolved=*/true);
  shard.AdvanceWatermark(T("2026-01-05T11:10:00Z"));
  ASSERT_EQ(rec.out.size(), 4u);
  EXPECT_EQ(rec.out[3].receiver, "pagerduty");
  EXPECT_EQ(rec.out[3].status, core::NotificationStatus::kResolved);
  EXPECT_EQ(shard.stats().open_incidents, 0u);
}

// Alert -> Warn (the metric fell into the warning range): the page resolves and Slack gets the
// warning.
TEST(ShardTest, SeverityDeEscalationMovesTheAlertBackToItsWarningRoute) {
  Recorder rec;
  Shard shard(Rules(kPagingTree), &rec, nullptr);
  Monitor(&shard, core::Severity::kCritical, T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  EXPECT_EQ(rec.out[0].receiver, "pagerduty");
  EXPECT_EQ(rec.out[0].alerts.at(0).labels.Get("severity"), "critical");
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:02:00Z"));  // Warn.
  EXPECT_EQ(SeverityLabelOf(shard), "warning");
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  EXPECT_EQ(rec.out[1].receiver, "slack");
  EXPECT_EQ(rec.out[1].status, core::NotificationStatus::kFiring);
  EXPECT_EQ(rec.out[1].severity, core::Severity::kWarning);
  EXPECT_EQ(rec.out[1].alerts.at(0).labels.Get("severity"), "warning");
  EXPECT_EQ(rec.out[2].receiver, "pagerduty");
  EXPECT_EQ(rec.out[2].status, core::NotificationStatus::kResolved);
  EXPECT_EQ(rec.out[2].dedup_key, rec.out[0].dedup_key);
  ASSERT_EQ(rec.out[2].alerts.size(), 1u);
  EXPECT_EQ(rec.out[2].alerts[0].labels.Get("severity"), "critical");
  EXPECT_EQ(rec.out[2].alerts[0].fingerprint, rec.out[0].alerts[0].fingerprint);
  EXPECT_EQ(IncidentOf(shard, "pagerduty")->status, "resolved");
  EXPECT_EQ(IncidentOf(shard, "slack")->status, "firing");
}

// Warn, Recovered, then Triggered: the alert refires as an error and pages; no Slack incident.
TEST(ShardTest, RefireWithAnotherSeverityRoutesByTheNewOne) {
  Recorder rec;
  Shard shard(Rules(kPagingTree), &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  Monitor(&shard, core::Severity::kInfo, T("2026-01-05T10:02:00Z"), /*resolved=*/true);
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);  // Slack: the warning and its resolve.
  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:20:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:30:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  EXPECT_EQ(rec.out[2].receiver, "pagerduty");
  EXPECT_EQ(rec.out[2].alerts.at(0).labels.Get("severity"), "error");
  // The same within the resolved Slack incident's last tick: Slack gets the warning's resolve
  // (under its warning labels), the page the error.
  Recorder rec2;
  Shard quick(Rules(kPagingTree), &rec2, nullptr);
  Monitor(&quick, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  quick.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  Monitor(&quick, core::Severity::kInfo, T("2026-01-05T10:02:00Z"), /*resolved=*/true);
  Monitor(&quick, core::Severity::kCritical, T("2026-01-05T10:03:00Z"));
  quick.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec2.out.size(), 3u);
  EXPECT_EQ(rec2.out[1].receiver, "pagerduty");
  EXPECT_EQ(rec2.out[1].status, core::NotificationStatus::kFiring);
  EXPECT_EQ(rec2.out[2].receiver, "slack");
  EXPECT_EQ(rec2.out[2].status, core::NotificationStatus::kResolved);
  EXPECT_EQ(rec2.out[2].alerts.at(0).labels.Get("severity"), "warning");
  EXPECT_EQ(rec2.out[2].alerts.at(0).ends_at, T("2026-01-05T10:02:00Z"));  // When it recovered.
}

// Held in the transient grace when it escalates: it is admitted, at the end of the grace, to the
// route of its new severity only. A Warn -> Alert -> Warn blip within a group_wait sends nothing new.
TEST(ShardTest, HeldOrUnnotifiedAlertIsAdmittedToItsNewRoute) {
  Recorder rec;
  Shard shard(Rules(std::string(kPagingTree) + "transient: {grace: 2m}\n"), &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:01:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  EXPECT_EQ(rec.out[0].receiver, "pagerduty");
  EXPECT_EQ(rec.out[0].time, T("2026-01-05T10:02:30Z"));
  EXPECT_FALSE(IncidentOf(shard, "slack").has_value());

  Recorder rec2;
  Shard blip(Rules(kPagingTree), &rec2, nullptr);
  Monitor(&blip, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  blip.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec2.out.size(), 1u);
  Monitor(&blip, core::Severity::kError, T("2026-01-05T10:02:00Z"));
  Monitor(&blip, core::Severity::kWarning, T("2026-01-05T10:02:10Z"));
  blip.AdvanceWatermark(T("2026-01-05T10:30:00Z"));
  EXPECT_EQ(rec2.out.size(), 1u);  // Slack still has it firing as it was told; the page never went.
  EXPECT_EQ(IncidentOf(blip, "slack")->status, "firing");
  EXPECT_EQ(IncidentOf(blip, "pagerduty")->status, "resolved");
  EXPECT_EQ(blip.stats().open_incidents, 1u);
}

// A `severity` label the source sent is identity (as in Alertmanager): another normalized severity
// changes the alert's severity, not its labels or routes.
TEST(ShardTest, ExplicitSeverityLabelNeverChanges) {
  Recorder rec;
  Shard shard(Rules(kPagingTree), &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"), false, /*own_severity=*/"warning");
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  Monitor(&shard, core::Severity::kCritical, T("2026-01-05T10:02:00Z"), false, "warning");
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  EXPECT_EQ(SeverityLabelOf(shard), "warning");
  ASSERT_EQ(shard.Alerts().size(), 1u);
  EXPECT_EQ(shard.Alerts()[0].severity, core::Severity::kCritical);
  EXPECT_EQ(shard.Alerts()[0].receivers, std::vector<std::string>{"slack"});
  ASSERT_EQ(rec.out.size(), 2u);  // Slack, and Slack again for the higher severity.
  for (const core::Notification& n : rec.out) {
    EXPECT_EQ(n.receiver, "slack");
    EXPECT_EQ(n.alerts.at(0).labels.Get("severity"), "warning");
  }
  EXPECT_EQ(rec.out[1].severity, core::Severity::kCritical);
  EXPECT_EQ(rec.out[1].time, T("2026-01-05T10:05:30Z"));
  EXPECT_FALSE(IncidentOf(shard, "pagerduty").has_value());
}

// One route for every severity: a rise notifies at the next flush (not at repeat_interval) and
// clears the ack; a fall waits for the repeat.
TEST(ShardTest, SeverityRiseInPlaceNotifiesAtTheNextFlushAndClearsTheAck) {
  Recorder rec;
  Shard shard(Rules(), &rec, nullptr);  // One route, group_by [alertname], repeat_interval 4h.
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  ASSERT_EQ(rec.out.size(), 1u);
  ASSERT_OK(shard.Ack(rec.out[0].incident_id, "alice", "watching"));
  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:02:00Z"));
  EXPECT_FALSE(IncidentOf(shard, "pager")->acked);
  shard.AdvanceWatermark(T("2026-01-05T10:06:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);
  EXPECT_EQ(rec.out[1].time, T("2026-01-05T10:05:30Z"));
  EXPECT_EQ(rec.out[1].incident_id, rec.out[0].incident_id);
  EXPECT_EQ(rec.out[1].severity, core::Severity::kError);
  EXPECT_EQ(rec.out[1].alerts.at(0).labels.Get("severity"), "error");
  EXPECT_EQ(rec.out[1].firing_count, 1u);
  ASSERT_OK(shard.Ack(rec.out[0].incident_id, "alice", "on it"));
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:07:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T11:00:00Z"));
  EXPECT_EQ(rec.out.size(), 2u);  // A fall is not news.
  EXPECT_TRUE(IncidentOf(shard, "pager")->acked);
  Monitor(&shard, core::Severity::kError, T("2026-01-05T11:00:00Z"));  // Above what was notified? No: error was.
  shard.AdvanceWatermark(T("2026-01-05T11:10:00Z"));
  EXPECT_EQ(rec.out.size(), 2u);
  EXPECT_TRUE(IncidentOf(shard, "pager")->acked);
  Monitor(&shard, core::Severity::kCritical, T("2026-01-05T11:10:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T11:20:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  EXPECT_EQ(rec.out[2].severity, core::Severity::kCritical);
  EXPECT_FALSE(IncidentOf(shard, "pager")->acked);
}

// group_by with `severity`: the same route, but another group, so another incident.
TEST(ShardTest, SeverityChangeMovesTheAlertToTheGroupOfItsNewLabels) {
  Recorder rec;
  Shard shard(Rules("route: {receiver: pager, group_by: [alertname, severity], group_wait: 30s, runbook: r.md}\n"), &rec,
              nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  Monitor(&shard, core::Severity::kCritical, T("2026-01-05T10:02:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec.out.size(), 3u);
  EXPECT_EQ(rec.out[1].group_labels.Get("severity"), "critical");
  EXPECT_EQ(rec.out[1].status, core::NotificationStatus::kFiring);
  EXPECT_NE(rec.out[1].dedup_key, rec.out[0].dedup_key);
  EXPECT_EQ(rec.out[2].group_labels.Get("severity"), "warning");
  EXPECT_EQ(rec.out[2].status, core::NotificationStatus::kResolved);
  EXPECT_EQ(shard.stats().open_incidents, 1u);
}

// Inhibition follows the new labels: escalated to error the monitor inhibits the warnings on its
// host; back to warning, it no longer does.
TEST(ShardTest, SeverityChangeMovesTheAlertsInhibitions) {
  Recorder rec;
  Shard shard(Rules(std::string(kPagingTree) + R"(inhibit_rules:
  - {source_matchers: ['severity=~"critical|error"'], target_matchers: ['severity="warning"'], equal: [host]}
)"),
              &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  auto prometheus_warning = [&](std::string_view name, core::EventTime t) {  // On the same host.
    core::SignalBatch b;
    core::Signal& s = b.Add();
    s.kind = core::SignalKind::kAlert;
    s.format = core::Format::kAlertmanager;
    s.state = core::SignalState::kFiring;
    s.event_time = t;
    b.AddLabelCopy("alertname", name);
    b.AddLabelCopy("host", "db1");
    b.AddLabelCopy("severity", "warning");
    b.FinishLabels();
    shard.Process(b);
  };
  prometheus_warning("SlowQueries", T("2026-01-05T10:00:00Z"));
  auto inhibited = [&](const Shard& sh) {
    for (const AlertView& v : sh.Alerts()) {
      if (v.labels.Get("alertname") == "SlowQueries") return !v.inhibited_by.empty();
    }
    return false;
  };
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  EXPECT_FALSE(inhibited(shard));
  EXPECT_EQ(rec.out.size(), 2u);  // Both warnings to Slack.
  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:02:00Z"));
  EXPECT_TRUE(inhibited(shard));
  // A new warning on the host is held back by the escalated monitor.
  prometheus_warning("HighIOWait", T("2026-01-05T10:02:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:04:00Z"));
  for (size_t i = 2; i < rec.out.size(); ++i) EXPECT_NE(rec.out[i].common_labels.Get("alertname"), "HighIOWait");
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:04:00Z"));
  EXPECT_FALSE(inhibited(shard));
  shard.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  bool high_io = false;
  for (const core::Notification& n : rec.out) high_io |= n.common_labels.Get("alertname") == "HighIOWait";
  EXPECT_TRUE(high_io);
}

// `explain` says why the alert moved.
TEST(ShardTest, SeverityChangeIsRecorded) {
  Recorder rec;
  Shard shard(Rules(kPagingTree), &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:02:00Z"));
  Monitor(&shard, core::Severity::kUnknown, T("2026-01-05T10:03:00Z"));  // Unknown: no change.
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:04:00Z"), /*resolved=*/true);  // A resolve: no change.
  std::vector<std::string> changes;
  for (const DecisionRecord& d : shard.Explain(MonitorFp())) {
    if (d.decision != "severity_changed") continue;
    changes.push_back(fmt::format("{} {} [{}]", core::FormatRfc3339(d.time.ToAbsl()), d.detail, d.rule));
  }
  EXPECT_THAT(changes, ::testing::ElementsAre("2026-01-05T10:02:00Z severity warning -> error: its implied severity "
                                              "label followed; routes matched again []"));
  EXPECT_EQ(shard.Alerts(T("2026-01-05T10:04:00Z")).size(), 0u);  // Resolved.
  // The grouped decision that follows names the paging route.
  bool grouped_paging = false;
  for (const DecisionRecord& d : shard.Explain(MonitorFp())) {
    grouped_paging |= d.decision == "grouped" && d.time == T("2026-01-05T10:02:00Z") &&
                      d.rule.find("severity=~") != std::string::npos;
  }
  EXPECT_TRUE(grouped_paging);
  // With its own severity label.
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:05:00Z"), false, "warning");
  Monitor(&shard, core::Severity::kCritical, T("2026-01-05T10:06:00Z"), false, "warning");
  const std::vector<DecisionRecord> own = shard.Explain(MonitorFp("warning"));
  ASSERT_FALSE(own.empty());
  EXPECT_EQ(own[0].decision, "severity_changed");
  EXPECT_EQ(own[0].detail, "severity warning -> critical: its own severity label kept");
}

// Removes `,"key":value` (a number or a boolean) everywhere in a snapshot: what an older version wrote.
std::string WithoutField(std::string json, std::string_view key) {
  const std::string needle = fmt::format(",\"{}\":", key);
  for (size_t at = json.find(needle); at != std::string::npos; at = json.find(needle, at)) {
    size_t end = json.find_first_of(",}", at + needle.size());
    json.erase(at, end - at);
  }
  return json;
}

// A checkpoint between the escalation and Slack's next tick keeps what Slack is owed: the restored
// shard sends Slack the warning's resolve (its only alert left it), nothing to the page, and the
// alert keeps following its severity. The incidents' notified severity survives too. Snapshots
// of older versions (no severity_implied, no notified_severity) still load and send nothing.
TEST(ShardTest, SeverityChangeSurvivesARestore) {
  Recorder rec;
  Shard shard(Rules(kPagingTree), &rec, nullptr);
  Monitor(&shard, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  Monitor(&shard, core::Severity::kError, T("2026-01-05T10:02:00Z"));
  shard.AdvanceWatermark(T("2026-01-05T10:03:00Z"));
  ASSERT_EQ(rec.out.size(), 2u);  // Slack, then the page.
  const std::string snap = shard.Serialize();
  EXPECT_NE(snap.find("\"departed\":[{\"fp\":\"" + MonitorFp() + "\""), std::string::npos) << snap;
  EXPECT_NE(snap.find("\"severity_implied\":true"), std::string::npos);

  Recorder rec2;
  Shard restored(Rules(kPagingTree), &rec2, nullptr);
  ASSERT_OK(restored.Restore(snap));
  EXPECT_EQ(SeverityLabelOf(restored), "error");
  restored.AdvanceWatermark(T("2026-01-05T10:10:00Z"));
  ASSERT_EQ(rec2.out.size(), 1u);
  EXPECT_EQ(rec2.out[0].receiver, "slack");
  EXPECT_EQ(rec2.out[0].status, core::NotificationStatus::kResolved);
  EXPECT_EQ(rec2.out[0].time, T("2026-01-05T10:05:30Z"));
  EXPECT_EQ(rec2.out[0].incident_id, rec.out[0].incident_id);
  EXPECT_EQ(rec2.out[0].sequence, 2u);
  ASSERT_EQ(rec2.out[0].alerts.size(), 1u);
  EXPECT_EQ(rec2.out[0].alerts[0].labels.Get("severity"), "warning");
  EXPECT_EQ(rec2.out[0].alerts[0].fingerprint, rec.out[0].alerts[0].fingerprint);
  EXPECT_EQ(IncidentOf(restored, "slack")->status, "resolved");
  // The decision log came back with the new kind.
  bool recorded = false;
  for (const DecisionRecord& d : restored.Explain(MonitorFp())) recorded |= d.decision == "severity_changed";
  EXPECT_TRUE(recorded);
  // Still implied: back to warning, Slack gets it again.
  Monitor(&restored, core::Severity::kWarning, T("2026-01-05T10:10:00Z"));
  restored.AdvanceWatermark(T("2026-01-05T10:20:00Z"));
  ASSERT_EQ(rec2.out.size(), 3u);
  std::set<std::pair<std::string, core::NotificationStatus>> after;  // Both at 10:10:30.
  for (size_t i = 1; i < rec2.out.size(); ++i) after.emplace(rec2.out[i].receiver, rec2.out[i].status);
  EXPECT_EQ(after, (std::set<std::pair<std::string, core::NotificationStatus>>{
                       {"slack", core::NotificationStatus::kFiring}, {"pagerduty", core::NotificationStatus::kResolved}}));

  // An older snapshot: severity_implied inferred from the label, notified_severity = max_severity.
  const std::string old_snap = WithoutField(WithoutField(snap, "severity_implied"), "notified_severity");
  ASSERT_EQ(old_snap.find("severity_implied"), std::string::npos);
  ASSERT_EQ(old_snap.find("notified_severity"), std::string::npos);
  Recorder rec3;
  Shard old(Rules(kPagingTree), &rec3, nullptr);
  ASSERT_OK(old.Restore(old_snap));
  old.AdvanceWatermark(T("2026-01-05T10:04:00Z"));
  EXPECT_TRUE(rec3.out.empty());
  Monitor(&old, core::Severity::kCritical, T("2026-01-05T10:04:00Z"));  // Still the paging route.
  Monitor(&old, core::Severity::kWarning, T("2026-01-05T10:04:10Z"));   // Back to Slack: relabeled.
  EXPECT_EQ(SeverityLabelOf(old), "warning");

  // notified_severity: a fall shown at the repeat (warning notified, error the highest) and a
  // checkpoint; a rise to error after the restore is news.
  Recorder rec4;
  Shard one(Rules(), &rec4, nullptr);
  Monitor(&one, core::Severity::kWarning, T("2026-01-05T10:00:00Z"));
  Monitor(&one, core::Severity::kError, T("2026-01-05T10:00:10Z"));
  one.AdvanceWatermark(T("2026-01-05T10:02:00Z"));
  Monitor(&one, core::Severity::kWarning, T("2026-01-05T10:03:00Z"));
  one.AdvanceWatermark(T("2026-01-05T14:01:00Z"));
  ASSERT_EQ(rec4.out.size(), 2u);  // 10:00:30 (error) and the repeat at 14:00:30 (warning).
  EXPECT_EQ(rec4.out[1].severity, core::Severity::kWarning);
  Recorder rec5;
  Shard two(Rules(), &rec5, nullptr);
  ASSERT_OK(two.Restore(one.Serialize()));
  Monitor(&two, core::Severity::kError, T("2026-01-05T14:02:00Z"));
  two.AdvanceWatermark(T("2026-01-05T14:10:00Z"));
  ASSERT_EQ(rec5.out.size(), 1u);
  EXPECT_EQ(rec5.out[0].time, T("2026-01-05T14:05:30Z"));
  EXPECT_EQ(rec5.out[0].severity, core::Severity::kError);
  EXPECT_EQ(rec5.out[0].incident_id, rec4.out[0].incident_id);
}

}  // namespace
}  // namespace quell::correlate
