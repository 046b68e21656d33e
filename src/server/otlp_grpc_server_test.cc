#include "server/otlp_grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>
#include <mutex>
#include <string>
#include <vector>

#include "core/rpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/grpc_unary_call.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::testing::HasSubstr;

constexpr char kLogs[] = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

using Call = ::quell::testing::GrpcCallResult;

Call Send(uint16_t port, const std::string& method, const std::string& body,
          const std::vector<std::pair<std::string, std::string>>& metadata = {}, bool gzip = false) {
  return ::quell::testing::GrpcUnaryCall(port, method, body, metadata, gzip);
}

// A server whose handler records what it was given and answers `answer`.
struct Fixture {
  std::mutex mu;
  std::vector<core::HttpRequest> seen;
  std::vector<size_t> capacities;  // Of the bodies as the handler got them (a copy drops the spare room).
  core::HttpResponse answer;
  std::unique_ptr<OtlpGrpcServer> server;

  explicit Fixture(size_t max_message_bytes = 1 << 20) {
    OtlpGrpcServerOptions o;
    o.port = 0;
    o.max_message_bytes = max_message_bytes;
    o.shutdown_grace = absl::Seconds(1);
    auto s = OtlpGrpcServer::Start(o, [this](core::HttpRequest* req) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(*req);
      capacities.push_back(req->body.capacity());
      return answer;
    });
    EXPECT_TRUE(s.ok()) << s.status();
    server = std::move(*s);
  }
};

TEST(OtlpGrpcServerTest, ExportBecomesAnOtlpHttpProtobufRequest) {
  Fixture f;
  f.answer.status = 200;
  f.answer.content_type = "application/x-protobuf";
  f.answer.body = std::string("\x0a\x02\x08\x01", 4);  // A partial_success, passed through as is.
  const std::string body("\x0a\x00payload", 9);
  Call c = Send(f.server->port(), kLogs, body, {{"authorization", "Bearer t0ken"}, {"x-tenant", "a"}});
  ASSERT_TRUE(c.status.ok()) << c.status.error_message();
  EXPECT_EQ(c.response, f.answer.body);
  ASSERT_EQ(f.seen.size(), 1u);
  const core::HttpRequest& req = f.seen[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/v1/logs");
  EXPECT_EQ(req.body, body);
  EXPECT_GE(f.capacities[0], body.size() + 64);  // Room for simdjson's padding.
  EXPECT_EQ(req.Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(req.Header("Authorization"), "Bearer t0ken");
  EXPECT_EQ(req.Header("x-tenant"), "a");
  EXPECT_THAT(req.remote, HasSubstr("127.0.0.1:"));
  // Traces and metrics go to their paths; gzip is undone by gRPC before the handler sees it.
  ASSERT_TRUE(Send(f.server->port(), "/opentelemetry.proto.collector.trace.v1.TraceService/Export", body, {}, true).status.ok());
  ASSERT_TRUE(Send(f.server->port(), "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", body).status.ok());
  ASSERT_EQ(f.seen.size(), 3u);
  EXPECT_EQ(f.seen[1].path, "/v1/traces");
  EXPECT_EQ(f.seen[1].body, body);
  EXPECT_EQ(f.seen[2].path, "/v1/metrics");
  const OtlpGrpcServerStats& st = f.server->stats();
  EXPECT_EQ(st.calls[OtlpGrpcServerStats::kLogs][0].load(), 1u);  // OK
  EXPECT_EQ(st.calls[OtlpGrpcServerStats::kTraces][0].load(), 1u);
  EXPECT_EQ(st.calls[OtlpGrpcServerStats::kMetrics][0].load(), 1u);
}

TEST(OtlpGrpcServerTest, HttpRefusalsBecomeOtlpGrpcStatusCodes) {
  Fixture f;
  struct Case {
    int http;
    grpc::StatusCode want;
  } cases[] = {{400, grpc::StatusCode::INVALID_ARGUMENT}, {415, grpc::StatusCode::INVALID_ARGUMENT},
               {401, grpc::StatusCode::UNAUTHENTICATED},  {403, grpc::StatusCode::PERMISSION_DENIED},
               {413, grpc::StatusCode::RESOURCE_EXHAUSTED}, {500, grpc::StatusCode::INTERNAL}};
  for (const Case& k : cases) {
    f.answer = core::RpcStatusResponse(k.http, "why " + std::to_string(k.http));
    Call c = Send(f.server->port(), kLogs, "x");
    EXPECT_EQ(c.status.error_code(), k.want) << k.http;
    EXPECT_EQ(c.status.error_message(), "why " + std::to_string(k.http));
    EXPECT_TRUE(c.error_details.empty()) << k.http;  // Not retryable: no RetryInfo.
  }
  // A JSON error body (the API token check answers before the intake) keeps its text.
  f.answer.status = 401;
  f.answer.content_type = "application/json";
  f.answer.body = R"({"error":"missing bearer token"})";
  EXPECT_THAT(Send(f.server->port(), kLogs, "x").status.error_message(), HasSubstr("missing bearer token"));
}

// Throttling, as the OTLP spec's gRPC section asks: UNAVAILABLE (retryable) with a RetryInfo whose
// retry_delay is the intake's Retry-After.
TEST(OtlpGrpcServerTest, BackpressureIsUnavailableWithRetryInfo) {
  Fixture f;
  for (int http : {429, 503}) {
    f.answer = core::RpcStatusResponse(http, "pipeline full");
    f.answer.headers.emplace_back("Retry-After", "7");
    Call c = Send(f.server->port(), kLogs, "x");
    EXPECT_EQ(c.status.error_code(), grpc::StatusCode::UNAVAILABLE) << http;
    EXPECT_EQ(c.status.error_message(), "pipeline full");
    // google.rpc.Status{code 14, message, details: [Any{RetryInfo{retry_delay{seconds: 7}}}]}.
    EXPECT_EQ(core::RpcStatusMessage(c.error_details), "pipeline full");
    EXPECT_THAT(c.error_details, HasSubstr("type.googleapis.com/google.rpc.RetryInfo"));
    EXPECT_THAT(c.error_details, HasSubstr(std::string("\x12\x04\x0a\x02\x08\x07", 6)));
  }
}

TEST(OtlpGrpcServerTest, OtherMethodsAreUnimplementedAndLargeMessagesRefused) {
  Fixture f(/*max_message_bytes=*/1024);
  f.answer.status = 200;
  Call c = Send(f.server->port(), "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export", "x");
  EXPECT_EQ(c.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  Call big = Send(f.server->port(), kLogs, std::string(4096, 'x'));
  EXPECT_EQ(big.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(f.seen.empty());  // Neither reached the handler.
  const OtlpGrpcServerStats& st = f.server->stats();
  EXPECT_EQ(st.calls[OtlpGrpcServerStats::kOther][grpc::StatusCode::UNIMPLEMENTED].load(), 1u);
  EXPECT_EQ(st.calls[OtlpGrpcServerStats::kLogs][OtlpGrpcServerStats::kUnread].load(), 1u);
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(GrpcCodeName(OtlpGrpcServerStats::kUnread), "UNREAD");
  EXPECT_EQ(OtlpGrpcServer::PathForMethod(kLogs), "/v1/logs");
  EXPECT_EQ(OtlpGrpcServer::PathForMethod("/x.Y/Export"), "");
}

std::string ReadData(const std::string& name) {
  std::ifstream in(::quell::testing::SourcePath("tests/data/tls/" + name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// server.tls applies to the gRPC listener too: TLS with the HTTP certificate, and with a client CA,
// mutual TLS (a client without a certificate is refused before any call reaches the handler).
TEST(OtlpGrpcServerTest, TlsAndMutualTls) {
  for (bool mutual : {false, true}) {
    OtlpGrpcServerOptions o;
    o.port = 0;
    o.shutdown_grace = absl::Seconds(1);
    TlsConfig tls;
    tls.cert_file = ::quell::testing::SourcePath("tests/data/tls/server.crt");
    tls.key_file = ::quell::testing::SourcePath("tests/data/tls/server.key");
    if (mutual) tls.client_ca_file = ::quell::testing::SourcePath("tests/data/tls/ca.crt");
    o.tls = tls;
    int calls = 0;
    auto server = OtlpGrpcServer::Start(o, [&](core::HttpRequest*) {
      ++calls;
      return core::HttpResponse();
    });
    ASSERT_TRUE(server.ok()) << server.status();
    auto call = [&](bool with_client_cert) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = ReadData("ca.crt");
      if (with_client_cert) {
        ssl.pem_private_key = ReadData("client.key");
        ssl.pem_cert_chain = ReadData("client.crt");
      }
      // An IP literal (no DNS lookup: c-ares leaks a few bytes under LeakSanitizer), verified as
      // the certificate's "localhost".
      grpc::ChannelArguments args;
      args.SetSslTargetNameOverride("localhost");
      auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string((*server)->port()),
                                               grpc::SslCredentials(ssl), args);
      return ::quell::testing::GrpcUnaryCall(channel, kLogs, "x").status;
    };
    EXPECT_TRUE(call(/*with_client_cert=*/true).ok()) << "mutual=" << mutual;
    grpc::Status anonymous = call(/*with_client_cert=*/false);
    EXPECT_EQ(anonymous.ok(), !mutual) << anonymous.error_message();
    EXPECT_EQ(calls, mutual ? 1 : 2);
  }
  OtlpGrpcServerOptions bad;
  bad.port = 0;
  bad.tls = TlsConfig{"/nonexistent/server.crt", "/nonexistent/server.key", "", 12, {}};
  EXPECT_THAT(OtlpGrpcServer::Start(bad, [](core::HttpRequest*) { return core::HttpResponse(); }).status(),
              quell::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OtlpGrpcServerTest, PortInUseIsUnavailable) {
  Fixture f;
  OtlpGrpcServerOptions o;
  o.port = f.server->port();
  auto second = OtlpGrpcServer::Start(o, [](core::HttpRequest*) { return core::HttpResponse(); });
  EXPECT_THAT(second.status(), quell::testing::StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace quell::server
