// src/sinks/http_client.cc
#include "sinks/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "core/strings.h"

namespace quell::sinks {
namespace {

std::once_flag g_curl_init;

}  // namespace

struct HttpClient::Request {
  HttpCall call;
  std::function<void(HttpResult)> done;
  HttpResult result;
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  int redirects = 0;  // Followed so far.
  absl::Time started;  // First attempt (the total timeout covers the redirects too).
};

namespace {

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* r = static_cast<HttpResult*>(userdata);
  size_t n = size * nmemb;
  size_t room = r->body.size() < 4096 ? 4096 - r->body.size() : 0;
  r->body.append(ptr, std::min(n, room));
  return n;
}

size_t WriteHeader(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* r = static_cast<HttpResult*>(userdata);
  size_t n = size * nmemb;
  std::string_view line(ptr, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && core::EqualsIgnoreCase(line.substr(0, kName.size()), kName)) {
    std::string_view v = line.substr(kName.size());
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
    r->retry_after.assign(v);
  }
  return n;
}

// "scheme://host:port" of `url` (lower case, default ports filled in), or empty if unparsable.
std::string Origin(const std::string& url) {
  CURLU* u = curl_url();
  std::string origin;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      origin = std::string(scheme) + "://" + std::string(host) + ":" + std::string(port);
      for (char& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return origin;
}

bool IsHttpUrl(std::string_view url) {
  auto starts = [&](std::string_view p) {
    return url.size() >= p.size() && core::EqualsIgnoreCase(url.substr(0, p.size()), p);
  };
  return starts("http://") || starts("https://");
}

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : options_(options) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.max_connections_per_host));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.max_connections_per_host * 4));
  thread_ = std::thread([this] { Run(); });
}

HttpClient::~HttpClient() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  for (void* e : idle_easy_) curl_easy_cleanup(static_cast<CURL*>(e));
  curl_multi_cleanup(multi_);
}

void HttpClient::Send(HttpCall call, std::function<void(HttpResult)> done) {
  auto r = std::make_unique<Request>();
  r->call = std::move(call);
  r->done = std::move(done);
  bool stopped;
  bool wake;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped = stop_;
    // The I/O thread drains the whole queue when woken, so only the first queued request of a
    // burst needs to wake it (one syscall per burst, not per request).
    wake = queue_.empty();
    if (!stopped) queue_.push_back(std::move(r));
  }
  if (stopped) {
    HttpResult res;
    res.transport_error = "http client stopped";
    r->done(std::move(res));
    return;
  }
  if (wake) curl_multi_wakeup(multi_);
}

bool HttpClient::HasQueued() {
  std::lock_guard<std::mutex> l(mu_);
  return !queue_.empty();
}

void HttpClient::StartQueued() {
  std::deque<std::unique_ptr<Request>> take;
  {
    std::lock_guard<std::mutex> l(mu_);
    while (!queue_.empty() && in_flight_ + static_cast<int>(take.size()) < options_.max_in_flight) {
      take.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  for (auto& up : take) {
    Request* r = up.release();
    CURL* e;
    if (!idle_easy_.empty()) {
      e = static_cast<CURL*>(idle_easy_.back());
      idle_easy_.pop_back();
      curl_easy_reset(e);
    } else {
      e = curl_easy_init();
    }
    r->easy = e;
    r->started = absl::Now();
    Configure(r);
    curl_multi_add_handle(multi_, e);
    ++in_flight_;
    live_.insert(r);
  }
}

void HttpClient::Configure(Request* r) {
  CURL* e = r->easy;
  for (const auto& [k, v] : r->call.headers) {
    std::string h = k + ": " + v;
    r->headers = curl_slist_append(r->headers, h.c_str());
  }
  r->headers = curl_slist_append(r->headers, "Expect:");  // No 100-continue round trip.
  curl_easy_setopt(e, CURLOPT_URL, r->call.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
  if (r->call.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->call.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r->call.body.size()));
  } else if (r->call.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->call.method.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->call.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r->call.body.size()));
  }
  // The total timeout covers the whole exchange, redirects included.
  absl::Duration left = options_.total_timeout - (absl::Now() - r->started);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(left))));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->result);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &r->result);
  curl_easy_setopt(e, CURLOPT_PRIVATE, r);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // Redirects are followed by FollowRedirect, not by curl (which would also follow 301/302/303,
  // turning the POST into a GET without its body).
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
}

bool HttpClient::FollowRedirect(Request* r) {
  if (r->result.status != 307 && r->result.status != 308) return false;
  if (r->redirects >= kMaxRedirects) return false;
  char* location = nullptr;
  curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &location);  // Absolute, resolved by curl.
  if (location == nullptr || !IsHttpUrl(location)) return false;
  std::string next(location);
  if (Origin(next).empty()) return false;
  if (Origin(next) != Origin(r->call.url)) {
    // Credentials are for the origin they were configured for.
    std::erase_if(r->call.headers, [](const auto& h) {
      return core::EqualsIgnoreCase(h.first, "Authorization") || core::EqualsIgnoreCase(h.first, "Cookie");
    });
  }
  r->call.url = std::move(next);
  ++r->redirects;
  curl_multi_remove_handle(multi_, r->easy);
  curl_slist_free_all(r->headers);
  r->headers = nullptr;
  r->result = HttpResult{};
  curl_easy_reset(r->easy);
  Configure(r);
  curl_multi_add_handle(multi_, r->easy);
  return true;
}

void HttpClient::Finish(Request* r, int curl_code) {
  CURL* e = r->easy;
  auto code = static_cast<CURLcode>(curl_code);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r->result.transport_ok = true;
    r->result.status = static_cast<int>(status);
    if (FollowRedirect(r)) return;  // Still in flight, at the new URL.
    r->result.redirects = r->redirects;
  } else {
    r->result.transport_ok = false;
    r->result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    r->result.transport_error = curl_easy_strerror(code);
  }
  curl_multi_remove_handle(multi_, e);
  curl_slist_free_all(r->headers);
  idle_easy_.push_back(e);
  --in_flight_;
  live_.erase(r);
  std::unique_ptr<Request> owned(r);
  owned->done(std::move(owned->result));
}

void HttpClient::Run() {
  for (;;) {
    bool stop;
    {
      std::lock_guard<std::mutex> l(mu_);
      stop = stop_;
    }
    if (stop) break;
    StartQueued();
    int running = 0;
    curl_multi_perform(multi_, &running);
    int msgs = 0;
    int finished = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &msgs)) {
      if (m->msg != CURLMSG_DONE) continue;
      Request* r = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
      Finish(r, m->data.result);
      ++finished;
    }
    // A finished transfer freed a slot: start what waits in the queue now. Polling first would
    // sleep until some other socket or the poll timeout woke us (Send wakes the thread only when
    // the queue was empty), which capped a full queue at one request per slot per timeout.
    if (finished > 0 && HasQueued()) continue;
    curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
  }
  // Abort in-flight requests and queued ones; every callback runs once.
  std::vector<Request*> live(live_.begin(), live_.end());
  for (Request* r : live) Finish(r, CURLE_ABORTED_BY_CALLBACK);
  std::deque<std::unique_ptr<Request>> rest;
  {
    std::lock_guard<std::mutex> l(mu_);
    rest.swap(queue_);
  }
  for (auto& r : rest) {
    HttpResult res;
    res.transport_error = "http client stopped";
    r->done(std::move(res));
  }
}

}  // namespace quell::sinks
