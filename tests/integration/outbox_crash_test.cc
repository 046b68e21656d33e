// tests/integration/outbox_crash_test.cc
//
// The outbox survives the death of the process mid-delivery: a child process runs a Dispatcher
// that delivers to a webhook (served by this parent on loopback), and is SIGKILLed while some
// deliveries are in flight (the endpoint hangs them). A new Outbox + Dispatcher in the parent then
// re-delivers everything that was not acknowledged. Checks: no notification lost; after the
// restart each dedup key's notifications arrive in sequence order; duplicates only for the
// attempts that were in flight at the kill (at-least-once).
//
// The child posts to /before and the restarted dispatcher to /after, so each request is told
// apart by its path, not by when the endpoint read it: a request the child wrote just before
// SIGKILL may still sit in the socket buffer and be read after the kill (the kernel delivers it
// before the FIN), which made a positional split count it as a post-restart duplicate.
//
// The child is this test binary exec'ed afresh (running only OutboxCrashChild.DeliversUntilKilled,
// which is skipped in a normal run), not a bare fork of the parent: the parent has threads (the
// fake endpoint's), and a forked copy of a threaded process may inherit a lock held by a thread
// that does not exist in the child (one CI run saw the child stop delivering). Whatever happens,
// the child is killed and reaped before the test returns, so a failure cannot leave it running
// (and CTest waiting on its inherited output) until the test's timeout.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

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
  bool after_restart;  // Posted by the restarted dispatcher (path /after).
};

std::vector<Delivery> Decode(const std::vector<FakeHttpEndpoint::Request>& reqs) {
  std::vector<Delivery> out;
  simdjson::dom::parser p;
  for (const auto& r : reqs) {
    simdjson::dom::element doc = p.parse(r.body);
    out.push_back({std::string(std::string_view(doc["dedup_key"])), uint64_t(doc["sequence"]), r.answered,
                   r.target == "/after"});
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

constexpr char kChildDirEnv[] = "QUELL_OUTBOX_CRASH_CHILD_DIR";
constexpr char kChildReadyFdEnv[] = "QUELL_OUTBOX_CRASH_READY_FD";

// The child's role: only runs when the parent exec'ed this binary for it (see the file comment).
// Queues kKeys x kSeqs notifications, starts delivering, tells the parent, and waits for SIGKILL.
TEST(OutboxCrashChild, DeliversUntilKilled) {
  const char* dir_env = std::getenv(kChildDirEnv);
  const char* fd_env = std::getenv(kChildReadyFdEnv);
  if (dir_env == nullptr || fd_env == nullptr) GTEST_SKIP() << "the crash test's child role only";
  auto config = Config(dir_env);
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
  if (::write(std::atoi(fd_env), &c, 1) != 1) ::_exit(5);
  for (;;) ::pause();  // Until SIGKILL.
}

// Kills and reaps the child when the test returns early.
struct ChildGuard {
  pid_t pid = -1;
  ~ChildGuard() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

TEST(OutboxCrashTest, KilledMidDeliveryThenEverythingIsRedeliveredInOrder) {
  FakeHttpEndpoint hook;
  hook.Push(FakeHttpEndpoint::Behavior::Respond(200), 7);  // The first 7 deliveries succeed...
  hook.SetDefault(FakeHttpEndpoint::Behavior::Hang());     // ...then everything hangs.
  ::setenv("QUELL_CRASH_HOOK", hook.url("/before").c_str(), 1);
  auto dir = std::filesystem::temp_directory_path() / fmt::format("quell_outbox_crash_{}", ::getpid());
  std::filesystem::remove_all(dir);

  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  // Everything the child needs is prepared before fork: between fork and exec it only calls
  // async-signal-safe functions.
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string filter = "--gtest_filter=OutboxCrashChild.DeliversUntilKilled";
  ::setenv(kChildDirEnv, dir.c_str(), 1);
  ::setenv(kChildReadyFdEnv, std::to_string(ready[1]).c_str(), 1);
  char* const argv[] = {const_cast<char*>(exe.c_str()), const_cast<char*>(filter.c_str()), nullptr};
  ChildGuard child;
  child.pid = ::fork();
  ASSERT_GE(child.pid, 0);
  if (child.pid == 0) {
    ::close(ready[0]);
    ::execv(exe.c_str(), argv);
    ::_exit(127);
  }
  ::unsetenv(kChildDirEnv);
  ::unsetenv(kChildReadyFdEnv);
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  // Wait until the child has had 7 acknowledged deliveries and some hung ones in flight.
  ASSERT_TRUE(hook.WaitForRequests(9, absl::Seconds(30))) << hook.request_count() << " requests arrived";
  ASSERT_EQ(::kill(child.pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  child.pid = -1;
  ASSERT_TRUE(WIFSIGNALED(status));

  // Restart: a new outbox instance over the same directory, endpoint healthy again.
  hook.SetDefault(FakeHttpEndpoint::Behavior::Respond(200));
  hook.ReleaseHung();
  ::setenv("QUELL_CRASH_HOOK", hook.url("/after").c_str(), 1);
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
  std::vector<Delivery> before, after;
  for (auto& d : Decode(hook.requests())) (d.after_restart ? after : before).push_back(std::move(d));
  // After the restart: every recovered entry is delivered exactly once, acknowledged, and per key
  // in strictly increasing sequence order.
  EXPECT_EQ(after.size(), static_cast<size_t>(pending_at_restart));
  std::map<std::string, uint64_t> last_after;
  std::set<std::pair<std::string, uint64_t>> after_restart;
  for (const auto& d : after) {
    EXPECT_EQ(d.answered, 200);
    EXPECT_GT(d.seq, last_after[d.key]) << d.key;
    last_after[d.key] = d.seq;
    EXPECT_TRUE(after_restart.insert({d.key, d.seq}).second) << "delivered twice after the restart: " << d.key << "#" << d.seq;
  }
  // Before the kill: per key, sequences never go backwards.
  std::map<std::string, uint64_t> last;
  for (const auto& d : before) {
    EXPECT_GE(d.seq, last[d.key]) << d.key;
    last[d.key] = d.seq;
  }
  // No loss: whatever was not delivered after the restart had been acknowledged before the kill.
  std::set<std::pair<std::string, uint64_t>> acked_before;
  for (const auto& d : before) {
    if (d.answered == 200) acked_before.insert({d.key, d.seq});
  }
  for (int k = 0; k < kKeys; ++k) {
    for (int s = 1; s <= kSeqs; ++s) {
      std::pair<std::string, uint64_t> id{fmt::format("k{}", k), static_cast<uint64_t>(s)};
      EXPECT_TRUE(after_restart.contains(id) || acked_before.contains(id)) << "lost: " << id.first << "#" << s;
    }
  }
  // Duplicates (at-least-once) only for acknowledgements whose DONE record the child had not yet
  // made durable when it died.
  size_t duplicates = 0;
  for (const auto& id : after_restart) duplicates += acked_before.contains(id);
  EXPECT_LE(duplicates, acked_before.size());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quell::sinks
