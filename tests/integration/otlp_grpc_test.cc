// OTLP over gRPC through the real runtime (server.otlp_grpc_listen): the generic gRPC client
// sends the protobuf bytes an OTLP exporter sends, and the answers match OTLP/HTTP protobuf's for
// the same body, byte for byte: one implementation behind both transports (ADR 0014).
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>

#include "app/quell_config.h"
#include "app/runtime.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/otlp_protobuf.h"
#include "server/api_tokens.h"
#include "tests/testing/grpc_unary_call.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;
using ::quell::testing::HttpClient;
using ::testing::HasSubstr;

constexpr char kLogsMethod[] = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

// Three log records; the third has a traceId of 2 bytes, not 16, and is rejected (partial success).
constexpr char kLogsJson[] = R"({"resourceLogs":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"checkout"}}]},"scopeLogs":[{"logRecords":[
  {"timeUnixNano":"1767225600000000000","severityNumber":17,"body":{"stringValue":"payment failed"}},
  {"timeUnixNano":"1767225601000000000","severityNumber":9,"body":{"stringValue":"retrying"}},
  {"timeUnixNano":"1767225602000000000","traceId":"0102","body":{"stringValue":"bad"}}]}]}]})";

using Call = ::quell::testing::GrpcCallResult;

Call Export(uint16_t port, const std::string& body, const std::string& token, bool gzip = false) {
  std::vector<std::pair<std::string, std::string>> metadata;
  if (!token.empty()) metadata.emplace_back("authorization", "Bearer " + token);
  return ::quell::testing::GrpcUnaryCall(port, kLogsMethod, body, metadata, gzip);
}

class OtlpGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("quell_grpc_{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "tokens.yaml") << "tokens:\n  - {name: collector, sha256: " << server::Sha256Hex("ingest-token")
                                        << ", scopes: [ingest]}\n";
    const std::string text = fmt::format(R"(server:
  listen: "127.0.0.1:0"
  otlp_grpc_listen: "127.0.0.1:0"
  max_body_bytes: 65536
ingest:
  dead_letter:
    path: {0}/dead.jsonl
route:
  receiver: pages
  runbook: default.md
runbooks:
  dir: {1}/runbooks
receivers:
  - name: pages
    file_configs:
      - path: {0}/pages.jsonl
outbox:
  dir: {0}/outbox
auth:
  tokens_file: {0}/tokens.yaml
)",
                                         dir_.string(), QUELL_SOURCE_DIR);
    auto cfg = LoadConfigString(text, (dir_ / "quell.yaml").string(), dir_.string());
    ASSERT_TRUE(cfg.ok()) << cfg.status();
    RuntimeOptions opts;
    opts.start_kafka = false;
    opts.replay_sample = false;
    rt_ = std::make_unique<Runtime>(std::move(*cfg), opts);
    ASSERT_OK(rt_->Start());
    ASSERT_NE(rt_->otlp_grpc_port(), 0);
  }
  void TearDown() override {
    if (rt_) rt_->Stop();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<Runtime> rt_;
};

TEST_F(OtlpGrpcTest, ExportAnswersAsOtlpHttpProtobufDoes) {
  ASSERT_OK_AND_ASSIGN(std::string body, ingest::OtlpJsonToProtobuf(ingest::OtlpRequestKind::kLogs, kLogsJson));
  Call grpc_call = Export(rt_->otlp_grpc_port(), body, "ingest-token");
  ASSERT_TRUE(grpc_call.status.ok()) << grpc_call.status.error_message();
  HttpClient http(rt_->http_port());
  auto http_call = http.Post("/v1/logs", body,
                             {{"Content-Type", "application/x-protobuf"}, {"Authorization", "Bearer ingest-token"}});
  ASSERT_EQ(http_call->status, 200);
  // ExportLogsServiceResponse{partial_success{rejected_log_records: 1, error_message}}: the same bytes.
  EXPECT_EQ(grpc_call.response, http_call->body);
  ASSERT_GE(grpc_call.response.size(), 4u);
  EXPECT_EQ(grpc_call.response[0], '\x0a');                      // partial_success = 1, a message
  EXPECT_EQ(grpc_call.response.substr(2, 2), std::string("\x08\x01"));  // rejected_log_records = 1
  EXPECT_THAT(grpc_call.response, HasSubstr("invalid_value"));
  // A gzip-compressed call (the Collector's default) reads the same.
  Call compressed = Export(rt_->otlp_grpc_port(), body, "ingest-token", /*gzip=*/true);
  ASSERT_TRUE(compressed.status.ok()) << compressed.status.error_message();
  EXPECT_EQ(compressed.response, http_call->body);
  // Two good records per call, three calls; the two gRPC ones counted as such.
  const std::string metrics = http.Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr(R"(quell_ingest_signals_total{source="http",format="otlp_logs"} 6)"));
  EXPECT_THAT(metrics, HasSubstr(R"(quell_otlp_grpc_calls_total{method="logs",code="OK"} 2)"));
}

TEST_F(OtlpGrpcTest, RefusalsUseOtlpGrpcStatusCodes) {
  ASSERT_OK_AND_ASSIGN(std::string body, ingest::OtlpJsonToProtobuf(ingest::OtlpRequestKind::kLogs, kLogsJson));
  Call anonymous = Export(rt_->otlp_grpc_port(), body, "");
  EXPECT_EQ(anonymous.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << anonymous.status.error_message();
  Call wrong = Export(rt_->otlp_grpc_port(), body, "not-a-token");
  EXPECT_EQ(wrong.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong.status.error_message();
  Call broken = Export(rt_->otlp_grpc_port(), std::string("\x0a\x7f\x01", 3), "ingest-token");
  EXPECT_EQ(broken.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(broken.status.error_message(), HasSubstr("protobuf"));
  Call big = Export(rt_->otlp_grpc_port(), std::string(70000, '\0'), "ingest-token");
  EXPECT_EQ(big.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  HttpClient http(rt_->http_port());
  const std::string metrics = http.Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr(R"(quell_otlp_grpc_calls_total{method="logs",code="UNAUTHENTICATED"} 2)"));
  EXPECT_THAT(metrics, HasSubstr(R"(quell_otlp_grpc_calls_total{method="logs",code="INVALID_ARGUMENT"} 1)"));
}

}  // namespace
}  // namespace quell::app
