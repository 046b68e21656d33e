// tests/integration/outbox_crash_test.cc
//
// The outbox survives the death of the process mid-delivery: a child process runs a Dispatcher
// that delivers to a webhook (served by this parent on loopback), and is SIGKILLed while some
// deliveries are in flight (the endpoint hangs them). A new Outbox + Dispatcher in the parent then
// re-delivers everything that was not acknowledged. Checks: no notification lost; after the
// restart each dedup key's notifications arrive in sequence order; duplicates only for the
// attempts that were in flight at the kill (at-least-once).
#include <signal.h>
#include <sys/wait.h>
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

constexpr int kKeys = 5;
constexpr int kSeqs = 4;

struct Delivery {
  std::string key;
  uint64_t seq;
  int answered;
};

std::vector<Delivery> Decode(const std::vector<FakeHttpEndpoint::Request>& reqs) {
  std::vector<Delivery> out;
  simdjson::dom::parser p;
  for (const auto& r : reqs) {
    simdjson::dom::element doc = p.parse(r.body);
    out.push_back({std::string(std::string_view(doc["dedup_key"])), uint64_t(doc["sequence"]), r.answered});
  }
  return out;
}

absl::StatusOr<SinksConfig> Config(const std::filesystem::path& dir) {
  std::string yaml = fmt::format(R"(
receivers:
  - name: hook
    webhook_configs:
      - url: {{env: QUELL_CRASH_HOOK}}
        payload: quell
outbox:
  dir: {}
  retry: {{initial_backoff: 10ms, max_backoff: 100ms}}
)",
                                 dir.string());
  auto doc = core::YamlNode::LoadString(yaml, "crash.yaml");
  if (!doc.ok()) return doc.status();
  return ParseSinksConfig(*doc);
}

TEST(OutboxCrashTest, KilledMidDeliveryThenEverythingIsRedeliveredInOrder) {
  FakeHttpEndpoint hook;
  hook.Push(FakeHttpEndpoint::Behavior::Respond(200), 7);  // The first 7 deliveries succeed...
  hook.SetDefault(FakeHttpEndpoint::Behavior::Hang());     // ...then everything hangs.
  ::setenv("QUELL_CRASH_HOOK", hook.url("/hook").c_str(), 1);
  auto dir = std::filesystem::temp_directory_path() / fmt::format("quell_outbox_crash_{}", ::getpid());
  std::filesystem::remove_all(dir);

  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto config = Config(dir);
    if (!config.ok()) ::_exit(2);
    auto set = BuildReceivers(*config);
    if (!set.ok()) ::_exit(3);
    auto outbox = Outbox::Open(config->outbox, core::SystemClock::Get());
    if (!outbox.ok()) ::_exit(4);
    Dispatcher d(core::SystemClock::Get(), outbox->get(), nullptr, std::move(set->receivers), set->rate_limits);
    for (int s = 1; s <= kSeqs; ++s) {
      for (int k = 0; k < kKeys; ++k) {
        core::Notification n;
        n.receiver = "hook";
        n.dedup_key = fmt::format("k{}", k);
        n.sequence = static_cast<uint64_t>(s);
        n.summary = fmt::format("k{} #{}", k, s);
        d.Send(std::move(n));
      }
    }
    d.Start();
    char c = 'r';
    if (::write(ready[1], &c, 1) != 1) ::_exit(5);
    for (;;) ::pause();  // Until SIGKILL.
  }
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  // Wait until the child has had 7 acknowledged deliveries and some hung ones in flight.
  ASSERT_TRUE(hook.WaitForRequests(9, absl::Seconds(30)));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  size_t before = hook.requests().size();

  // Restart: a new outbox instance over the same directory, endpoint healthy again.
  hook.SetDefault(FakeHttpEndpoint::Behavior::Respond(200));
  hook.ReleaseHung();
  auto config = Config(dir);
  ASSERT_THAT(config, IsOk());
  auto set = BuildReceivers(*config);
  ASSERT_THAT(set, IsOk());
  auto outbox = Outbox::Open(config->outbox, core::SystemClock::Get());
  ASSERT_THAT(outbox, IsOk());
  int64_t pending_at_restart = (*outbox)->stats().depth;
  EXPECT_GE(pending_at_restart, kKeys * kSeqs - 7);
  {
    Dispatcher d(core::SystemClock::Get(), outbox->get(), nullptr, std::move(set->receivers), set->rate_limits);
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      d.Poll();
      if (d.stats().outbox.depth == 0) break;
      d.WaitForActivityForTesting(absl::Milliseconds(50));
    }
    EXPECT_EQ(d.stats().outbox.depth, 0);
    EXPECT_EQ(d.stats().recovered_total, pending_at_restart);
  }
  auto all = Decode(hook.requests());
  // No loss: every (key, seq) acknowledged at least once.
  std::set<std::pair<std::string, uint64_t>> acked;
  for (const auto& d : all) {
    if (d.answered == 200) acked.insert({d.key, d.seq});
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(kKeys * kSeqs));
  // Before the kill: per key, sequences never go backwards. After the restart: per key strictly
  // increasing, each acknowledged once.
  std::map<std::string, uint64_t> last;
  for (size_t i = 0; i < before; ++i) {
    EXPECT_GE(all[i].seq, last[all[i].key]) << all[i].key;
    last[all[i].key] = all[i].seq;
  }
  std::map<std::string, uint64_t> last_after;
  for (size_t i = before; i < all.size(); ++i) {
    EXPECT_GT(all[i].seq, last_after[all[i].key]) << all[i].key;
    last_after[all[i].key] = all[i].seq;
  }
  // Duplicates only for notifications attempted before the kill (whose acknowledgement the
  // child may not have recorded durably); after the restart nothing is delivered twice.
  std::set<std::pair<std::string, uint64_t>> before_kill, after_restart;
  for (size_t i = 0; i < before; ++i) before_kill.insert({all[i].key, all[i].seq});
  for (size_t i = before; i < all.size(); ++i) {
    EXPECT_TRUE(after_restart.insert({all[i].key, all[i].seq}).second) << all[i].key << "#" << all[i].seq;
  }
  size_t duplicates = 0;
  for (const auto& d : after_restart) duplicates += before_kill.contains(d);
  EXPECT_EQ(all.size(), static_cast<size_t>(kKeys * kSeqs) + duplicates);
  EXPECT_LE(duplicates, before);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quell::sinks
