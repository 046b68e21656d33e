// bench/correlate/engine_bench.cc
//
// Correlation-only benchmarks for correlate::Shard (one core, no threads, no parsing):
//   BM_ShardDuplicates/100000     signals/s with 100k active fingerprints (steady state: repeats)
//   BM_FlatHashMapBaseline/100000 the floor: one absl::flat_hash_map lookup+update per signal
//   BM_MemoryPerFingerprint       heap bytes per active fingerprint and per group (mallinfo2)
//   BM_StormCorpus                labeled storm corpus: recall, pages per incident, noise
//                                 compression, root-cause accuracy (counters), signals/s
//   BM_StateSerialize/100000      one shard's state snapshot (Shard::Serialize, what a
//                                 correlate.state_file checkpoint writes): time, bytes per alert
//   BM_StateRestore/100000        Shard::Restore of that snapshot (start-up with a state file)
// Run: build-NAME-rel/bin/engine_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <malloc.h>

#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "bench/correlate/storm_corpus.h"
#include "benchmark/benchmark.h"
#include "core/signal_batch.h"
#include "correlate/compiled_rules.h"
#include "correlate/rules_config.h"
#include "correlate/shard.h"

namespace quell {
namespace {

class NullSink : public core::NotificationSink {
 public:
  void Send(core::Notification) override { ++count; }
  uint64_t count = 0;
};

class RecordingSink : public core::NotificationSink {
 public:
  void Send(core::Notification n) override { out.push_back(std::move(n)); }
  std::vector<core::Notification> out;
};

std::shared_ptr<const correlate::CompiledRules> Rules(std::string_view group_by, int64_t max_fps,
                                                      std::string_view extra = "") {
  std::string text = fmt::format(
      "route: {{receiver: pager, group_by: {}, group_wait: 30s, group_interval: 5m, runbook: x.md}}\n"
      "correlate: {{allowed_lateness: 0s, max_fingerprints_per_shard: {}, max_groups_per_shard: 1000000}}\n{}",
      group_by, max_fps, extra);
  auto cfg = correlate::LoadRulesString(text, "bench.yaml");
  if (!cfg.ok()) std::abort();
  return correlate::CompiledRules::Build(std::move(*cfg));
}

void AddAlert(core::SignalBatch* b, int64_t t, std::string_view alertname, std::string_view service,
              std::string_view instance, bool resolved = false) {
  core::Signal& s = b->Add();
  s.kind = core::SignalKind::kAlert;
  s.state = resolved ? core::SignalState::kResolved : core::SignalState::kFiring;
  s.event_time = core::EventTime::FromUnixNanos(t);
  b->AddLabel("alertname", alertname);
  b->AddLabel("service", service);
  b->AddLabel("instance", instance);
  b->FinishLabels();
}

constexpr int64_t kBase = int64_t{1767607200} * 1000000000;

// Builds `n` distinct alerts (1000 services) into batches of 1024.
std::vector<core::SignalBatch> MakeBatches(int n, int64_t t) {
  std::vector<core::SignalBatch> batches;
  for (int i = 0; i < n; i += 1024) {
    core::SignalBatch b;
    for (int j = i; j < std::min(n, i + 1024); ++j) {
      AddAlert(&b, t, "HighLatency", b.Copy(fmt::format("svc-{}", j % 1000)), b.Copy(fmt::format("i-{}", j)));
    }
    batches.push_back(std::move(b));
  }
  return batches;
}

void BM_ShardDuplicates(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  NullSink sink;
  correlate::Shard shard(Rules("[alertname, service]", n + 1), &sink, nullptr);
  std::vector<core::SignalBatch> batches = MakeBatches(n, kBase);
  for (auto& b : batches) shard.Process(b);  // Create every fingerprint once.
  size_t i = 0;
  int64_t items = 0;
  for (auto _ : state) {
    const core::SignalBatch& b = batches[i++ % batches.size()];
    shard.Process(b);
    items += static_cast<int64_t>(b.size());
  }
  state.SetItemsProcessed(items);
  state.counters["active_fingerprints"] = static_cast<double>(shard.stats().active_alerts);
}
BENCHMARK(BM_ShardDuplicates)->Arg(100000);

void BM_FlatHashMapBaseline(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::vector<core::SignalBatch> batches = MakeBatches(n, kBase);
  absl::flat_hash_map<uint64_t, uint64_t> map;
  for (auto& b : batches) {
    for (const auto& s : b.signals()) map[s.fingerprint.value()] = 0;
  }
  size_t i = 0;
  int64_t items = 0;
  for (auto _ : state) {
    const core::SignalBatch& b = batches[i++ % batches.size()];
    for (const auto& s : b.signals()) {
      auto it = map.find(s.fingerprint.value());
      if (it != map.end()) ++it->second;
    }
    items += static_cast<int64_t>(b.size());
  }
  benchmark::DoNotOptimize(map);
  state.SetItemsProcessed(items);
}
BENCHMARK(BM_FlatHashMapBaseline)->Arg(100000);

size_t HeapInUse() { return mallinfo2().uordblks; }

void BM_MemoryPerFingerprint(benchmark::State& state) {
  const int n = 100000;
  const int groups = 10000;
  double per_fp = 0, per_group = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<core::SignalBatch> batches = MakeBatches(n, kBase);
    // Distinct alerts, one group (group_by alertname): cost of fingerprints only.
    NullSink sink;
    size_t before = HeapInUse();
    auto shard = std::make_unique<correlate::Shard>(Rules("[alertname]", n + 1), &sink, nullptr);
    state.ResumeTiming();
    for (auto& b : batches) shard->Process(b);
    state.PauseTiming();
    per_fp = static_cast<double>(HeapInUse() - before) / n;
    shard.reset();
    // One alert per group: (bytes - fingerprint cost) / groups.
    std::vector<core::SignalBatch> gb;
    for (int i = 0; i < groups; i += 1024) {
      core::SignalBatch b;
      for (int j = i; j < std::min(groups, i + 1024); ++j) {
        AddAlert(&b, kBase, "HighLatency", b.Copy(fmt::format("svc-{}", j)), "i-0");
      }
      gb.push_back(std::move(b));
    }
    before = HeapInUse();
    shard = std::make_unique<correlate::Shard>(Rules("[alertname, service]", n + 1), &sink, nullptr);
    for (auto& b : gb) shard->Process(b);
    per_group = static_cast<double>(HeapInUse() - before) / groups - per_fp;
    shard.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_fingerprint"] = per_fp;
  state.counters["bytes_per_group"] = per_group;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_MemoryPerFingerprint)->Iterations(1)->Unit(benchmark::kMillisecond);

// A shard holding `n` alerts in n/10 paged incidents (group_by [alertname, service], 10 instances
// per service), as a checkpoint finds it.
std::unique_ptr<correlate::Shard> PagedShard(int n, NullSink* sink) {
  auto shard = std::make_unique<correlate::Shard>(Rules("[alertname, service]", n + 1), sink, nullptr);
  std::vector<core::SignalBatch> batches;
  for (int i = 0; i < n; i += 1024) {
    core::SignalBatch b;
    for (int j = i; j < std::min(n, i + 1024); ++j) {
      AddAlert(&b, kBase, "HighLatency", b.Copy(fmt::format("svc-{}", j / 10)), b.Copy(fmt::format("i-{}", j)));
    }
    batches.push_back(std::move(b));
  }
  for (auto& b : batches) shard->Process(b);
  shard->AdvanceWatermark(core::EventTime::FromUnixNanos(kBase + int64_t{60} * 1000000000));
  return shard;
}

void BM_StateSerialize(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  NullSink sink;
  std::unique_ptr<correlate::Shard> shard = PagedShard(n, &sink);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string snapshot = shard->Serialize();
    bytes = snapshot.size();
    benchmark::DoNotOptimize(snapshot.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["bytes_per_alert"] = static_cast<double>(bytes) / n;
  state.counters["pages"] = static_cast<double>(sink.count);
}
BENCHMARK(BM_StateSerialize)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_StateRestore(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  NullSink sink;
  const std::string snapshot = PagedShard(n, &sink)->Serialize();
  NullSink after;
  for (auto _ : state) {
    correlate::Shard shard(Rules("[alertname, service]", n + 1), &after, nullptr);
    if (!shard.Restore(snapshot).ok()) state.SkipWithError("restore failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
  state.counters["notifications_after_restore"] = static_cast<double>(after.count);
}
BENCHMARK(BM_StateRestore)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_StormCorpus(benchmark::State& state) {
  // range(1): 0 = Prometheus' send cadence (every 60 s while firing), 1 = the old corpus (5 sends 15 s apart).
  bench::StormCorpus corpus = state.range(1) == 0 ? bench::BuildStormCorpus() : bench::BuildStormCorpus(20, 3, 200, 200, 15, 5);
  std::vector<core::SignalBatch> batches;
  for (size_t i = 0; i < corpus.signals.size(); i += 256) {
    core::SignalBatch b;
    for (size_t j = i; j < std::min(corpus.signals.size(), i + 256); ++j) {
      const bench::CorpusAlert& a = corpus.signals[j];
      core::Signal& s = b.Add();
      s.kind = core::SignalKind::kAlert;
      s.state = a.resolved ? core::SignalState::kResolved : core::SignalState::kFiring;
      s.event_time = core::EventTime::FromUnixNanos(a.time_ns);
      b.AddLabelCopy("alertname", a.alertname);
      b.AddLabelCopy("service", a.service);
      b.AddLabelCopy("instance", a.instance);
      b.AddLabelCopy("gt", std::to_string(a.incident));  // Ground truth; the engine ignores it.
      b.FinishLabels();
    }
    batches.push_back(std::move(b));
  }
  double recall = 0, pages_per_incident = 0, compression = 0, rca = 0, pages = 0;
  // Decomposition of every notification (is anything beyond one page per incident sent?).
  double notifications = 0, firing_notifications = 0, update_notifications = 0, resolve_notifications = 0;
  double multi_gt_pages = 0, split_gt = 0;
  for (auto _ : state) {
    RecordingSink sink;
    correlate::Shard shard(Rules(state.range(0) == 0 ? "[service]" : "[alertname, service]", 1000000,
                                 corpus.topology_yaml),
                           &sink, nullptr);
    for (auto& b : batches) shard.Process(b);
    shard.AdvanceWatermark(core::EventTime::FromUnixNanos(corpus.signals.back().time_ns + int64_t{3600} * 1000000000));
    state.PauseTiming();
    // Score: which ground-truth incidents each paged incident carries.
    std::map<std::string, std::string> root_by_incident;  // First firing page's root cause.
    std::map<std::string, std::set<int>> gts_by_incident;
    for (const core::Notification& n : sink.out) {
      if (n.kind != core::NotificationKind::kIncident || n.status != core::NotificationStatus::kFiring) continue;
      root_by_incident.emplace(n.incident_id, n.root_cause_service);
      for (const auto& a : n.alerts) gts_by_incident[n.incident_id].insert(std::stoi(std::string(a.labels.Get("gt"))));
    }
    notifications = static_cast<double>(sink.out.size());
    firing_notifications = resolve_notifications = 0;
    for (const core::Notification& n : sink.out) {
      if (n.status == core::NotificationStatus::kFiring) ++firing_notifications;
      if (n.status == core::NotificationStatus::kResolved) ++resolve_notifications;
    }
    // Firing notifications after an incident's first page (new members joining at group_interval).
    update_notifications = firing_notifications - static_cast<double>(root_by_incident.size());
    std::vector<int> paged(corpus.incidents.size(), 0);
    std::vector<int> root_ok(corpus.incidents.size(), -1);
    for (const auto& [id, gts] : gts_by_incident) {
      for (int gt : gts) {
        ++paged[static_cast<size_t>(gt)];
        if (root_ok[static_cast<size_t>(gt)] < 0) {
          root_ok[static_cast<size_t>(gt)] = root_by_incident[id] == corpus.incidents[static_cast<size_t>(gt)].root_service;
        }
      }
    }
    multi_gt_pages = 0;
    for (const auto& [id, gts] : gts_by_incident) multi_gt_pages += gts.size() > 1;
    split_gt = 0;
    for (int p : paged) split_gt += p > 1;
    int covered = 0, correct = 0;
    for (size_t k = 0; k < corpus.incidents.size(); ++k) {
      if (paged[k] > 0) ++covered;
      if (root_ok[k] == 1) ++correct;
    }
    pages = static_cast<double>(root_by_incident.size());
    recall = static_cast<double>(covered) / static_cast<double>(corpus.incidents.size());
    pages_per_incident = pages / static_cast<double>(corpus.incidents.size());
    compression = 1.0 - pages / static_cast<double>(corpus.signals.size());
    rca = static_cast<double>(correct) / static_cast<double>(corpus.incidents.size());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.signals.size()));
  state.counters["signals"] = static_cast<double>(corpus.signals.size());
  state.counters["gt_incidents"] = static_cast<double>(corpus.incidents.size());
  state.counters["pages"] = pages;
  state.counters["recall"] = recall;
  state.counters["pages_per_incident"] = pages_per_incident;
  state.counters["noise_compression"] = compression;
  state.counters["root_cause_accuracy"] = rca;
  state.counters["notifications"] = notifications;
  state.counters["firing_notifications"] = firing_notifications;
  state.counters["update_notifications"] = update_notifications;
  state.counters["resolve_notifications"] = resolve_notifications;
  state.counters["pages_merging_gt"] = multi_gt_pages;   // Pages carrying >1 ground-truth incident.
  state.counters["gt_paged_twice"] = split_gt;           // Ground-truth incidents in >1 page.
  // The best any engine can do under this metric: one page per ground-truth incident.
  state.counters["ideal_compression"] =
      1.0 - static_cast<double>(corpus.incidents.size()) / static_cast<double>(corpus.signals.size());
}
// First arg 0: group_by [service] (one incident per service outside the topology);
// 1: group_by [alertname, service] (each alertname of a standalone service pages separately).
// Second arg 0: Prometheus' send cadence; 1: the pre-26-Nov corpus (5 sends in the first minute).
BENCHMARK(BM_StormCorpus)->Args({0, 0})->Args({1, 0})->Args({0, 1})->Args({1, 1})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quell

BENCHMARK_MAIN();
