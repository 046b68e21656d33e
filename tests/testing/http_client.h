// tests/testing/http_client.h
//
// HttpClient: a small blocking HTTP/1.1 client for loopback tests (header-only, POSIX sockets).
// One client is one TCP connection, kept alive across requests, so tests can exercise keep-alive,
// pipelining (SendRaw several requests, then ReadResponse for each), chunked bodies and
// `Expect: 100-continue` byte by byte. Every read waits with a deadline (default 10 s), never a
// fixed sleep. Not thread-safe: one client per thread.
//
//   quell::testing::HttpClient c(server.port());
//   auto r = c.Post("/api/v2/alerts", R"([{"labels":{"alertname":"X"}}])");
//   ASSERT_TRUE(r.ok());
//   EXPECT_EQ(r->status, 200);
//
// WaitUntil(pred, timeout) polls a condition (1 ms steps) until it holds or the deadline passes.
#ifndef QUELL_TESTS_TESTING_HTTP_CLIENT_H_
#define QUELL_TESTS_TESTING_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fmt/format.h"

namespace quell::testing {

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive; empty when absent.
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool eq = true;
      for (size_t i = 0; i < k.size() && eq; ++i) eq = std::tolower(k[i]) == std::tolower(name[i]);
      if (eq) return v;
    }
    return {};
  }
};

class HttpClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  explicit HttpClient(uint16_t port, std::string host = "127.0.0.1") : port_(port), host_(std::move(host)) {
    Connect();
  }
  ~HttpClient() { Close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

  // Sends a request with Content-Length and reads its answer (skipping a 100 Continue).
  absl::StatusOr<HttpClientResponse> Request(std::string_view method, std::string_view target,
                                             std::string_view body = {}, const Headers& headers = {}) {
    absl::Status s = SendRaw(Format(method, target, body, headers));
    if (!s.ok()) return s;
    return ReadFinalResponse();
  }
  absl::StatusOr<HttpClientResponse> Post(std::string_view target, std::string_view body,
                                          const Headers& headers = {}) {
    return Request("POST", target, body, headers);
  }
  absl::StatusOr<HttpClientResponse> Head(std::string_view target) {
    absl::Status s = SendRaw(Format("HEAD", target, ""));
    if (!s.ok()) return s;
    return ReadResponse(/*no_body=*/true);
  }
  absl::StatusOr<HttpClientResponse> Get(std::string_view target, const Headers& headers = {}) {
    return Request("GET", target, {}, headers);
  }

  // The wire bytes of a request with Content-Length (and Host).
  static std::string Format(std::string_view method, std::string_view target, std::string_view body,
                            const Headers& headers = {}) {
    std::string out = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target);
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      out += fmt::format("{}: {}\r\n", k, v);
      has_type = has_type || k == "Content-Type";
    }
    if (!has_type && !body.empty()) out += "Content-Type: application/json\r\n";
    out += fmt::format("Content-Length: {}\r\n\r\n", body.size());
    out.append(body);
    return out;
  }

  absl::Status SendRaw(std::string_view bytes) {
    if (fd_ < 0) return absl::UnavailableError("http client: not connected");
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::UnavailableError(fmt::format("http client: send: {}", std::strerror(errno)));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  // Reads one response (a 100 Continue is returned as such).
  // `no_body`: the answer to a HEAD request (its Content-Length describes a body that is not sent).
  absl::StatusOr<HttpClientResponse> ReadResponse(bool no_body = false) {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      absl::Status s = Fill(deadline);
      if (!s.ok()) return s;
    }
    HttpClientResponse r;
    std::string_view head(buf_.data(), header_end);
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
      return absl::DataLossError("http client: bad status line");
    }
    r.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!rest.empty()) {
      size_t e = rest.find("\r\n");
      std::string_view line = rest.substr(0, e);
      rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
    }
    buf_.erase(0, header_end + 4);
    if (r.status == 100 || r.status == 204 || no_body) return r;
    std::string te = r.Header("Transfer-Encoding");
    if (te.find("chunked") != std::string::npos) {
      while (true) {
        size_t e;
        while ((e = buf_.find("\r\n")) == std::string::npos) {
          absl::Status s = Fill(deadline);
          if (!s.ok()) return s;
        }
        size_t size = std::stoul(buf_.substr(0, e), nullptr, 16);
        while (buf_.size() < e + 2 + size + 2) {
          absl::Status s = Fill(deadline);
          if (!s.ok()) return s;
        }
        r.body.append(buf_, e + 2, size);
        buf_.erase(0, e + 2 + size + 2);
        if (size == 0) break;
      }
      return r;
    }
    size_t len = static_cast<size_t>(std::atoll(r.Header("Content-Length").c_str()));
    while (buf_.size() < len) {
      absl::Status s = Fill(deadline);
      if (!s.ok()) return s;
    }
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return r;
  }

  // Reads responses until one that is not 100 Continue.
  absl::StatusOr<HttpClientResponse> ReadFinalResponse() {
    while (true) {
      auto r = ReadResponse();
      if (!r.ok() || r->status != 100) return r;
    }
  }

  // True iff the server closes the connection (EOF) before the deadline; buffered bytes are dropped.
  bool WaitForClose() {
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (true) {
      absl::Status s = Fill(deadline);
      if (absl::IsUnavailable(s)) return true;
      if (absl::IsDeadlineExceeded(s)) return false;
    }
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }

  // Appends what arrives before `deadline`. Unavailable on EOF/error, DeadlineExceeded on timeout.
  absl::Status Fill(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0) return absl::UnavailableError("http client: not connected");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("http client: timed out reading");
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc == 0) return absl::DeadlineExceededError("http client: timed out reading");
    if (rc < 0) return errno == EINTR ? absl::OkStatus() : absl::UnavailableError("http client: poll failed");
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n == 0) return absl::UnavailableError("http client: connection closed by peer");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return absl::OkStatus();
      return absl::UnavailableError(fmt::format("http client: recv: {}", std::strerror(errno)));
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return absl::OkStatus();
  }

  uint16_t port_;
  std::string host_;
  int fd_ = -1;
  std::string buf_;
  std::chrono::milliseconds timeout_{10000};
};

// Polls `pred` every millisecond until it returns true (-> true) or `timeout` passes (-> false).
inline bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_HTTP_CLIENT_H_
