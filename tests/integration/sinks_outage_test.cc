// tests/integration/sinks_outage_test.cc
//
// A webhook endpoint is down (503, then connection resets) for a while and comes back. The
// Dispatcher runs on a ManualClock (the test advances it; HTTP is real loopback I/O waited on with
// deadlines). Checks: no notification is lost, none is acknowledged twice, each dedup key's
// notifications are acknowledged in sequence order, the circuit opened during the outage and
// closed after it, and nothing was dead-lettered.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "sinks/dispatcher.h"
#include "sinks/receiver_factory.h"
#include "sinks/sinks_config.h"
#include "tests/testing/fake_http_endpoint.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::FakeHttpEndpoint;
using ::quell::testing::IsOk;

TEST(SinksOutageTest, NoLossNoDuplicateInOrderThroughAnOutage) {
  FakeHttpEndpoint hook;
  hook.SetDefault(FakeHttpEndpoint::Behavior::Respond(503));
  ::setenv("QUELL_OUTAGE_HOOK", hook.url("/hook").c_str(), 1);
  auto dir = std::filesystem::temp_directory_path() / fmt::format("quell_outage_{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::string yaml = fmt::format(R"(
receivers:
  - name: hook
    webhook_configs:
      - url: {{env: QUELL_OUTAGE_HOOK}}
        payload: quell
outbox:
  dir: {}
  retry: {{initial_backoff: 1s, max_backoff: 8s}}
  circuit_breaker: {{failure_threshold: 5, cooldown: 10s}}
)",
                                 dir.string());
  auto doc = core::YamlNode::LoadString(yaml, "outage.yaml");
  ASSERT_THAT(doc, IsOk());
  auto config = ParseSinksConfig(*doc);
  ASSERT_THAT(config, IsOk());
  auto set = BuildReceivers(*config);
  ASSERT_THAT(set, IsOk());
  core::ManualClock clock(core::WallTime::FromUnixNanos(1767225600000000000));
  auto outbox = Outbox::Open(config->outbox, &clock);
  ASSERT_THAT(outbox, IsOk());
  Dispatcher d(&clock, outbox->get(), nullptr, std::move(set->receivers), set->rate_limits);

  constexpr int kKeys = 6, kSeqs = 5;
  for (int s = 1; s <= kSeqs; ++s) {
    for (int k = 0; k < kKeys; ++k) {
      core::Notification n;
      n.receiver = "hook";
      n.dedup_key = fmt::format("k{}", k);
      n.sequence = static_cast<uint64_t>(s);
      d.Send(std::move(n));
    }
  }
  bool saw_open = false;
  bool recovered = false;
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (int step = 0; absl::Now() < deadline; ++step) {
    d.Poll();
    auto st = d.stats();
    saw_open |= st.targets[0].circuit == CircuitBreaker::State::kOpen;
    if (!recovered && hook.request_count() >= 40) {
      hook.SetDefault(FakeHttpEndpoint::Behavior::Reset());  // Worse before it gets better.
    }
    if (!recovered && hook.request_count() >= 50) {
      hook.SetDefault(FakeHttpEndpoint::Behavior::Respond(200));
      recovered = true;
    }
    if (recovered && st.outbox.depth == 0 && st.queued == 0) break;
    // Wait for in-flight I/O to report, then let time pass for backoffs and the cooldown.
    if (st.targets[0].in_flight > 0) {
      d.WaitForActivityForTesting(absl::Milliseconds(200));
    } else {
      clock.Advance(absl::Milliseconds(500));
    }
  }
  auto st = d.stats();
  EXPECT_TRUE(saw_open);
  EXPECT_EQ(st.targets[0].circuit, CircuitBreaker::State::kClosed);
  EXPECT_EQ(st.outbox.depth, 0);
  EXPECT_EQ(st.dead_lettered_total, 0);
  EXPECT_EQ(st.delivered_total, kKeys * kSeqs);

  simdjson::dom::parser p;
  std::set<std::pair<std::string, uint64_t>> acked;
  std::map<std::string, uint64_t> last;
  for (const auto& r : hook.requests()) {
    if (r.answered != 200) continue;
    simdjson::dom::element doc = p.parse(r.body);
    std::string key = std::string(std::string_view(doc["dedup_key"]));
    uint64_t seq = doc["sequence"];
    EXPECT_TRUE(acked.insert({key, seq}).second) << "acknowledged twice: " << key << "#" << seq;
    EXPECT_EQ(seq, last[key] + 1) << "out of order for " << key;
    last[key] = seq;
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(kKeys * kSeqs));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quell::sinks
