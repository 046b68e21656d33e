// src/sinks/http_client_test.cc
//
// HttpClient against the fake endpoint on loopback.
#include "sinks/http_client.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/fake_http_endpoint.h"

namespace quell::sinks {
namespace {

using ::quell::testing::FakeHttpEndpoint;

// Regression: when more requests were queued than max_in_flight allows, a finished transfer did
// not start the next queued one until curl_multi_poll's 100 ms timeout expired (Send wakes the
// I/O thread only when the queue was empty), so a backlog drained at one request per slot per
// 100 ms: 100 requests through one slot took >= 10 s. Now they take a few milliseconds each.
TEST(HttpClientTest, BacklogDrainsWithoutWaitingForThePollTimeout) {
  FakeHttpEndpoint fake(/*record=*/false);
  HttpClientOptions o;
  o.max_connections_per_host = 1;
  o.max_in_flight = 1;
  HttpClient http(o);
  constexpr int kRequests = 100;
  std::atomic<int> ok{0}, done{0};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    HttpCall c;
    c.url = fake.url("/hook");
    c.body = "{}";
    http.Send(std::move(c), [&](HttpResult r) {
      if (r.transport_ok && r.status == 200) ok.fetch_add(1);
      done.fetch_add(1);
    });
  }
  // Half the stalled time (10 s) is the deadline: generous for a loaded machine, yet fails on
  // the old behaviour.
  auto deadline = start + std::chrono::seconds(5);
  while (done.load() < kRequests && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(done.load(), kRequests) << "backlog did not drain within 5s";
  EXPECT_EQ(ok.load(), done.load());
}

TEST(HttpClientTest, EveryCallbackRunsOnceWhenDestroyedWithABacklog) {
  FakeHttpEndpoint fake(/*record=*/false);
  fake.SetDefault(FakeHttpEndpoint::Behavior::Hang());
  std::atomic<int> done{0};
  {
    HttpClientOptions o;
    o.max_in_flight = 2;
    HttpClient http(o);
    for (int i = 0; i < 10; ++i) {
      HttpCall c;
      c.url = fake.url("/hook");
      http.Send(std::move(c), [&](HttpResult r) {
        EXPECT_FALSE(r.transport_ok);
        done.fetch_add(1);
      });
    }
    ASSERT_TRUE(fake.WaitForRequests(2, absl::Seconds(10)));
  }
  EXPECT_EQ(done.load(), 10);
  fake.ReleaseHung();
}

}  // namespace
}  // namespace quell::sinks
