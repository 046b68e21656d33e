#include "server/metrics_endpoint.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/health_endpoints.h"

namespace quell::server {
namespace {

using ::testing::HasSubstr;

TEST(MetricsEndpointTest, RendersAndMergesFamilies) {
  MetricsEndpoint m;
  m.AddSource([](MetricFamilies* f) {
    f->Counter("quell_ingest_signals_total", "Signals ingested.");
    f->Add({{"format", "otlp_logs"}, {"source", "http"}}, 12);
  });
  m.AddSource([](MetricFamilies* f) {
    f->Counter("quell_ingest_signals_total", "Signals ingested.");
    f->Add({{"format", "alertmanager"}, {"source", "http"}}, 3);
    f->Histogram("quell_sink_delivery_seconds", "Delivery latency.");
    f->AddHistogram({{"receiver", "pd"}}, {0.1, 1}, {4, 5}, 6, 2.5);
  });
  std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE quell_ingest_signals_total counter"));
  EXPECT_THAT(text, HasSubstr("quell_ingest_signals_total{format=\"otlp_logs\",source=\"http\"} 12"));
  EXPECT_THAT(text, HasSubstr("quell_ingest_signals_total{format=\"alertmanager\",source=\"http\"} 3"));
  EXPECT_THAT(text, HasSubstr("quell_sink_delivery_seconds_bucket{receiver=\"pd\",le=\"+Inf\"} 6"));
  EXPECT_THAT(text, HasSubstr("quell_sink_delivery_seconds_count{receiver=\"pd\"} 6"));
  // One HELP/TYPE per family even when two sources report it.
  EXPECT_EQ(text.find("# TYPE quell_ingest_signals_total"), text.rfind("# TYPE quell_ingest_signals_total"));
  core::HttpResponse r = m.Handle(core::HttpRequest{});
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(ReadinessTest, ReadyOnlyWhenAllConditionsHold) {
  Readiness r;
  r.Require("config");
  r.Require("kafka_assigned");
  EXPECT_FALSE(r.Ready());
  EXPECT_EQ(r.HandleReadyz({}).status, 503);
  r.Set("config", true, "quell.yaml sha256 abc");
  EXPECT_EQ(r.HandleReadyz({}).status, 503);
  r.Set("kafka_assigned", true);
  EXPECT_TRUE(r.Ready());
  core::HttpResponse ok = r.HandleReadyz({});
  EXPECT_EQ(ok.status, 200);
  EXPECT_THAT(ok.body, HasSubstr(R"({"name":"config","ok":true,"detail":"quell.yaml sha256 abc"})"));
  EXPECT_EQ(Readiness::HandleHealthz({}).status, 200);
}

}  // namespace
}  // namespace quell::server
