// The real OpenTelemetry JS OTLP exporters (logs, traces, metrics; SDK 2.x line, exporters 0.223):
// OTLP/HTTP JSON (*-otlp-http), OTLP/HTTP binary protobuf (*-otlp-proto, the SDKs' default
// protocol) and OTLP/gRPC (*-otlp-grpc, the Collector's default), against quell-intake-harness:
// Quell must answer them as success and receive exactly what they sent, the same every way. Runs
// `npm ci` into tests/compat/otel-js when node_modules (or the gRPC exporters in it) is missing.
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/compat/subprocess.h"

namespace quell::compat {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const std::string kDir = std::string(QUELL_SOURCE_DIR) + "/tests/compat/otel-js";

class OtelJsCompatTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OtelJsCompatTest, ExportersDeliverLogsTracesAndMetrics) {
  std::string node = FindExecutable("node");
  std::string npm = FindExecutable("npm");
  if (node.empty() || npm.empty()) GTEST_SKIP() << "node/npm not installed: OTel JS compat test skipped";
  std::string tmp = MakeTempDir("quell-otel-js-");
  ASSERT_FALSE(tmp.empty());
  ASSERT_EQ(NpmCiIfMissing(npm, kDir, "@opentelemetry/exporter-logs-otlp-grpc", tmp + "/npm.log"), "");

  const bool grpc = std::string(GetParam()) == "grpc";
  std::optional<Subprocess> harness;
  uint16_t port = StartHarness(&harness, QUELL_HARNESS, tmp,
                               grpc ? std::vector<std::string>{"--grpc-port-file", tmp + "/grpc-port"}
                                    : std::vector<std::string>{});
  ASSERT_NE(port, 0) << ReadFile(tmp + "/harness.log");
  if (grpc) port = static_cast<uint16_t>(std::atoi(ReadFile(tmp + "/grpc-port").c_str()));
  ASSERT_NE(port, 0) << ReadFile(tmp + "/harness.log");

  Subprocess sender({node, kDir + "/send.js"}, tmp + "/node.log", kDir,
                    {{"QUELL_URL", "http://127.0.0.1:" + std::to_string(port)}, {"QUELL_OTLP_PROTOCOL", GetParam()}});
  ASSERT_TRUE(sender.Wait(std::chrono::seconds(60))) << "node send.js timed out";
  ASSERT_EQ(sender.exit_code(), 0) << ReadFile(tmp + "/node.log");

  const std::string got = tmp + "/received.jsonl";
  // Exporters returned success only after Quell answered, and the sink writes before answering.
  EXPECT_THAT(LinesWith(got, {"\"dead_letter\""}), SizeIs(0)) << ReadFile(got);

  auto logs = LinesWith(got, {"\"format\":\"otlp_logs\""});
  ASSERT_THAT(logs, SizeIs(2)) << ReadFile(got);
  auto failed = LinesWith(got, {"\"format\":\"otlp_logs\"", "\"message\":\"payment failed\""});
  ASSERT_THAT(failed, SizeIs(1));
  EXPECT_THAT(failed[0], HasSubstr("\"severity\":\"error\""));
  EXPECT_THAT(failed[0], HasSubstr("\"service\":\"checkout\""));
  EXPECT_THAT(failed[0], HasSubstr("\"env\":\"prod\""));
  EXPECT_THAT(failed[0], HasSubstr("\"version\":\"1.4.2\""));
  EXPECT_THAT(failed[0], HasSubstr("\"host\":\"web-1\""));
  EXPECT_THAT(failed[0], HasSubstr("timeout"));  // error.type attribute
  EXPECT_THAT(LinesWith(got, {"\"format\":\"otlp_logs\"", "\"message\":\"payment ok\"", "\"severity\":\"info\""}),
              SizeIs(1));

  auto spans = LinesWith(got, {"\"format\":\"otlp_traces\""});
  ASSERT_THAT(spans, SizeIs(2)) << ReadFile(got);
  auto bad = LinesWith(got, {"\"format\":\"otlp_traces\"", "\"title\":\"POST /pay\""});
  ASSERT_THAT(bad, SizeIs(1));
  EXPECT_THAT(bad[0], HasSubstr("\"span_status\":2"));
  EXPECT_THAT(bad[0], HasSubstr("\"service\":\"checkout\""));
  EXPECT_THAT(LinesWith(got, {"\"format\":\"otlp_traces\"", "\"title\":\"GET /checkout\"", "\"span_status\":0"}),
              SizeIs(1));

  auto counter = LinesWith(got, {"\"format\":\"otlp_metrics\"", "\"title\":\"http.server.errors\""});
  ASSERT_THAT(counter, SizeIs(1)) << ReadFile(got);
  EXPECT_THAT(counter[0], HasSubstr("\"metric_type\":\"sum\""));
  EXPECT_THAT(counter[0], HasSubstr("\"value\":3"));
  auto hist = LinesWith(got, {"\"format\":\"otlp_metrics\"", "\"title\":\"http.server.duration\""});
  ASSERT_THAT(hist, SizeIs(1)) << ReadFile(got);
  EXPECT_THAT(hist[0], HasSubstr("\"metric_type\":\"histogram\""));
  EXPECT_THAT(hist[0], HasSubstr("\"count\":1"));
}

INSTANTIATE_TEST_SUITE_P(Protocols, OtelJsCompatTest, ::testing::Values("http/json", "http/protobuf", "grpc"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           const std::string p = info.param;
                           return p == "http/json" ? "Json" : p == "http/protobuf" ? "Protobuf" : "Grpc";
                         });

}  // namespace
}  // namespace quell::compat
