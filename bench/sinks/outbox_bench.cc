// bench/sinks/outbox_bench.cc
//
// Outbox appends per second with group commit (one write + one fdatasync per batch), against a
// bare baseline that writes the same number of bytes per batch with one write + fdatasync and no
// encoding. Run:
//   build-sinks-rel/bin/outbox_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/clock.h"
#include "sinks/notification_json.h"
#include "sinks/outbox.h"

namespace quell::sinks {
namespace {

core::Notification Typical(int i) {
  core::Notification n;
  n.receiver = "oncall";
  n.dedup_key = "fp-" + std::to_string(1000000 + i);
  n.incident_id = "inc-" + std::to_string(i);
  n.sequence = 1;
  n.time = core::EventTime::FromUnixNanos(1767225600000000000 + i);
  n.summary = "High error rate on checkout (12% of requests failing) after deploy 1.2.3";
  n.severity = core::Severity::kCritical;
  n.group_key = "{}:{alertname=\"HighErrorRate\"}";
  n.common_labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"env", "prod"}, {"service", "checkout"}};
  core::NotifiedAlert a;
  a.labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"pod", "checkout-7d9f"}, {"service", "checkout"}};
  a.starts_at = n.time;
  n.alerts.push_back(a);
  n.firing_count = 1;
  n.root_cause_service = "checkout";
  n.impacted_services = {"cart", "web"};
  n.runbook_url = "https://git.example.com/runbooks/checkout-errors.md";
  return n;
}

std::filesystem::path BenchDir(const char* name) {
  auto d = std::filesystem::temp_directory_path() / (std::string("quell_bench_") + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

void BM_OutboxAppend(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  auto dir = BenchDir("outbox");
  OutboxConfig c;
  c.dir = dir.string();
  c.fsync = true;
  auto o = Outbox::Open(c, core::SystemClock::Get());
  if (!o.ok()) {
    state.SkipWithError("open failed");
    return;
  }
  std::vector<core::Notification> ns;
  for (int i = 0; i < batch; ++i) ns.push_back(Typical(i));
  std::vector<Outbox::Item> items;
  for (const auto& n : ns) items.push_back({"oncall/pagerduty/0", &n});
  int64_t before = (*o)->stats().bytes;
  for (auto _ : state) {
    auto ids = (*o)->AppendBatch(items);
    benchmark::DoNotOptimize(ids);
    // Mark them done so segments are compacted as in steady state.
    for (uint64_t id : *ids) (*o)->MarkDone(id);
  }
  (void)(*o)->Compact();
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed((*o)->stats().appended_total > 0 ? ((*o)->stats().bytes - before) : 0);
  state.counters["fsyncs"] = static_cast<double>((*o)->stats().fsyncs_total);
  o->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_OutboxAppend)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Baseline: the same bytes per batch, one write + fdatasync, no encoding or bookkeeping.
void BM_BareWriteFdatasync(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  auto dir = BenchDir("bare");
  std::filesystem::create_directories(dir);
  std::string path = (dir / "bare.log").string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::string rec = NotificationToJson(Typical(0));
  std::string buf;
  for (int i = 0; i < batch; ++i) buf += std::string(8 + 1 + 18 + 18, 'h') + rec;
  for (auto _ : state) {
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) state.SkipWithError("write");
    ::fdatasync(fd);
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buf.size()));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_BareWriteFdatasync)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Encoding alone (no I/O): what a notification costs to serialise into a record.
void BM_NotificationJson(benchmark::State& state) {
  core::Notification n = Typical(0);
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendNotificationJson(n, &out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_NotificationJson);

}  // namespace
}  // namespace quell::sinks

BENCHMARK_MAIN();
