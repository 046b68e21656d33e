// Debian's Prometheus (2.42) with an always-firing alerting rule, its Alertmanager pointed at
// quell-intake-harness: the alert must arrive at POST /api/v2/alerts with its labels and annotations.
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/compat/subprocess.h"

namespace quell::compat {
namespace {

using ::testing::HasSubstr;

TEST(PrometheusCompatTest, AlertsArriveAtApiV2Alerts) {
  std::string prometheus = FindExecutable("prometheus");
  if (prometheus.empty()) GTEST_SKIP() << "prometheus not installed: Prometheus compat test skipped";
  std::string tmp = MakeTempDir("quell-prometheus-");
  ASSERT_FALSE(tmp.empty());
  std::optional<Subprocess> harness;
  uint16_t port = StartHarness(&harness, QUELL_HARNESS, tmp);
  ASSERT_NE(port, 0) << ReadFile(tmp + "/harness.log");

  {
    std::ofstream rules(tmp + "/rules.yml");
    rules << "groups:\n"
             "  - name: quell-compat\n"
             "    interval: 1s\n"
             "    rules:\n"
             "      - alert: QuellCompatAlways\n"
             "        expr: vector(1)\n"
             "        labels: {severity: page, team: sre}\n"
             "        annotations: {summary: \"always firing\"}\n";
    std::ofstream cfg(tmp + "/prometheus.yml");
    cfg << "global:\n"
           "  evaluation_interval: 1s\n"
           "  scrape_interval: 1m\n"
           "rule_files: [" << tmp << "/rules.yml]\n"
           "alerting:\n"
           "  alertmanagers:\n"
           "    - api_version: v2\n"
           "      static_configs:\n"
           "        - targets: ['127.0.0.1:" << port << "']\n";
  }
  Subprocess prom({prometheus, "--config.file=" + tmp + "/prometheus.yml", "--storage.tsdb.path=" + tmp + "/data",
                   "--web.listen-address=127.0.0.1:0", "--rules.alert.resend-delay=1s"},
                  tmp + "/prometheus.log");
  ASSERT_TRUE(prom.started());
  const std::string got = tmp + "/received.jsonl";
  bool arrived = WaitFor([&] {
    return !LinesWith(got, {"\"alertname\":\"QuellCompatAlways\""}).empty() || !prom.running();
  }, std::chrono::seconds(90));
  auto lines = LinesWith(got, {"\"alertname\":\"QuellCompatAlways\""});
  ASSERT_TRUE(arrived && !lines.empty()) << "no alert from Prometheus\n--- prometheus.log\n"
                                         << ReadFile(tmp + "/prometheus.log") << "\n--- harness.log\n"
                                         << ReadFile(tmp + "/harness.log");
  const std::string& line = lines[0];
  EXPECT_THAT(line, HasSubstr("\"format\":\"alertmanager\""));
  EXPECT_THAT(line, HasSubstr("\"labels\":{\"alertname\":\"QuellCompatAlways\",\"severity\":\"page\",\"team\":\"sre\"}"));
  EXPECT_THAT(line, HasSubstr("\"summary\":\"always firing\""));
  EXPECT_THAT(line, HasSubstr("\"state\":\"firing\""));
  EXPECT_THAT(LinesWith(got, {"\"dead_letter\""}), ::testing::SizeIs(0));
}

}  // namespace
}  // namespace quell::compat
