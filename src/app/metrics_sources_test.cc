// The Kafka source's counters on /metrics: names, labels and values as docs/operations.md lists
// them, and a scrape that `promtool check metrics` accepts (when promtool is installed).
#include "app/metrics_sources.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "core/clock.h"
#include "ingest/http_intake.h"
#include "ingest/kafka/kafka_source.h"
#include "server/metrics_endpoint.h"

namespace quell::app {
namespace {

using ::testing::HasSubstr;

TEST(MetricsSourcesTest, KafkaSourceCountersAndLagPerPartition) {
  ingest::KafkaSourceStats stats;
  stats.messages = 1200;
  stats.pauses = 3;
  stats.commit_failures = 2;
  stats.revocation_commit_failures = 1;
  stats.consume_errors = 4;
  stats.offset_gaps = 0;
  ingest::KafkaPartitionStats p;
  p.topic = "alerts";
  p.partition = 5;
  p.lag = 42;
  stats.partitions.push_back(p);

  server::MetricsEndpoint endpoint;
  MetricsDeps deps;
  deps.kafka = [&stats]() -> std::optional<ingest::KafkaSourceStats> { return stats; };
  RegisterMetricsSources(&endpoint, deps);
  const std::string text = endpoint.Render();

  EXPECT_THAT(text, HasSubstr("quell_kafka_messages_total 1200"));
  EXPECT_THAT(text, HasSubstr("quell_kafka_partition_pauses_total 3"));
  EXPECT_THAT(text, HasSubstr("quell_kafka_commit_failures_total 2"));
  EXPECT_THAT(text, HasSubstr("quell_kafka_revocation_commit_failures_total 1"));
  EXPECT_THAT(text, HasSubstr("quell_kafka_consume_errors_total 4"));
  EXPECT_THAT(text, HasSubstr("quell_kafka_offset_gaps_total 0"));
  EXPECT_THAT(text, HasSubstr("quell_kafka_consumer_lag_messages{topic=\"alerts\",partition=\"5\"} 42"));

  if (::access("/usr/bin/promtool", X_OK) == 0) {
    const std::string path = fmt::format("{}/quell_metrics_{}.txt", ::testing::TempDir(), ::getpid());
    std::ofstream(path) << text;
    const int rc = std::system(fmt::format("promtool check metrics < {} > {}.out 2>&1", path, path).c_str());
    std::ifstream out(path + ".out");
    std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << report;
    std::remove(path.c_str());
    std::remove((path + ".out").c_str());
  }
}

class DiscardSink : public core::BatchSink {
 public:
  absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override {
    batch->Clear();
    done();
    return absl::OkStatus();
  }
};

// The HTTP server's refusals of a request to an intake endpoint (before the intake read the body)
// count under that endpoint: a 413 as too_large, the others under their own outcome.
TEST(MetricsSourcesTest, ServerRefusalsCountUnderTheirIntakeEndpoint) {
  DiscardSink sink;
  core::ManualClock clock{core::WallTime::FromUnixNanos(1'767'225'600'000'000'000)};
  ingest::HttpIntakeDeps deps;
  deps.sink = &sink;
  deps.clock = &clock;
  auto intake = ingest::HttpIntake::Create(ingest::IntakeConfig(), deps);
  ASSERT_TRUE(intake.ok()) << intake.status();
  core::HttpRequest req;
  req.method = "POST";
  using K = core::HttpRefusalKind;
  (void)(*intake)->Refused(ingest::IntakeEndpoint::kDatadogLogs, req, {400, K::kBadEncoding, "gzip"});
  (void)(*intake)->Refused(ingest::IntakeEndpoint::kDatadogLogs, req, {400, K::kBadEncoding, "gzip"});
  (void)(*intake)->Refused(ingest::IntakeEndpoint::kDatadogLogs, req, {413, K::kTooLarge, "big"});
  (void)(*intake)->Refused(ingest::IntakeEndpoint::kOtlpTraces, req, {415, K::kUnsupportedEncoding, "br"});
  (void)(*intake)->Refused(ingest::IntakeEndpoint::kAlertmanager, req, {400, K::kMalformed, "chunk"});
  (void)(*intake)->Refused(ingest::IntakeEndpoint::kOtlpMetrics, req, {408, K::kTimeout, "slow"});

  server::MetricsEndpoint endpoint;
  MetricsDeps mdeps;
  mdeps.intake = intake->get();
  RegisterMetricsSources(&endpoint, mdeps);
  const std::string text = endpoint.Render();
  const auto series = [](const char* endpoint, const char* outcome, int n) {
    return fmt::format(R"(quell_http_intake_requests_total{{endpoint="{}",outcome="{}"}} {})", endpoint, outcome, n);
  };
  EXPECT_THAT(text, HasSubstr(series("datadog_logs", "bad_encoding", 2)));
  EXPECT_THAT(text, HasSubstr(series("datadog_logs", "too_large", 1)));
  EXPECT_THAT(text, HasSubstr(series("otlp_traces", "unsupported_encoding", 1)));
  EXPECT_THAT(text, HasSubstr(series("alertmanager", "malformed_http", 1)));
  EXPECT_THAT(text, HasSubstr(series("otlp_metrics", "timeout", 1)));
  EXPECT_THAT(text, HasSubstr(series("datadog_events", "bad_encoding", 0)));
}

TEST(MetricsSourcesTest, NoKafkaSourceExportsNoKafkaFamilies) {
  server::MetricsEndpoint endpoint;
  MetricsDeps deps;
  deps.kafka = []() -> std::optional<ingest::KafkaSourceStats> { return std::nullopt; };
  RegisterMetricsSources(&endpoint, deps);
  EXPECT_THAT(endpoint.Render(), ::testing::Not(HasSubstr("quell_kafka_")));
}

}  // namespace
}  // namespace quell::app
