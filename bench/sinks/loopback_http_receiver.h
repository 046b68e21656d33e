// bench/sinks/loopback_http_receiver.h
//
// LoopbackHttpReceiver: the webhook receiver the delivery benchmarks post to. One thread, one
// epoll set, non-blocking sockets on 127.0.0.1 (ephemeral port): it reads HTTP/1.1 requests
// (header up to the blank line, then Content-Length bytes of body; pipelining and keep-alive
// work), answers each with "200 OK" and an empty body, and counts them. Nothing is recorded.
//
// Why not the tests' FakeHttpEndpoint: that one runs a Beast thread per connection, so with 64
// connections every request costs a thread wake-up on the server side and the server, not Quell,
// set the pace (see bench/results/sinks.md). A receiver in production is another machine; here
// it shares the 2 cores, so it should be as cheap as a receiver can be: one thread that serves
// every ready connection per wake-up, as nginx or any event-loop server does.
//
// Not a general server: no chunked bodies (libcurl sends Content-Length for a POST body), no
// limits, no timeouts. Threading: requests() from any thread; the destructor stops and joins.
#ifndef QUELL_BENCH_SINKS_LOOPBACK_HTTP_RECEIVER_H_
#define QUELL_BENCH_SINKS_LOOPBACK_HTTP_RECEIVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "fmt/format.h"

namespace quell::bench {

class LoopbackHttpReceiver {
 public:
  LoopbackHttpReceiver() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 512) != 0) {
      std::abort();
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    Watch(listen_fd_, EPOLLIN);
    Watch(stop_fd_, EPOLLIN);
    thread_ = std::thread([this] { Run(); });
  }
  ~LoopbackHttpReceiver() {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof(one));
    thread_.join();
    for (auto& [fd, c] : conns_) ::close(fd);
    ::close(listen_fd_);
    ::close(stop_fd_);
    ::close(epoll_fd_);
  }
  LoopbackHttpReceiver(const LoopbackHttpReceiver&) = delete;
  LoopbackHttpReceiver& operator=(const LoopbackHttpReceiver&) = delete;

  std::string url(std::string_view path) const { return fmt::format("http://127.0.0.1:{}{}", port_, path); }
  int64_t requests() const { return requests_.load(std::memory_order_relaxed); }

 private:
  struct Conn {
    std::string in;
    std::string out;
  };
  static constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

  void Watch(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }

  // Content-Length of the header block `h` (case-insensitive name); 0 when absent.
  static size_t ContentLength(std::string_view h) {
    constexpr std::string_view kName = "content-length:";
    for (size_t pos = h.find("\r\n"); pos != std::string_view::npos; pos = h.find("\r\n", pos + 2)) {
      std::string_view line = h.substr(pos + 2, kName.size());
      if (line.size() == kName.size() && ::strncasecmp(line.data(), kName.data(), kName.size()) == 0) {
        return std::strtoull(h.data() + pos + 2 + kName.size(), nullptr, 10);
      }
    }
    return 0;
  }

  // Answers every complete request in c.in; returns false when the connection should close.
  bool Serve(int fd, Conn& c) {
    size_t done = 0;
    int64_t n = 0;
    for (;;) {
      std::string_view rest(c.in.data() + done, c.in.size() - done);
      size_t end = rest.find("\r\n\r\n");
      if (end == std::string_view::npos) break;
      size_t total = end + 4 + ContentLength(rest.substr(0, end + 2));
      if (rest.size() < total) break;
      done += total;
      c.out.append(kResponse);
      ++n;
    }
    c.in.erase(0, done);
    if (n > 0) requests_.fetch_add(n, std::memory_order_relaxed);
    return Flush(fd, c);
  }

  bool Flush(int fd, Conn& c) {
    while (!c.out.empty()) {
      ssize_t w = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w < 0 && errno == EAGAIN) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.fd = fd;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
        return true;
      }
      if (w <= 0) return false;
      c.out.erase(0, static_cast<size_t>(w));
    }
    return true;
  }

  void Close(int fd) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_.erase(fd);
  }

  void Run() {
    epoll_event events[256];
    char buf[64 * 1024];
    for (;;) {
      int ready = ::epoll_wait(epoll_fd_, events, 256, -1);
      for (int i = 0; i < ready; ++i) {
        int fd = events[i].data.fd;
        if (fd == stop_fd_) return;
        if (fd == listen_fd_) {
          for (int c; (c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
            int one = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            conns_[c];
            Watch(c, EPOLLIN);
          }
          continue;
        }
        Conn& c = conns_[fd];
        bool open = true;
        if (events[i].events & EPOLLOUT) {
          open = Flush(fd, c);
          if (open && c.out.empty()) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = fd;
            ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
          }
        }
        while (open && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
          ssize_t r = ::recv(fd, buf, sizeof(buf), 0);
          if (r > 0) {
            c.in.append(buf, static_cast<size_t>(r));
            if (static_cast<size_t>(r) < sizeof(buf)) break;
            continue;
          }
          if (r < 0 && errno == EAGAIN) break;
          open = false;  // EOF or error.
        }
        if (open) open = Serve(fd, c);
        if (!open) Close(fd);
      }
    }
  }

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int64_t> requests_{0};
  std::unordered_map<int, Conn> conns_;  // Receiver thread only (and the destructor after join).
  std::thread thread_;
};

}  // namespace quell::bench

#endif  // QUELL_BENCH_SINKS_LOOPBACK_HTTP_RECEIVER_H_
