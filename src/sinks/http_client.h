// src/sinks/http_client.h
//
// HttpClient: asynchronous HTTP for the HTTP receivers (PagerDuty, Slack, webhook), on libcurl's
// multi interface driven by one I/O thread the client owns. Connections are pooled and reused
// (keep-alive) across requests to the same host; every request has a connect timeout and a total
// timeout. Send() never blocks on the network: it queues the request and wakes the I/O thread;
// the callback runs later on the I/O thread (keep it short: the Dispatcher only queues the outcome).
//
// Redirects: a 307 or 308 answer with a Location is followed with the same method, body and
// headers, at most kMaxRedirects times, as Go's http.Client (Alertmanager's) does; Authorization
// and Cookie headers are dropped when the redirect leaves the origin (scheme, host, port). 301,
// 302 and 303 are NOT followed (Go turns the POST into a GET without the body, which would report
// a delivery that never happened): they are returned as they are, and http_outcome.h makes them
// permanent. Only http(s) locations are followed. The result is the last answer's.
//
// Errors never carry the URL (which may be a secret, e.g. a Slack webhook URL) nor curl's error
// buffer: a transport failure reports only curl_easy_strerror's fixed text.
//
// Threading: Send is thread-safe. Lifetime: the destructor stops the I/O thread, aborts requests
// in flight and runs their callbacks with a transport error before returning, so every callback
// runs exactly once.
#ifndef QUELL_SINKS_HTTP_CLIENT_H_
#define QUELL_SINKS_HTTP_CLIENT_H_

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"

namespace quell::sinks {

struct HttpClientOptions {
  absl::Duration connect_timeout = absl::Seconds(5);   // Default: 5s.
  absl::Duration total_timeout = absl::Seconds(30);    // Default: 30s for the whole exchange.
  int max_connections_per_host = 16;                   // Default: 16 concurrent connections per host.
  int max_in_flight = 1024;                            // Queued beyond this wait in the client.
};

struct HttpCall {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type etc.
  std::string body;
};

struct HttpResult {
  bool transport_ok = false;   // False: no HTTP response (connect error, timeout, reset).
  bool timed_out = false;      // The connect or total timeout fired.
  std::string transport_error; // curl_easy_strerror text; never the URL.
  int status = 0;              // HTTP status when transport_ok.
  std::string body;            // Response body, first 4 KiB.
  std::string retry_after;     // Raw Retry-After header value, if any.
  int redirects = 0;           // 307/308 redirects followed to get this answer.
};

// At most this many redirects per request (Go's http.Client stops after 10).
inline constexpr int kMaxRedirects = 10;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues `call`; `done` runs exactly once on the I/O thread (or in the destructor).
  void Send(HttpCall call, std::function<void(HttpResult)> done);

 private:
  struct Request;
  void Run();
  void StartQueued();
  bool HasQueued();
  void Configure(Request* r);  // Sets r->easy up for r->call.
  // True iff `r` (answered 307/308) was re-issued to its Location.
  bool FollowRedirect(Request* r);
  void Finish(Request* r, int curl_code);

  HttpClientOptions options_;
  void* multi_ = nullptr;  // CURLM*
  std::mutex mu_;
  std::deque<std::unique_ptr<Request>> queue_;  // Guarded by mu_.
  bool stop_ = false;                           // Guarded by mu_.
  std::vector<void*> idle_easy_;                // I/O thread only.
  int in_flight_ = 0;                           // I/O thread only.
  absl::flat_hash_set<Request*> live_;          // I/O thread only: added to multi_.
  std::thread thread_;
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_HTTP_CLIENT_H_
