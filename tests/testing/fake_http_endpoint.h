// tests/testing/fake_http_endpoint.h
//
// FakeHttpEndpoint: a loopback HTTP/1.1 server for sink tests (a fake PagerDuty, Slack or
// webhook). Started by the constructor on 127.0.0.1 with an ephemeral port; records every
// request; answers each request with the next scripted Behavior (Push), or the default one
// (SetDefault; initially 200 with an empty body). Behaviors:
//   kRespond  answer with status/headers/body (e.g. 500, or 429 with Retry-After);
//   kHang     read the request and never answer until ReleaseHung() or destruction (exercises
//             client timeouts);
//   kReset    read the request and reset the connection (SO_LINGER 0) without answering.
// Keep-alive is supported (one thread per connection), so clients can reuse connections.
// Tests wait with WaitForRequests(n, deadline), never sleep.
// Threading: all methods are thread-safe. The destructor closes every connection and joins.
#ifndef QUELL_TESTS_TESTING_FAKE_HTTP_ENDPOINT_H_
#define QUELL_TESTS_TESTING_FAKE_HTTP_ENDPOINT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace quell::testing {

class FakeHttpEndpoint {
 public:
  enum class Action { kRespond, kHang, kReset };
  struct Behavior {
    Action action = Action::kRespond;
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static Behavior Respond(int status, std::string body = "",
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
      Behavior b;
      b.status = status;
      b.body = std::move(body);
      b.headers = std::move(headers);
      return b;
    }
    static Behavior Hang() {
      Behavior b;
      b.action = Action::kHang;
      return b;
    }
    static Behavior Reset() {
      Behavior b;
      b.action = Action::kReset;
      return b;
    }
  };
  struct Request {
    std::string method;
    std::string target;  // Path and query.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int answered = 0;    // The status it was answered with; 0 for kHang / kReset.
    std::string Header(std::string_view name) const;  // Case-insensitive; empty when absent.
  };

  // Answers with `record` false skip recording (benchmarks).
  explicit FakeHttpEndpoint(bool record = true);
  ~FakeHttpEndpoint();
  FakeHttpEndpoint(const FakeHttpEndpoint&) = delete;
  FakeHttpEndpoint& operator=(const FakeHttpEndpoint&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  std::string url(std::string_view path = "") const;

  void SetDefault(Behavior b);
  // Queues `b` for the next request (FIFO), before the default applies again.
  void Push(Behavior b);
  void Push(Behavior b, int times);
  // Lets every hung request's connection close (without an answer).
  void ReleaseHung();

  std::vector<Request> requests() const;
  size_t request_count() const;
  // Blocks until at least `n` requests were received or `timeout` passes; true iff reached.
  bool WaitForRequests(size_t n, absl::Duration timeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_FAKE_HTTP_ENDPOINT_H_
