// bench/sinks/webhook_bench.cc
//
// Notifications per second through the whole delivery path (Dispatcher: redaction, outbox append
// with fdatasync per batch, per-key queues, curl multi HTTP to a loopback webhook, mark done),
// beside a bare baseline posting the same bodies with the same HttpClient (no Dispatcher,
// no outbox, no redaction). The receiver runs in the same process and shares the 2 cores; the last
// argument picks it:
//   0  LoopbackHttpReceiver (loopback_http_receiver.h): one epoll thread answering 200, the
//      receiver the figures use;
//   1  the tests' FakeHttpEndpoint (Beast, one thread per connection), for comparison: with many
//      connections it costs a server thread wake-up per request and limits the rate itself.
// The benchmark thread waits for completions by polling a counter every millisecond (it must not
// spin: it shares the 2 cores with the path it measures). Run:
//   build-sinks-rel/bin/webhook_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/sinks/loopback_http_receiver.h"
#include "benchmark/benchmark.h"
#include "core/clock.h"
#include "sinks/dispatcher.h"
#include "sinks/http_client.h"
#include "sinks/notification_json.h"
#include "sinks/redactor.h"
#include "sinks/webhook/webhook_sink.h"
// The loopback server is the test fake; benchmarks do not link quell_testing (absent when
// QUELL_TESTS=OFF), so its one source file is compiled into this binary.
#include "tests/testing/fake_http_endpoint.cc"  // NOLINT(build/include)

namespace quell::sinks {
namespace {

constexpr int kPerIteration = 5000;

// The receiver a benchmark posts to: LoopbackHttpReceiver (kind 0) or FakeHttpEndpoint (kind 1).
class HookServer {
 public:
  explicit HookServer(int64_t kind) {
    if (kind == 0) {
      loopback_ = std::make_unique<bench::LoopbackHttpReceiver>();
    } else {
      fake_ = std::make_unique<testing::FakeHttpEndpoint>(/*record=*/false);
    }
  }
  std::string url(std::string_view path) const { return loopback_ ? loopback_->url(path) : fake_->url(path); }

 private:
  std::unique_ptr<bench::LoopbackHttpReceiver> loopback_;
  std::unique_ptr<testing::FakeHttpEndpoint> fake_;
};

// CPU seconds of the whole process (every thread: benchmark, Dispatcher, curl, receiver).
double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Reports CPU microseconds per item over the whole process: a yardstick that load on a shared
// machine disturbs far less than the wall rate.
void SetCpuPerItem(benchmark::State& state, double cpu_seconds, int64_t items) {
  if (items > 0) state.counters["cpu_us_per_item"] = cpu_seconds * 1e6 / static_cast<double>(items);
}

// Waits without spinning: the benchmark thread shares the cores with what it measures.
template <typename F>
void WaitUntil(F done) {
  while (!done()) ::usleep(1000);
}

core::Notification Typical(int i) {
  core::Notification n;
  n.receiver = "hook";
  n.dedup_key = "fp-" + std::to_string(i);
  n.sequence = 1;
  n.summary = "High error rate on checkout (12% of requests failing)";
  n.severity = core::Severity::kCritical;
  n.group_key = "{}:{alertname=\"HighErrorRate\"}";
  n.common_labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"env", "prod"}, {"service", "checkout"}};
  core::NotifiedAlert a;
  a.labels = core::LabelSet{{"alertname", "HighErrorRate"}, {"pod", "checkout-7d9f"}, {"service", "checkout"}};
  n.alerts.push_back(a);
  n.root_cause_service = "checkout";
  return n;
}

HttpClientOptions Options(int conns) {
  HttpClientOptions o;
  o.max_connections_per_host = conns;
  o.max_in_flight = conns * 4;
  return o;
}

void BM_DispatcherToLoopbackWebhook(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  const bool redact = state.range(1) != 0;
  HookServer hook(state.range(2));
  ::setenv("QUELL_BENCH_HOOK", hook.url("/hook").c_str(), 1);
  auto dir = std::filesystem::temp_directory_path() / ("quell_bench_dispatch_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  OutboxConfig oc;
  oc.dir = dir.string();
  auto outbox = Outbox::Open(oc, core::SystemClock::Get());
  WebhookConfig wc;
  wc.url = core::SecretRef{core::SecretRef::Kind::kEnv, "QUELL_BENCH_HOOK", {}};
  auto http = std::make_shared<HttpClient>(Options(conns));
  auto sink = WebhookSink::Create("hook", 0, wc, http, core::SystemClock::Get());
  auto redactor = Redactor::Create(RedactionConfig{});
  if (!outbox.ok() || !sink.ok() || !redactor.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  std::vector<std::unique_ptr<Receiver>> rs;
  rs.push_back(std::move(*sink));
  DispatcherOptions opts;
  opts.max_in_flight_per_target = conns * 4;
  Dispatcher d(core::SystemClock::Get(), outbox->get(), redact ? redactor->get() : nullptr, std::move(rs), {}, opts);
  d.Start();
  int64_t sent = 0;
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    for (int i = 0; i < kPerIteration; ++i) d.Send(Typical(static_cast<int>(sent + i)));
    sent += kPerIteration;
    WaitUntil([&] { return d.stats().delivered_total >= sent; });
  }
  SetCpuPerItem(state, ProcessCpuSeconds() - cpu0, sent);
  d.Stop();
  state.SetItemsProcessed(sent);
  state.counters["outbox_fsyncs"] = static_cast<double>(d.stats().outbox.fsyncs_total);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DispatcherToLoopbackWebhook)
    ->Args({8, 1, 0})
    ->Args({16, 1, 0})
    ->Args({16, 0, 0})
    ->Args({64, 1, 0})
    ->Args({64, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Baseline: the same bodies straight through HttpClient, counting completions.
void BM_BareHttpClientToLoopback(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  HookServer hook(state.range(1));
  HttpClient http(Options(conns));
  std::string body = AlertmanagerWebhookBody(Typical(0), 0);
  std::atomic<int64_t> done{0};
  int64_t sent = 0;
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    for (int i = 0; i < kPerIteration; ++i) {
      HttpCall c;
      c.url = hook.url("/hook");
      c.headers = {{"Content-Type", "application/json"}};
      c.body = body;
      http.Send(std::move(c), [&done](HttpResult) { done.fetch_add(1, std::memory_order_relaxed); });
    }
    sent += kPerIteration;
    WaitUntil([&] { return done.load() >= sent; });
  }
  SetCpuPerItem(state, ProcessCpuSeconds() - cpu0, sent);
  state.SetItemsProcessed(sent);
}
BENCHMARK(BM_BareHttpClientToLoopback)
    ->Args({8, 0})
    ->Args({16, 0})
    ->Args({64, 0})
    ->Args({64, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace quell::sinks

BENCHMARK_MAIN();
