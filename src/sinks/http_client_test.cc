// src/sinks/http_client_test.cc
//
// HttpClient against the fake endpoint on loopback.
#include "sinks/http_client.h"

#include <atomic>
#include <chrono>
#include <future>
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

// Sends `call` and waits (20 s deadline) for its result.
HttpResult SendSync(HttpClient& http, HttpCall call) {
  std::promise<HttpResult> p;
  auto f = p.get_future();
  http.Send(std::move(call), [&p](HttpResult r) { p.set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  return f.get();
}

// QA: 307/308 answers were returned as final (and dead-lettered). They are followed now, keeping
// the method, the body and the headers, as Go's client (Alertmanager's) does.
TEST(HttpClientTest, Follows307And308WithTheBody) {
  FakeHttpEndpoint fake;
  fake.Push(FakeHttpEndpoint::Behavior::Respond(307, "", {{"Location", "/second"}}));
  fake.Push(FakeHttpEndpoint::Behavior::Respond(308, "", {{"Location", fake.url("/third?x=1")}}));
  fake.Push(FakeHttpEndpoint::Behavior::Respond(202, "accepted"));
  HttpClient http;
  HttpCall c;
  c.url = fake.url("/first");
  c.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer tok"}};
  c.body = R"({"a":1})";
  HttpResult r = SendSync(http, c);
  EXPECT_TRUE(r.transport_ok);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "accepted");
  auto reqs = fake.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].target, "/second");
  EXPECT_EQ(reqs[2].target, "/third?x=1");
  for (const auto& q : reqs) {
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.body, R"({"a":1})");
    EXPECT_EQ(q.Header("Authorization"), "Bearer tok");
    EXPECT_EQ(q.Header("Content-Type"), "application/json");
  }
}

TEST(HttpClientTest, RedirectToAnotherOriginDropsAuthorization) {
  FakeHttpEndpoint first, second;
  first.Push(FakeHttpEndpoint::Behavior::Respond(307, "", {{"Location", second.url("/hook")}}));
  HttpClient http;
  HttpCall c;
  c.url = first.url("/hook");
  c.headers = {{"Authorization", "Bearer tok"}, {"X-Other", "kept"}};
  c.body = "{}";
  HttpResult r = SendSync(http, c);
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(second.requests().size(), 1u);
  EXPECT_EQ(second.requests()[0].Header("Authorization"), "");
  EXPECT_EQ(second.requests()[0].Header("X-Other"), "kept");
  EXPECT_EQ(second.requests()[0].body, "{}");
}

TEST(HttpClientTest, FollowsAtMost10RedirectsAndNever301To303) {
  FakeHttpEndpoint fake;
  fake.SetDefault(FakeHttpEndpoint::Behavior::Respond(307, "", {{"Location", "/loop"}}));
  HttpClient http;
  HttpCall c;
  c.url = fake.url("/start");
  c.body = "{}";
  HttpResult r = SendSync(http, c);
  EXPECT_TRUE(r.transport_ok);
  EXPECT_EQ(r.status, 307);
  EXPECT_EQ(fake.requests().size(), 11u);  // The request and 10 redirects.
  for (int status : {301, 302, 303}) {
    FakeHttpEndpoint other;
    other.Push(FakeHttpEndpoint::Behavior::Respond(status, "", {{"Location", "/get"}}));
    HttpCall g;
    g.url = other.url("/post");
    g.body = "{}";
    EXPECT_EQ(SendSync(http, g).status, status);
    EXPECT_EQ(other.requests().size(), 1u);
  }
}

}  // namespace
}  // namespace quell::sinks
