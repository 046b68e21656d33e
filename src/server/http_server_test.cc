#include "server/http_server.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/content_encoding.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::quell::testing::HttpClient;
using ::quell::testing::IsOk;
using ::testing::HasSubstr;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(router_.Route("POST", "/echo", [](const core::HttpRequest& r) {
      core::HttpResponse res = core::HttpResponse::Text(200, r.body);
      res.headers.emplace_back("X-Query", fmt::format("{}", r.query.size() == 0 ? "" : r.query[0].second));
      return res;
    }), IsOk());
    ASSERT_THAT(router_.Route("GET", "/item/{id}", [](const core::HttpRequest& r) {
      return core::HttpResponse::Json(200, fmt::format(R"({{"id":"{}","q":"{}"}})", r.PathParam("id"), r.Query("q")));
    }), IsOk());
    ASSERT_THAT(router_.Route("GET", "/slow", [this](const core::HttpRequest&) {
      std::unique_lock<std::mutex> lock(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
      return core::HttpResponse::Text(200, "finally");
    }), IsOk());
  }

  void StartServer(ServerConfig cfg = {}) {
    cfg.port = 0;
    server_ = std::make_unique<HttpServer>(cfg, &router_);
    ASSERT_THAT(server_->Start(), IsOk());
    ASSERT_NE(server_->port(), 0);
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  HttpClient c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 5; ++i) {
    auto r = c.Post("/echo?x=a%20b", fmt::format("body {}", i));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, fmt::format("body {}", i));
    EXPECT_EQ(r->Header("X-Query"), "a b");
  }
  EXPECT_EQ(server_->stats().connections_accepted.load(), 1u);
  EXPECT_EQ(server_->stats().requests_total.load(), 5u);
  EXPECT_EQ(server_->stats().responses_2xx.load(), 5u);
}

TEST_F(HttpServerTest, HeadAnswersTheGetHeaderWithoutTheBody) {
  StartServer();
  HttpClient c(server_->port());
  auto head = c.Head("/item/42?q=z");
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "19");  // Length of {"id":"42","q":"z"}.
  EXPECT_EQ(head->Header("Content-Type"), "application/json");
  // No body bytes were sent: the next answer on the connection starts cleanly.
  auto get = c.Get("/item/42?q=z");
  ASSERT_THAT(get, IsOk());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, R"({"id":"42","q":"z"})");
  EXPECT_EQ(server_->stats().connections_accepted.load(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  HttpClient c(server_->port());
  std::string wire;
  for (int i = 0; i < 10; ++i) wire += HttpClient::Format("POST", "/echo", fmt::format("req-{}", i));
  wire += HttpClient::Format("GET", "/item/42?q=z", "");
  ASSERT_THAT(c.SendRaw(wire), IsOk());
  for (int i = 0; i < 10; ++i) {
    auto r = c.ReadResponse();
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->body, fmt::format("req-{}", i));
  }
  auto last = c.ReadResponse();
  ASSERT_THAT(last, IsOk());
  EXPECT_EQ(last->body, R"({"id":"42","q":"z"})");
}

TEST_F(HttpServerTest, ChunkedBodyIsReassembled) {
  StartServer();
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"),
              IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
}

TEST_F(HttpServerTest, ExpectContinueSendsInterimResponseBeforeBody) {
  StartServer();
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"), IsOk());
  auto interim = c.ReadResponse();
  ASSERT_THAT(interim, IsOk());
  EXPECT_EQ(interim->status, 100);
  ASSERT_THAT(c.SendRaw("ping"), IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ping");
  EXPECT_EQ(server_->stats().continue_sent.load(), 1u);
}

TEST_F(HttpServerTest, TooLargeContentLengthGets413WithoutContinue) {
  ServerConfig cfg;
  cfg.max_body_bytes = 100;
  StartServer(cfg);
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n"), IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(r->body, HasSubstr("101 bytes exceeds the limit of 100 bytes"));
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(server_->stats().rejected_too_large.load(), 1u);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitGets413) {
  ServerConfig cfg;
  cfg.max_body_bytes = 8;
  StartServer(cfg);
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"),
              IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpServerTest, GzipDeflateAndZstdBodiesAreDecoded) {
  StartServer();
  HttpClient c(server_->port());
  const std::string plain(10000, 'q');
  for (auto [enc, name] : {std::pair{ContentEncoding::kGzip, "gzip"}, std::pair{ContentEncoding::kDeflate, "deflate"},
                           std::pair{ContentEncoding::kZstd, "zstd"}}) {
    auto r = c.Post("/echo", EncodeBody(enc, plain), {{"Content-Encoding", name}});
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200) << name;
    EXPECT_EQ(r->body, plain) << name;
  }
  EXPECT_GT(server_->stats().body_bytes_decoded.load(), 10 * server_->stats().body_bytes_received.load() / 2);
}

TEST_F(HttpServerTest, ZipBombGets413AndCorruptGzip400AndBrotli415) {
  ServerConfig cfg;
  cfg.max_body_bytes = 1 << 20;
  StartServer(cfg);
  {
    HttpClient c(server_->port());
    auto r = c.Post("/echo", EncodeBody(ContentEncoding::kGzip, std::string(32 << 20, '\0')),
                    {{"Content-Encoding", "gzip"}});
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 413);
    EXPECT_THAT(r->body, HasSubstr("decoded body exceeds 1048576 bytes"));
  }
  HttpClient c(server_->port());
  auto bad = c.Post("/echo", "not gzip at all", {{"Content-Encoding", "gzip"}});
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->status, 400);
  auto br = c.Post("/echo", "x", {{"Content-Encoding", "br"}});
  ASSERT_THAT(br, IsOk());
  EXPECT_EQ(br->status, 415);
  EXPECT_EQ(server_->stats().rejected_unsupported_encoding.load(), 1u);
}

// OTLP/HTTP asks for a protobuf google.rpc.Status in answers to protobuf requests, also when the
// server refuses the body before any handler sees it.
TEST_F(HttpServerTest, RefusalsOfProtobufRequestsAreProtobufStatuses) {
  ServerConfig cfg;
  cfg.max_body_bytes = 1 << 20;
  StartServer(cfg);
  {
    HttpClient c(server_->port());
    auto bad = c.Post("/echo", "not gzip at all",
                      {{"Content-Encoding", "gzip"}, {"Content-Type", "application/x-protobuf"}});
    ASSERT_THAT(bad, IsOk());
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(bad->Header("Content-Type"), "application/x-protobuf");
    EXPECT_EQ(bad->body.substr(0, 3), std::string("\x08\x03\x12", 3));  // code INVALID_ARGUMENT, message
  }
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                        "Content-Length: 99999999\r\n\r\n"),
              IsOk());
  auto big = c.ReadResponse();
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(big->body.substr(0, 3), std::string("\x08\x08\x12", 3));  // RESOURCE_EXHAUSTED
  EXPECT_THAT(big->body, HasSubstr("exceeds the limit"));
}

// ... and as JSON google.rpc.Status on the OTLP/HTTP paths for other (JSON) requests, which the
// specification also wants to read a Status from; other paths keep {"error": ...}.
TEST_F(HttpServerTest, RefusalsOnOtlpPathsAreJsonStatuses) {
  ServerConfig cfg;
  cfg.max_body_bytes = 1 << 20;
  StartServer(cfg);
  {
    HttpClient c(server_->port());
    auto br = c.Post("/v1/logs", "x", {{"Content-Encoding", "br"}, {"Content-Type", "application/json"}});
    ASSERT_THAT(br, IsOk());
    EXPECT_EQ(br->status, 415);
    EXPECT_EQ(br->Header("Content-Type"), "application/json");
    EXPECT_THAT(br->body, HasSubstr(R"({"code":3,"message":")"));
    auto bad = c.Post("/v1/traces/", "not gzip", {{"Content-Encoding", "gzip"}, {"Content-Type", "application/json"}});
    ASSERT_THAT(bad, IsOk());
    EXPECT_EQ(bad->status, 400);
    EXPECT_THAT(bad->body, HasSubstr(R"({"code":3,"message":")"));
    auto other = c.Post("/echo", "not gzip", {{"Content-Encoding", "gzip"}});
    ASSERT_THAT(other, IsOk());
    EXPECT_THAT(other->body, HasSubstr(R"({"error":")"));
  }
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /v1/metrics?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 99999999\r\n\r\n"),
              IsOk());
  auto big = c.ReadResponse();
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr(R"({"code":8,"message":")"));
}

// QA: what the server refuses once it has read a request's header (a body over the limit, a
// corrupt or unknown Content-Encoding, a broken chunk, a body that does not arrive) never reached
// the route, so an intake endpoint could neither count it nor answer in its own error shape. The
// route's refusal handler now answers it, with the request's method, path, query and headers.
TEST_F(HttpServerTest, RefusalsAfterTheHeaderGoToTheRoutesRefusalHandler) {
  std::mutex mu;
  std::vector<std::string> seen;
  ASSERT_THAT(router_.Route(
                  "POST", "/intake", [](const core::HttpRequest&) { return core::HttpResponse::Json(202, "{}"); }, {},
                  [&](const core::HttpRequest& req, const core::HttpRefusal& f) {
                    std::lock_guard<std::mutex> lock(mu);
                    seen.push_back(fmt::format("{} {} q={} key={} kind={} body={}", req.method, req.path,
                                               req.Query("q"), req.Header("DD-API-KEY"), static_cast<int>(f.kind),
                                               req.body.size()));
                    return core::HttpResponse::Json(f.status, fmt::format(R"({{"refused":"{}"}})", f.status));
                  }),
              IsOk());
  ServerConfig cfg;
  cfg.max_body_bytes = 1 << 20;
  cfg.read_timeout = absl::Milliseconds(200);
  StartServer(cfg);
  {
    HttpClient c(server_->port());
    auto bad = c.Post("/intake?q=1", "not gzip at all", {{"Content-Encoding", "gzip"}, {"DD-API-KEY", "k1"}});
    ASSERT_THAT(bad, IsOk());
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(bad->body, R"({"refused":"400"})");
    auto br = c.Post("/intake", "x", {{"Content-Encoding", "br"}});
    ASSERT_THAT(br, IsOk());
    EXPECT_EQ(br->status, 415);
    EXPECT_EQ(br->body, R"({"refused":"415"})");
    auto bomb = c.Post("/intake", EncodeBody(ContentEncoding::kGzip, std::string(4 << 20, '\0')),
                       {{"Content-Encoding", "gzip"}});
    ASSERT_THAT(bomb, IsOk());
    EXPECT_EQ(bomb->status, 413);
    EXPECT_EQ(bomb->body, R"({"refused":"413"})");
  }
  // A request written raw on a connection of its own: "status body" of the answer.
  const auto raw = [&](const std::string& request) -> std::string {
    HttpClient c(server_->port());
    if (absl::Status sent = c.SendRaw(request); !sent.ok()) return std::string(sent.message());
    auto r = c.ReadResponse();
    if (!r.ok()) return std::string(r.status().message());
    return fmt::format("{} {}", r->status, r->body);
  };
  EXPECT_EQ(raw("POST /intake?q=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"),
            R"(413 {"refused":"413"})");
  EXPECT_EQ(raw("POST /intake HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"),
            R"(400 {"refused":"400"})");
  EXPECT_EQ(raw("POST /intake HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"), R"(408 {"refused":"408"})");
  {
    // A route without a refusal handler, and a header the server cannot read: the server answers.
    HttpClient c(server_->port());
    auto other = c.Post("/echo", "not gzip", {{"Content-Encoding", "gzip"}});
    ASSERT_THAT(other, IsOk());
    EXPECT_THAT(other->body, HasSubstr(R"({"error":")"));
  }
  std::lock_guard<std::mutex> lock(mu);
  using K = core::HttpRefusalKind;
  EXPECT_EQ(seen, (std::vector<std::string>{
                      fmt::format("POST /intake q=1 key=k1 kind={} body=0", static_cast<int>(K::kBadEncoding)),
                      fmt::format("POST /intake q= key= kind={} body=0", static_cast<int>(K::kUnsupportedEncoding)),
                      fmt::format("POST /intake q= key= kind={} body=0", static_cast<int>(K::kTooLarge)),
                      fmt::format("POST /intake q=2 key= kind={} body=0", static_cast<int>(K::kTooLarge)),
                      fmt::format("POST /intake q= key= kind={} body=0", static_cast<int>(K::kMalformed)),
                      fmt::format("POST /intake q= key= kind={} body=0", static_cast<int>(K::kTimeout))}));
  // The server's own counters are kept as before.
  EXPECT_EQ(server_->stats().rejected_too_large.load(), 2u);
  EXPECT_EQ(server_->stats().rejected_unsupported_encoding.load(), 1u);
  EXPECT_EQ(server_->stats().timeouts.load(), 1u);
}

TEST_F(HttpServerTest, SlowHeaderGets408AndClose) {
  ServerConfig cfg;
  cfg.header_timeout = absl::Milliseconds(200);
  StartServer(cfg);
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\n"), IsOk());  // Never finishes the header.
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(server_->stats().timeouts.load(), 1u);
}

TEST_F(HttpServerTest, SlowBodyGets408) {
  ServerConfig cfg;
  cfg.read_timeout = absl::Milliseconds(200);
  StartServer(cfg);
  HttpClient c(server_->port());
  ASSERT_THAT(c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"), IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedSilently) {
  ServerConfig cfg;
  cfg.idle_timeout = absl::Milliseconds(200);
  StartServer(cfg);
  HttpClient c(server_->port());
  auto r = c.Post("/echo", "x");
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(server_->stats().timeouts.load(), 0u);
  EXPECT_TRUE(::quell::testing::WaitUntil([&] { return server_->stats().connections_active.load() == 0; }));
}

TEST_F(HttpServerTest, MalformedRequestGets400AndUnknownRoute404) {
  StartServer();
  HttpClient c(server_->port());
  auto nf = c.Get("/nowhere");
  ASSERT_THAT(nf, IsOk());
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(nf->Header("Content-Type"), "application/json");
  ASSERT_THAT(c.SendRaw("THIS IS NOT HTTP\r\n\r\n"), IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(HttpServerTest, StopIsGracefulForInFlightRequests) {
  StartServer();
  HttpClient idle(server_->port());
  ASSERT_THAT(idle.Post("/echo", "x"), IsOk());
  HttpClient busy(server_->port());
  ASSERT_THAT(busy.SendRaw(HttpClient::Format("GET", "/slow", "")), IsOk());
  {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [this] { return entered_; }));
  }
  auto stopped = std::async(std::launch::async, [this] { server_->Stop(); });
  // The idle connection is closed by Stop() while the slow request is still running.
  EXPECT_TRUE(idle.WaitForClose());
  {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
  }
  cv_.notify_all();
  auto r = busy.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finally");
  EXPECT_EQ(r->Header("Connection"), "close");
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  HttpClient after(server_->port());
  EXPECT_FALSE(after.connected());
}

TEST_F(HttpServerTest, BindFailureIsUnavailable) {
  StartServer();
  ServerConfig cfg;
  cfg.port = server_->port();
  HttpServer second(cfg, &router_);
  EXPECT_THAT(second.Start(), ::quell::testing::StatusIs(absl::StatusCode::kUnavailable, HasSubstr("listen")));
}

}  // namespace
}  // namespace quell::server
