// HttpServer + HttpIntake with the real parsers over loopback sockets: what a client sends arrives
// in the BatchSink parsed, and every refusal is answered the way the emulated service would.
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/http_intake.h"
#include "server/content_encoding.h"
#include "server/http_server.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"

namespace quell {
namespace {

using ::quell::testing::HttpClient;
using ::quell::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Received {
  std::string kind, format, title, service, env, labels, message;
};

class RecordingSink : public core::BatchSink {
 public:
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (full_) return absl::ResourceExhaustedError("queue full");
    for (const core::Signal& s : batch->signals()) {
      Received r{std::string(core::SignalKindName(s.kind)), std::string(core::FormatName(s.format)),
                 std::string(s.title), std::string(s.service), std::string(s.env), "", std::string(s.message)};
      for (const core::Label& l : batch->labels(s)) r.labels += fmt::format("{}={},", l.name, l.value);
      received_.push_back(std::move(r));
    }
    batch->Clear();
    done();
    return absl::OkStatus();
  }
  void set_full(bool full) {
    std::lock_guard<std::mutex> lock(mu_);
    full_ = full;
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_.size();
  }

 private:
  std::mutex mu_;
  bool full_ = false;
  std::vector<Received> received_;
};

constexpr char kKey[] = "abcdef0123456789abcdef0123456789";

class HttpIntakeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("QUELL_IT_DD_API_KEY", kKey, 1);
    auto node = core::YamlNode::LoadString(
        "require_api_key: true\ndatadog_api_keys: [{env: QUELL_IT_DD_API_KEY}]\nretry_after: 2s\n", "quell.yaml");
    ASSERT_THAT(node, IsOk());
    auto cfg = ingest::ParseIntakeConfig(*node);
    ASSERT_THAT(cfg, IsOk());
    ingest::HttpIntakeDeps deps;
    deps.sink = &sink_;
    deps.clock = core::SystemClock::Get();
    deps.dead_letter = [this](core::Format, std::span<const core::Rejection> rs, std::string_view) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const core::Rejection& r : rs) dead_letters_.push_back(r.ToString());
    };
    auto intake = ingest::HttpIntake::Create(*cfg, deps);
    ASSERT_THAT(intake, IsOk());
    intake_ = std::move(*intake);
    for (auto& r : intake_->Routes()) {
      ASSERT_THAT(router_.Route(r.method, r.path, r.handler, {}, r.on_refusal), IsOk());
    }
    server::ServerConfig scfg;
    scfg.port = 0;
    server_ = std::make_unique<server::HttpServer>(scfg, &router_);
    ASSERT_THAT(server_->Start(), IsOk());
  }

  std::vector<std::string> DeadLetters() {
    std::lock_guard<std::mutex> lock(mu_);
    return dead_letters_;
  }

  RecordingSink sink_;
  std::mutex mu_;
  std::vector<std::string> dead_letters_;
  std::unique_ptr<ingest::HttpIntake> intake_;
  server::Router router_;
  std::unique_ptr<server::HttpServer> server_;
};

std::string Alert(int i) {
  return fmt::format(R"([{{"labels":{{"alertname":"HighLatency","service":"api","i":"{}"}},)"
                     R"("annotations":{{"summary":"p99 high"}},"startsAt":"2026-01-01T00:00:00Z"}}])",
                     i);
}

TEST_F(HttpIntakeIntegrationTest, AlertmanagerKeepAliveAndPipelining) {
  HttpClient c(server_->port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post("/api/v2/alerts", Alert(i));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "");
  }
  std::string wire;
  for (int i = 3; i < 8; ++i) wire += HttpClient::Format("POST", "/api/v2/alerts", Alert(i));
  ASSERT_THAT(c.SendRaw(wire), IsOk());
  for (int i = 3; i < 8; ++i) {
    auto r = c.ReadResponse();
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(server_->stats().connections_accepted.load(), 1u);
  auto got = sink_.received();
  ASSERT_EQ(got.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(got[i].kind, "alert");
    EXPECT_EQ(got[i].format, "alertmanager");
    EXPECT_EQ(got[i].labels, fmt::format("alertname=HighLatency,i={},service=api,", i));
  }
}

TEST_F(HttpIntakeIntegrationTest, AlertmanagerBadAlertIs400WithErrorString) {
  HttpClient c(server_->port());
  auto r = c.Post("/api/v2/alerts", R"([{"labels":{"alertname":"Good"}},{"annotations":{"x":"y"}}])");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.front(), '"');
  EXPECT_THAT(r->body, HasSubstr("invalid alert"));
  ASSERT_EQ(sink_.size(), 1u);
  EXPECT_EQ(DeadLetters().size(), 1u);
  auto nojson = c.Post("/api/v2/alerts", "this is not json");
  ASSERT_THAT(nojson, IsOk());
  EXPECT_EQ(nojson->status, 400);
}

TEST_F(HttpIntakeIntegrationTest, OtlpChunkedBodyAndPartialSuccess) {
  HttpClient c(server_->port());
  const std::string body =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},)"
      R"("scopeLogs":[{"logRecords":[{"timeUnixNano":"1767225600000000000","severityNumber":17,)"
      R"("body":{"stringValue":"payment failed"}},{"timeUnixNano":"99999999999999999999"},)"
      R"({"body":{"stringValue":"ok2"}}]}]}]})";
  // Chunked, no Content-Length, as the OTel JS exporters send.
  std::string wire = "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < body.size(); i += 50) {
    std::string piece = body.substr(i, 50);
    wire += fmt::format("{:x}\r\n{}\r\n", piece.size(), piece);
  }
  wire += "0\r\n\r\n";
  ASSERT_THAT(c.SendRaw(wire), IsOk());
  auto r = c.ReadResponse();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->body, HasSubstr(R"({"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"out_of_range)"));
  auto got = sink_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, "log");
  EXPECT_EQ(got[0].service, "checkout");
  EXPECT_EQ(got[0].message, "payment failed");
  EXPECT_EQ(got[1].message, "ok2");

  auto grpc = c.Post("/v1/traces", std::string("\x0a\x00", 2), {{"Content-Type", "application/grpc"}});
  ASSERT_THAT(grpc, IsOk());
  EXPECT_EQ(grpc->status, 415);
  EXPECT_THAT(grpc->body, HasSubstr("gRPC is not served here"));
}

// Protobuf wire format for the test bodies: a length-delimited field and a varint field.
std::string Ld(int field, std::string_view bytes) {
  std::string out(1, static_cast<char>((field << 3) | 2));
  for (size_t n = bytes.size(); ; n >>= 7) {
    if (n < 0x80) {
      out.push_back(static_cast<char>(n));
      break;
    }
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  return out + std::string(bytes);
}
std::string Vi(int field, uint8_t v) { return std::string{static_cast<char>(field << 3), static_cast<char>(v)}; }

// ExportLogsServiceRequest {resource_logs {resource {service.name}, scope_logs {log_records...}}}.
std::string ProtobufLogs(const std::vector<std::string>& records) {
  std::string scope_logs;
  for (const std::string& r : records) scope_logs += Ld(2, r);
  const std::string kv = Ld(1, "service.name") + Ld(2, Ld(1, "checkout"));
  return Ld(1, Ld(1, Ld(1, kv)) + Ld(2, scope_logs));
}

TEST_F(HttpIntakeIntegrationTest, OtlpProtobufBodiesAreReadAndAnsweredInProtobuf) {
  HttpClient c(server_->port());
  const std::vector<std::pair<std::string, std::string>> pb = {{"Content-Type", "application/x-protobuf"}};
  const std::string failed = Vi(2, 17) + Ld(5, Ld(1, "payment failed"));
  const std::string ok = Vi(2, 9) + Ld(5, Ld(1, "payment ok"));

  // All accepted: 200 with an empty ExportLogsServiceResponse; gzip as the Collector sends it.
  auto r = c.Post("/v1/logs", server::EncodeBody(server::ContentEncoding::kGzip, ProtobufLogs({failed, ok})),
                  {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(r->body, "");
  auto got = sink_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].format, "otlp_logs");
  EXPECT_EQ(got[0].service, "checkout");
  EXPECT_EQ(got[0].message, "payment failed");
  EXPECT_EQ(got[1].message, "payment ok");

  // One record rejected (a traceId of 2 bytes): partial_success {rejected_log_records: 1, message}.
  auto partial = c.Post("/v1/logs", ProtobufLogs({ok, Ld(9, "\x01\x02"), ok}), pb);
  ASSERT_THAT(partial, IsOk());
  EXPECT_EQ(partial->status, 200);
  EXPECT_EQ(partial->Header("Content-Type"), "application/x-protobuf");
  ASSERT_GE(partial->body.size(), 4u);
  EXPECT_EQ(partial->body.substr(0, 1), "\x0a");                 // partial_success
  EXPECT_EQ(partial->body.substr(2, 2), std::string("\x08\x01"));  // rejected_log_records = 1
  EXPECT_THAT(partial->body, HasSubstr("invalid_value"));
  // Its offsets are into the JSON the body was read as (and its dead letter keeps), and it says so.
  EXPECT_THAT(partial->body, HasSubstr("byte offsets are into the OTLP/JSON transcoding of the protobuf body: "
                                       "invalid_value at byte "));
  EXPECT_EQ(sink_.size(), 4u);

  // A broken wire format: 400 with a protobuf google.rpc.Status {code 3, message}, dead-lettered.
  auto bad = c.Post("/v1/logs", std::string("\x0a\x05\x01", 3), pb);
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(bad->body.substr(0, 2), std::string("\x08\x03"));
  EXPECT_THAT(bad->body, HasSubstr("malformed_protobuf at byte 0"));
  EXPECT_THAT(DeadLetters(), ::testing::Contains(HasSubstr("malformed_protobuf at byte 0")));
  EXPECT_EQ(sink_.size(), 4u);
}

// The events API echoes the request's tags whether they came as an array or as one
// comma-separated string; a body without an event is a 400 that says so, dead-lettered.
TEST_F(HttpIntakeIntegrationTest, DatadogEventsEchoStringTagsAndRefuseAnEmptyList) {
  HttpClient c(server_->port());
  auto r = c.Post("/api/v1/events", R"({"title":"Err","text":"x","tags":"a:b, c:d,,e"})", {{"DD-API-KEY", kKey}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 202);
  EXPECT_THAT(r->body, HasSubstr(R"("tags":["a:b","c:d","e"])"));
  auto empty = c.Post("/api/v1/events", "[ ]", {{"DD-API-KEY", kKey}});
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->status, 400);
  EXPECT_THAT(empty->body, HasSubstr("missing_field at byte 0 (record 0, field event)"));
  EXPECT_THAT(DeadLetters(), ElementsAre(HasSubstr("missing_field")));
  EXPECT_EQ(intake_->stats(ingest::IntakeEndpoint::kDatadogEvents).bodies_rejected.load(), 1u);
}

TEST_F(HttpIntakeIntegrationTest, DatadogLogsGzipDdtagsAndKeys) {
  HttpClient c(server_->port());
  const std::string logs =
      R"([{"message":"disk full","ddsource":"nginx","service":"web","hostname":"h1","status":"error"},)"
      R"({"message":"second","service":"web"}])";
  auto r = c.Post("/api/v2/logs?ddtags=env:prod,team:core", server::EncodeBody(server::ContentEncoding::kGzip, logs),
                  {{"Content-Encoding", "gzip"}, {"DD-API-KEY", kKey}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->body, "{}");
  auto got = sink_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].message, "disk full");
  EXPECT_EQ(got[0].env, "prod");
  EXPECT_THAT(got[0].labels, HasSubstr("team=core"));
  EXPECT_THAT(got[1].labels, HasSubstr("env=prod"));

  auto forbidden = c.Post("/api/v2/logs", logs, {{"DD-API-KEY", "wrong"}});
  ASSERT_THAT(forbidden, IsOk());
  EXPECT_EQ(forbidden->status, 403);
  auto missing = c.Post("/api/v1/events", R"({"title":"t","text":"x"})");
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 403);
  EXPECT_EQ(sink_.size(), 2u);

  auto event = c.Post("/api/v1/events?api_key=" + std::string(kKey),
                      R"({"title":"Deployed checkout 1.4.2","text":"by jenkins","tags":["service:checkout","version:1.4.2"],"source_type_name":"jenkins"})");
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->status, 202);
  EXPECT_THAT(event->body, HasSubstr(R"("status":"ok","event":{"id":)"));
  EXPECT_THAT(event->body, HasSubstr(R"("title":"Deployed checkout 1.4.2")"));
}

TEST_F(HttpIntakeIntegrationTest, DatadogLogsOver5MBIs413) {
  HttpClient c(server_->port());
  std::string big = "[";
  while (big.size() < 5 * 1024 * 1024 + 10) big += R"({"message":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},)";
  big.back() = ']';
  auto r = c.Post("/api/v2/logs", big, {{"DD-API-KEY", kKey}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(sink_.size(), 0u);
  // The connection stays usable after an intake-level 413.
  auto ok = c.Post("/api/v2/logs", R"([{"message":"small"}])", {{"DD-API-KEY", kKey}});
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->status, 202);
}

// QA: what the server refuses before the intake sees the body (a corrupt gzip body, an unknown
// Content-Encoding, a body over the server's limit, a broken chunk) was not counted per endpoint,
// and /api/v2/logs answered it {"error":"..."} where its other errors are Datadog's JSON:API error
// objects. Each is now counted under its endpoint and answered in the endpoint's error shape.
TEST_F(HttpIntakeIntegrationTest, ServerRefusalsAreCountedPerEndpointInTheEndpointsErrorShape) {
  const auto& logs = intake_->stats(ingest::IntakeEndpoint::kDatadogLogs);
  {
    HttpClient c(server_->port());
    auto bad = c.Post("/api/v2/logs", "not gzip at all", {{"Content-Encoding", "gzip"}, {"DD-API-KEY", kKey}});
    ASSERT_THAT(bad, IsOk());
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(bad->Header("Content-Type"), "application/json");
    EXPECT_THAT(bad->body, ::testing::StartsWith(
                               R"({"errors":[{"status":"400","title":"Bad Request","detail":"content-encoding: )"));
    auto br = c.Post("/api/v2/logs", "x", {{"Content-Encoding", "br"}, {"DD-API-KEY", kKey}});
    ASSERT_THAT(br, IsOk());
    EXPECT_EQ(br->status, 415);
    EXPECT_THAT(br->body, ::testing::StartsWith(R"({"errors":[{"status":"415","title":"Unsupported Media Type",)"));
    // The connection stays usable after both.
    auto ok = c.Post("/api/v2/logs", R"([{"message":"small"}])", {{"DD-API-KEY", kKey}});
    ASSERT_THAT(ok, IsOk());
    EXPECT_EQ(ok->status, 202);
  }
  {
    HttpClient c(server_->port());
    ASSERT_THAT(c.SendRaw(fmt::format("POST /api/v2/logs HTTP/1.1\r\nHost: x\r\nDD-API-KEY: {}\r\n"
                                      "Content-Length: 99999999\r\n\r\n",
                                      kKey)),
                IsOk());
    auto big = c.ReadResponse();
    ASSERT_THAT(big, IsOk());
    EXPECT_EQ(big->status, 413);
    EXPECT_THAT(big->body, ::testing::StartsWith(R"({"errors":[{"status":"413","title":"Payload Too Large",)"));
  }
  EXPECT_EQ(logs.requests.load(), 4u);
  EXPECT_EQ(logs.accepted_requests.load(), 1u);
  EXPECT_EQ(logs.bad_encoding.load(), 1u);
  EXPECT_EQ(logs.unsupported_encoding.load(), 1u);
  EXPECT_EQ(logs.too_large.load(), 1u);
  EXPECT_EQ(logs.bodies_rejected.load(), 0u);

  // The other families keep their shapes: a protobuf OTLP request a protobuf google.rpc.Status,
  // Alertmanager a JSON string.
  HttpClient c(server_->port());
  auto pb = c.Post("/v1/logs", "not gzip", {{"Content-Encoding", "gzip"}, {"Content-Type", "application/x-protobuf"}});
  ASSERT_THAT(pb, IsOk());
  EXPECT_EQ(pb->status, 400);
  EXPECT_EQ(pb->Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(pb->body.substr(0, 2), std::string("\x08\x03"));
  EXPECT_EQ(intake_->stats(ingest::IntakeEndpoint::kOtlpLogs).bad_encoding.load(), 1u);
  ASSERT_THAT(c.SendRaw("POST /api/v2/alerts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
              IsOk());
  auto chunk = c.ReadResponse();
  ASSERT_THAT(chunk, IsOk());
  EXPECT_EQ(chunk->status, 400);
  EXPECT_EQ(chunk->body.front(), '"');
  EXPECT_EQ(intake_->stats(ingest::IntakeEndpoint::kAlertmanager).malformed_http.load(), 1u);
  EXPECT_EQ(sink_.size(), 1u);
  EXPECT_TRUE(DeadLetters().empty());
}

TEST_F(HttpIntakeIntegrationTest, BackpressureIs429ForAlertsAnd503ForOtlpWithRetryAfter) {
  sink_.set_full(true);
  HttpClient c(server_->port());
  auto am = c.Post("/api/v2/alerts", Alert(1));
  ASSERT_THAT(am, IsOk());
  EXPECT_EQ(am->status, 429);
  EXPECT_EQ(am->Header("Retry-After"), "2");
  auto otlp = c.Post("/v1/traces",
                     R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",)"
                     R"("spanId":"eee19b7ec3c1b174","name":"GET /","startTimeUnixNano":"1767225600000000000",)"
                     R"("endTimeUnixNano":"1767225600100000000"}]}]}]})");
  ASSERT_THAT(otlp, IsOk());
  EXPECT_EQ(otlp->status, 503);
  EXPECT_EQ(otlp->Header("Retry-After"), "2");
  EXPECT_EQ(intake_->stats(ingest::IntakeEndpoint::kAlertmanager).backpressure.load(), 1u);
  EXPECT_EQ(intake_->stats(ingest::IntakeEndpoint::kOtlpTraces).signals_refused.load(), 1u);
  sink_.set_full(false);
  auto again = c.Post("/api/v2/alerts", Alert(1));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(sink_.size(), 1u);
}

}  // namespace
}  // namespace quell
