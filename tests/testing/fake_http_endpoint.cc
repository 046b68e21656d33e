// tests/testing/fake_http_endpoint.cc
#include "tests/testing/fake_http_endpoint.h"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/strings.h"
#include "fmt/format.h"

namespace quell::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string FakeHttpEndpoint::Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (core::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

struct FakeHttpEndpoint::Impl {
  explicit Impl(bool rec) : record(rec), acceptor(io) {}
  bool record;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread accept_thread;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::deque<Behavior> script;
  Behavior def;
  std::vector<Request> requests;
  size_t count = 0;
  bool stop = false;
  bool release_hung = false;
  std::vector<int> fds;                 // Live connection sockets (for shutdown).
  std::vector<std::thread> conn_threads;

  void Serve(tcp::socket sock) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    for (;;) {
      http::request<http::string_body> req;
      http::read(sock, buf, req, ec);
      if (ec) break;
      Behavior b;
      {
        std::lock_guard<std::mutex> l(mu);
        if (!script.empty()) {
          b = std::move(script.front());
          script.pop_front();
        } else {
          b = def;
        }
        ++count;
        if (record) {
          Request r;
          r.method = std::string(req.method_string());
          r.target = std::string(req.target());
          for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
          r.body = req.body();
          r.answered = b.action == Action::kRespond ? b.status : 0;
          requests.push_back(std::move(r));
        }
      }
      cv.notify_all();
      if (b.action == Action::kHang) {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return stop || release_hung; });
        break;
      }
      if (b.action == Action::kReset) {
        linger lg{1, 0};
        ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        break;
      }
      http::response<http::string_body> res{static_cast<http::status>(b.status), req.version()};
      res.set(http::field::server, "fake");
      bool has_ct = false;
      for (const auto& [k, v] : b.headers) {
        res.set(k, v);
        has_ct |= core::EqualsIgnoreCase(k, "content-type");
      }
      if (!has_ct) res.set(http::field::content_type, "text/plain");
      res.body() = b.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    {
      std::lock_guard<std::mutex> l(mu);
      std::erase(fds, sock.native_handle());
    }
    sock.close(ec);
  }

  void Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket sock(io);
      acceptor.accept(sock, ec);
      std::lock_guard<std::mutex> l(mu);
      if (stop) {
        sock.close(ec);
        return;
      }
      if (ec) continue;
      sock.set_option(tcp::no_delay(true), ec);
      fds.push_back(sock.native_handle());
      conn_threads.emplace_back([this, s = std::move(sock)]() mutable { Serve(std::move(s)); });
    }
  }
};

FakeHttpEndpoint::FakeHttpEndpoint(bool record) : impl_(std::make_unique<Impl>(record)) {
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(128);
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] { impl_->Accept(); });
}

FakeHttpEndpoint::~FakeHttpEndpoint() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stop = true;
    for (int fd : impl_->fds) ::shutdown(fd, SHUT_RDWR);
  }
  impl_->cv.notify_all();
  {
    // Wake the blocking accept with a connection of our own.
    boost::system::error_code ec;
    tcp::socket s(impl_->io);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  impl_->accept_thread.join();
  for (auto& t : impl_->conn_threads) t.join();
}

std::string FakeHttpEndpoint::url(std::string_view path) const {
  return fmt::format("http://127.0.0.1:{}{}", port_, path);
}

void FakeHttpEndpoint::SetDefault(Behavior b) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->def = std::move(b);
}

void FakeHttpEndpoint::Push(Behavior b) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->script.push_back(std::move(b));
}

void FakeHttpEndpoint::Push(Behavior b, int times) {
  for (int i = 0; i < times; ++i) Push(b);
}

void FakeHttpEndpoint::ReleaseHung() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->release_hung = true;
  }
  impl_->cv.notify_all();
}

std::vector<FakeHttpEndpoint::Request> FakeHttpEndpoint::requests() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->requests;
}

size_t FakeHttpEndpoint::request_count() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->count;
}

bool FakeHttpEndpoint::WaitForRequests(size_t n, absl::Duration timeout) const {
  std::unique_lock<std::mutex> l(impl_->mu);
  return impl_->cv.wait_for(l, absl::ToChronoNanoseconds(timeout), [&] { return impl_->count >= n; });
}

}  // namespace quell::testing
