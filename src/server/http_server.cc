// src/server/http_server.cc
//
// One Session per connection, all of its handlers on one strand. Over TLS the session first
// completes the handshake (within header_timeout). The read loop is:
//   WaitForRequest (idle_timeout; skipped when pipelined bytes are already buffered)
//   -> ReadHeader (header_timeout) -> checks, optional 100 Continue
//   -> ReadBody (read_timeout) -> decode, route, handler -> Write (write_timeout) -> loop or close.
#include "server/http_server.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "boost/asio/dispatch.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "openssl/ssl.h"
#include "fmt/format.h"
#include "core/rpc_status.h"
#include "core/status_macros.h"
#include "server/content_encoding.h"
#include "server/query_string.h"

namespace quell::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

constexpr size_t kBodyPadding = 64;  // simdjson::SIMDJSON_PADDING
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

// What Stop() needs of a session, whatever its stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void RequestStop() = 0;
};

class HttpServerImpl {
 public:
  HttpServerImpl(ServerConfig config, const Router* router)
      : config_(std::move(config)), router_(router), ioc_(config_.io_threads) {}

  absl::Status Start();
  void Stop();
  uint16_t port() const { return port_; }

  void DoAccept();
  void Register(SessionBase* s, std::weak_ptr<SessionBase> w) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.emplace(s, std::move(w));
  }
  void Unregister(SessionBase* s) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(s);
    if (sessions_.empty()) drained_.notify_all();
  }
  void CountStatus(int status) {
    if (status >= 200 && status < 300) {
      stats_.responses_2xx.fetch_add(1, std::memory_order_relaxed);
    } else if (status >= 400 && status < 500) {
      stats_.responses_4xx.fetch_add(1, std::memory_order_relaxed);
    } else if (status >= 500) {
      stats_.responses_5xx.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats_.responses_other.fetch_add(1, std::memory_order_relaxed);
    }
  }

  const ServerConfig config_;
  const Router* const router_;
  HttpServerStats stats_;
  std::atomic<bool> stopping_{false};

 private:
  std::mutex mu_;
  std::condition_variable drained_;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  bool started_ = false;
  bool stopped_ = false;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  absl::Status LoadTls();

  // Set when config_.tls is: every accepted connection speaks TLS. Outlives the sessions (ioc_ is
  // destroyed first).
  std::optional<net::ssl::context> ssl_ctx_;
  // Declared last: destroyed first, so pending handlers (and the sessions they hold) go before mu_.
  net::io_context ioc_;
  std::optional<tcp::acceptor> acceptor_;
};

// Stream is beast::tcp_stream (plain HTTP) or beast::ssl_stream<beast::tcp_stream> (HTTPS).
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(HttpServerImpl* server, tcp::socket&& socket, Args&... tls_context)
      : stream_(std::move(socket), tls_context...), server_(server), timer_(stream_.get_executor()) {
    beast::error_code ec;
    tcp::endpoint ep = Tcp().socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                                     : fmt::format("{}:{}", ep.address().to_string(), ep.port());
    }
    Tcp().socket().set_option(tcp::no_delay(true), ec);
    server_->stats_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    server_->stats_.connections_active.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() override {
    server_->stats_.connections_active.fetch_sub(1, std::memory_order_relaxed);
    server_->Unregister(this);
  }

  void Run() {
    server_->Register(this, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->WaitForRequest();
      }
    });
  }

  // Called by Stop() from any thread: on the session's strand, closes the connection now if it is
  // idle; a request in progress is answered (with Connection: close) and then the connection closes.
  void RequestStop() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->Close();
    });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  // TLS only: the handshake must finish within header_timeout (a client that connects and says
  // nothing holds no connection for long).
  void Handshake() {
    Tcp().expires_after(ToChrono(cfg().header_timeout));
    stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->server_->stats_.tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
        return self->Close();
      }
      self->WaitForRequest();
    });
  }

  const ServerConfig& cfg() const { return server_->config_; }

  void WaitForRequest() {
    if (server_->stopping_.load(std::memory_order_acquire) && buffer_.size() == 0) return Close();
    if (buffer_.size() > 0) return ReadHeader();  // Pipelined request already buffered.
    idle_ = true;
    Tcp().expires_after(ToChrono(cfg().idle_timeout));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->idle_ = false;
                              if (ec) return self->Close();  // Idle timeout, peer closed, or Stop().
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(cfg().max_header_bytes));
    parser_->body_limit(cfg().max_body_bytes);
    ArmTimer(cfg().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->timer_.cancel();
      self->OnHeader(ec);
    });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    server_->stats_.requests_total.fetch_add(1, std::memory_order_relaxed);
    const auto& req = parser_->get();
    if (req.version() != 11 && req.version() != 10) {
      return Fail(505, "http version not supported", true);
    }
    if (auto len = parser_->content_length(); len && *len > cfg().max_body_bytes) {
      server_->stats_.rejected_too_large.fetch_add(1, std::memory_order_relaxed);
      return Fail(413, fmt::format("body: {} bytes exceeds the limit of {} bytes", *len, cfg().max_body_bytes),
                  true, core::HttpRefusalKind::kTooLarge);
    }
    auto expect = req.find(http::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue") && !parser_->is_done()) {
      server_->stats_.continue_sent.fetch_add(1, std::memory_order_relaxed);
      Tcp().expires_after(ToChrono(cfg().write_timeout));
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](beast::error_code wec, size_t) {
                         if (wec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({});
    ArmTimer(cfg().read_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->timer_.cancel();
      self->OnBody(ec);
    });
  }

  // Header and body reads use this timer rather than tcp_stream's expiry, which would close the
  // socket and leave no way to answer 408.
  void ArmTimer(absl::Duration d) {
    timed_out_ = false;
    Tcp().expires_never();
    timer_.expires_after(ToChrono(d));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // Cancelled: the read finished in time.
      self->timed_out_ = true;
      beast::error_code ignored;
      self->Tcp().socket().cancel(ignored);
    });
  }

  // A failed header or body read. Failures after the header (the body's) are refusals of the
  // request's route (Fail with a kind); the header's are the server's own.
  void OnReadError(beast::error_code ec) {
    if (timed_out_ && ec == net::error::operation_aborted) {
      server_->stats_.timeouts.fetch_add(1, std::memory_order_relaxed);
      return Fail(408, "request timeout", true, core::HttpRefusalKind::kTimeout);
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      server_->stats_.timeouts.fetch_add(1, std::memory_order_relaxed);
      return Fail(408, "request timeout", true, core::HttpRefusalKind::kTimeout);
    }
    if (ec == http::error::body_limit) {
      server_->stats_.rejected_too_large.fetch_add(1, std::memory_order_relaxed);
      auto len = parser_->get().find(http::field::content_length);
      if (len != parser_->get().end()) {
        return Fail(413, fmt::format("body: {} bytes exceeds the limit of {} bytes",
                                     std::string_view(len->value().data(), len->value().size()), cfg().max_body_bytes),
                    true, core::HttpRefusalKind::kTooLarge);
      }
      return Fail(413, fmt::format("body: exceeds the limit of {} bytes", cfg().max_body_bytes), true,
                  core::HttpRefusalKind::kTooLarge);
    }
    if (ec == http::error::header_limit) {
      return Fail(431, fmt::format("header: exceeds the limit of {} bytes", cfg().max_header_bytes), true);
    }
    server_->stats_.rejected_bad_request.fetch_add(1, std::memory_order_relaxed);
    return Fail(400, fmt::format("malformed request: {}", ec.message()), true, core::HttpRefusalKind::kMalformed);
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    http::request<http::string_body> msg = parser_->release();
    parser_.reset();
    const bool keep_alive = msg.keep_alive();
    version_ = msg.version();
    server_->stats_.body_bytes_received.fetch_add(msg.body().size(), std::memory_order_relaxed);

    core::HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string_view raw_query;
    SplitTarget(std::string_view(msg.target().data(), msg.target().size()), &req.path, &raw_query);
    core::ParseQuery(raw_query, &req.query);
    req.headers.reserve(8);
    for (const auto& field : msg) {
      req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    req.remote = remote_;

    auto ce = msg.find(http::field::content_encoding);
    ContentEncoding encoding =
        ce == msg.end() ? ContentEncoding::kIdentity
                        : ParseContentEncoding(std::string_view(ce->value().data(), ce->value().size()));
    if (encoding == ContentEncoding::kIdentity) {
      req.body = std::move(msg.body());
      if (req.body.capacity() - req.body.size() < kBodyPadding) req.body.reserve(req.body.size() + kBodyPadding);
    } else {
      absl::Status s = DecodeBody(encoding, msg.body(), cfg().max_body_bytes, &req.body, kBodyPadding);
      if (!s.ok()) {
        req.body.clear();
        const std::string message(s.message());
        switch (s.code()) {
          case absl::StatusCode::kResourceExhausted:
            server_->stats_.rejected_too_large.fetch_add(1, std::memory_order_relaxed);
            return Write(Refuse(req, 413, core::HttpRefusalKind::kTooLarge, message), true);
          case absl::StatusCode::kUnimplemented:
            server_->stats_.rejected_unsupported_encoding.fetch_add(1, std::memory_order_relaxed);
            return Write(Refuse(req, 415, core::HttpRefusalKind::kUnsupportedEncoding, message), !keep_alive);
          default:
            server_->stats_.rejected_bad_request.fetch_add(1, std::memory_order_relaxed);
            return Write(Refuse(req, 400, core::HttpRefusalKind::kBadEncoding, message), !keep_alive);
        }
      }
    }
    server_->stats_.body_bytes_decoded.fetch_add(req.body.size(), std::memory_order_relaxed);

    head_ = req.method == "HEAD";
    core::HttpResponse res;
    try {
      res = server_->router_->Handle(&req);
    } catch (const std::exception&) {
      server_->stats_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      res = JsonError(500, fmt::format("internal error handling {} {}", req.method, req.path));
    }
    Write(std::move(res), !keep_alive);
  }

  // Answers with `status` and closes the connection. With a `kind`, once the header was read, the
  // refusal is the request's route's to answer (Refuse). A body over the limit is found once every
  // field was read, also when Beast fails the header on its Content-Length (is_header_done() false).
  void Fail(int status, std::string message, bool close, std::optional<core::HttpRefusalKind> kind = std::nullopt) {
    std::string_view content_type, path;
    if (parser_) {
      version_ = parser_->is_header_done() ? parser_->get().version() : 11;
      if (kind && (parser_->is_header_done() || *kind == core::HttpRefusalKind::kTooLarge)) {
        const auto& msg = parser_->get();
        core::HttpRequest req;
        req.method = std::string(msg.method_string());
        std::string_view raw_query;
        SplitTarget(std::string_view(msg.target().data(), msg.target().size()), &req.path, &raw_query);
        core::ParseQuery(raw_query, &req.query);
        for (const auto& field : msg) {
          req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        req.remote = remote_;
        return Write(Refuse(req, status, *kind, message), close);
      }
      // The fields read so far (all of them when the header failed on its Content-Length).
      auto ct = parser_->get().find(http::field::content_type);
      if (ct != parser_->get().end()) content_type = std::string_view(ct->value().data(), ct->value().size());
      const auto target = parser_->get().target();
      path = std::string_view(target.data(), target.size());
      path = path.substr(0, path.find('?'));
    }
    Write(ErrorFor(path, content_type, status, message), close);
  }

  // A request refused before its handler (`req` without a body): the route's refusal handler
  // answers when it has one (an intake endpoint counts it and answers in its own error shape),
  // else the server (ErrorFor). A refusal handler that throws is a bug, answered as the server's.
  core::HttpResponse Refuse(const core::HttpRequest& req, int status, core::HttpRefusalKind kind,
                            std::string_view message) {
    try {
      std::optional<core::HttpResponse> res = server_->router_->Refuse(req, core::HttpRefusal{status, kind, message});
      if (res) return *std::move(res);
    } catch (const std::exception&) {
      server_->stats_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
    }
    return ErrorFor(req.path, req.Header("Content-Type"), status, message);
  }

  // A refusal in the shape the client reads: to a protobuf request (OTLP/HTTP) a protobuf
  // google.rpc.Status, to another request on an OTLP/HTTP path the same Status as JSON, as the
  // OTLP specification asks; else JSON {"error": ...}.
  static core::HttpResponse ErrorFor(std::string_view path, std::string_view content_type, int status,
                                     std::string_view message) {
    if (core::IsProtobufContentType(content_type)) return core::RpcStatusResponse(status, message);
    if (core::IsOtlpHttpPath(path)) return core::RpcStatusJsonResponse(status, message);
    return JsonError(status, message);
  }

  void Write(core::HttpResponse r, bool close) {
    if (server_->stopping_.load(std::memory_order_acquire)) close = true;
    server_->CountStatus(r.status);
    res_ = {};
    res_.version(version_ == 10 ? 10 : 11);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::server, "quell");
    if (!r.body.empty() || r.status != 204) res_.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res_.set(name, value);
    res_.body() = std::move(r.body);
    res_.keep_alive(!close);
    res_.prepare_payload();
    if (head_) {  // The header of the GET answer, Content-Length included, without its body.
      const size_t n = res_.body().size();
      res_.body().clear();
      res_.content_length(n);
      head_ = false;
    }
    close_after_write_ = close;
    Tcp().expires_after(ToChrono(cfg().write_timeout));
    http::async_write(stream_, res_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      if (self->close_after_write_) return self->CloseAfterResponse();
      self->WaitForRequest();
    });
  }

  void Close() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().close();
  }

  // After the last response on a connection: over TLS, send close_notify first (bounded by
  // write_timeout) so clients can tell a complete response from a truncated one.
  void CloseAfterResponse() {
    if constexpr (kTls) {
      Tcp().expires_after(ToChrono(cfg().write_timeout));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      Close();
    }
  }

  Stream stream_;
  HttpServerImpl* const server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::string remote_;
  unsigned version_ = 11;
  net::steady_timer timer_;
  bool close_after_write_ = false;
  bool head_ = false;  // The request being answered is a HEAD.
  bool idle_ = false;
  bool timed_out_ = false;
};

absl::Status HttpServerImpl::Start() {
  if (started_) return absl::FailedPreconditionError("http server: already started");
  if (config_.tls) QUELL_RETURN_IF_ERROR(LoadTls());
  beast::error_code ec;
  net::ip::address addr = net::ip::make_address(config_.address, ec);
  const std::string where = fmt::format("http server: listen {}:{}", config_.address, config_.port);
  if (ec) return absl::InvalidArgumentError(fmt::format("{}: bad address: {}", where, ec.message()));
  tcp::endpoint ep(addr, config_.port);
  acceptor_.emplace(net::make_strand(ioc_));
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.reset();
    return absl::UnavailableError(fmt::format("{}: {}", where, ec.message()));
  }
  port_ = acceptor_->local_endpoint().port();
  started_ = true;
  DoAccept();
  threads_.reserve(static_cast<size_t>(config_.io_threads));
  for (int i = 0; i < config_.io_threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  return absl::OkStatus();
}

absl::Status HttpServerImpl::LoadTls() {
  const TlsConfig& tls = *config_.tls;
  net::ssl::context ctx(net::ssl::context::tls_server);
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), tls.min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  beast::error_code ec;
  const std::string where = fmt::format("http server: tls ({}:{})", tls.where.file, tls.where.line);
  ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return absl::InvalidArgumentError(fmt::format("{}: cert_file {}: {}", where, tls.cert_file, ec.message()));
  ctx.use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
  if (ec && ec.message().find("mismatch") != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("{}: key_file {} does not match the certificate in {}", where, tls.key_file, tls.cert_file));
  }
  if (ec) return absl::InvalidArgumentError(fmt::format("{}: key_file {}: {}", where, tls.key_file, ec.message()));
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return absl::InvalidArgumentError(
        fmt::format("{}: key_file {} does not match the certificate in {}", where, tls.key_file, tls.cert_file));
  }
  if (!tls.client_ca_file.empty()) {
    ctx.load_verify_file(tls.client_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("{}: client_ca_file {}: {}", where, tls.client_ca_file, ec.message()));
    }
    ctx.set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  }
  ssl_ctx_.emplace(std::move(ctx));
  return absl::OkStatus();
}

void HttpServerImpl::DoAccept() {
  acceptor_->async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec && !stopping_.load(std::memory_order_acquire)) {
      if (ssl_ctx_) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(this, std::move(socket), *ssl_ctx_)->Run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(this, std::move(socket))->Run();
      }
    }
    DoAccept();
  });
}

void HttpServerImpl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_.store(true, std::memory_order_release);
  net::post(acceptor_->get_executor(), [this] {
    beast::error_code ec;
    acceptor_->close(ec);
  });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->RequestStop();
  live.clear();
  {
    std::unique_lock<std::mutex> lock(mu_);
    drained_.wait_for(lock, ToChrono(config_.shutdown_grace), [this] { return sessions_.empty(); });
  }
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

HttpServer::HttpServer(ServerConfig config, const Router* router)
    : impl_(std::make_unique<HttpServerImpl>(std::move(config), router)) {}
HttpServer::~HttpServer() { Stop(); }
absl::Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }
const HttpServerStats& HttpServer::stats() const { return impl_->stats_; }
const ServerConfig& HttpServer::config() const { return impl_->config_; }

}  // namespace quell::server
