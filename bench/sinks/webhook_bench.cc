// bench/sinks/webhook_bench.cc
//
// Notifications per second through the whole delivery path (Dispatcher: redaction, outbox append
// with fdatasync per batch, per-key queues, curl multi HTTP to a loopback webhook, mark done),
// beside a bare baseline posting the same bodies with the same HttpClient (no Dispatcher,
// no outbox, no redaction). The loopback server (tests/testing/fake_http_endpoint, Boost.Beast,
// one thread per connection) runs in the same process and shares the 2 cores. Run:
//   build-sinks-rel/bin/webhook_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

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
  testing::FakeHttpEndpoint hook(/*record=*/false);
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
  for (auto _ : state) {
    for (int i = 0; i < kPerIteration; ++i) d.Send(Typical(static_cast<int>(sent + i)));
    sent += kPerIteration;
    while (d.stats().delivered_total < sent) d.WaitForActivityForTesting(absl::Milliseconds(5));
  }
  d.Stop();
  state.SetItemsProcessed(sent);
  state.counters["outbox_fsyncs"] = static_cast<double>(d.stats().outbox.fsyncs_total);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DispatcherToLoopbackWebhook)
    ->Args({8, 1})
    ->Args({16, 1})
    ->Args({16, 0})
    ->Args({64, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Baseline: the same bodies straight through HttpClient, counting completions.
void BM_BareHttpClientToLoopback(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  testing::FakeHttpEndpoint hook(/*record=*/false);
  HttpClient http(Options(conns));
  std::string body = AlertmanagerWebhookBody(Typical(0), 0);
  std::atomic<int64_t> done{0};
  int64_t sent = 0;
  for (auto _ : state) {
    for (int i = 0; i < kPerIteration; ++i) {
      HttpCall c;
      c.url = hook.url("/hook");
      c.headers = {{"Content-Type", "application/json"}};
      c.body = body;
      http.Send(std::move(c), [&done](HttpResult) { done.fetch_add(1, std::memory_order_relaxed); });
    }
    sent += kPerIteration;
    while (done.load() < sent) ::usleep(200);
  }
  state.SetItemsProcessed(sent);
}
BENCHMARK(BM_BareHttpClientToLoopback)->Arg(8)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace quell::sinks

BENCHMARK_MAIN();
