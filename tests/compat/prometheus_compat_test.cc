// Debian's Prometheus (2.42) with an always-firing alerting rule:
// - its Alertmanager pointed at quell-intake-harness: the alert must arrive at POST
//   /api/v2/alerts with its labels and annotations;
// - pointed at a running `quell run` only after the alert has fired for a while (Quell started
//   late, or restarted): Prometheus re-sends it every resend_delay with its original startsAt and
//   endsAt = send + 4 resend delays. Quell must page it, keep it firing while the re-sends go on,
//   and resolve it once they stop.
#include <signal.h>

#include <fstream>
#include <regex>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api_tokens.h"
#include "tests/compat/subprocess.h"
#include "tests/testing/http_client.h"

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

// `quell run`'s config for these tests under `tmp`: a file receiver at `pages`, group_wait 1s, no
// transient grace; `correlate` and `extra` (more top-level YAML) vary by test.
void WriteQuellConfig(const std::string& tmp, const std::string& pages, const std::string& correlate,
                      const std::string& extra = "") {
  std::ofstream q(tmp + "/quell.yaml");
  q << "server:\n  listen: \"127.0.0.1:0\"\n"
       "correlate: " << correlate << "\n"
       "transient: {grace: 0s}\n"
       "route:\n  receiver: pages\n  runbook: default.md\n  group_by: [alertname]\n"
       "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 4h\n"
       "receivers:\n  - name: pages\n    file_configs: [{path: " << pages << "}]\n"
       "runbooks: {dir: " << QUELL_SOURCE_DIR << "/runbooks}\n"
       "outbox: {dir: " << tmp << "/outbox}\n"
       "audit: {path: " << tmp << "/audit.jsonl}\n"
       "ingest:\n  dead_letter: {path: " << tmp << "/dead.jsonl}\n" << extra;
}

// The port `quell run` logged it listens on (0 if it did not within 30 s).
uint16_t WaitForQuellPort(const std::string& log) {
  uint16_t port = 0;
  WaitFor([&] {
    std::smatch m;
    std::string text = ReadFile(log);
    if (!std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"))) return false;
    port = static_cast<uint16_t>(std::stoi(m[1]));
    return true;
  }, std::chrono::seconds(30));
  return port;
}

void WritePrometheusConfig(const std::string& tmp, uint16_t alertmanager_port) {
  std::ofstream rules(tmp + "/rules.yml");
  rules << "groups:\n"
           "  - name: quell-compat\n"
           "    interval: 1s\n"
           "    rules:\n"
           "      - alert: QuellCompatLate\n"
           "        expr: vector(1)\n"
           "        labels: {severity: critical, service: checkout}\n"
           "        annotations: {summary: \"fired before Quell listened\"}\n";
  std::ofstream cfg(tmp + "/prometheus.yml");
  cfg << "global:\n  evaluation_interval: 1s\n  scrape_interval: 1m\n"
         "rule_files: [" << tmp << "/rules.yml]\n";
  if (alertmanager_port != 0) {
    cfg << "alerting:\n  alertmanagers:\n    - api_version: v2\n      static_configs:\n"
           "        - targets: ['127.0.0.1:" << alertmanager_port << "']\n";
  }
}

// Re-sends every 2 s, idle_timeout 3 s: before the fix, the re-sends (all at the alert's old
// startsAt) kept the shard's input fresh while its event time stood still, so the watermark never
// reached group_wait: no page at all; and once the watermark did move, the re-sends were late and
// dropped, so the alert expired 4 resend delays after its first send while Prometheus still fired
// it.
TEST(PrometheusCompatTest, AlertFiringBeforeQuellListensPagesAndStaysFiring) {
  std::string prometheus = FindExecutable("prometheus");
  if (prometheus.empty()) GTEST_SKIP() << "prometheus not installed: Prometheus compat test skipped";
  std::string tmp = MakeTempDir("quell-prometheus-late-");
  ASSERT_FALSE(tmp.empty());
  WritePrometheusConfig(tmp, 0);  // No Alertmanager yet: the alert fires with nobody to tell.
  Subprocess prom({prometheus, "--config.file=" + tmp + "/prometheus.yml", "--storage.tsdb.path=" + tmp + "/data",
                   "--web.listen-address=127.0.0.1:0", "--rules.alert.resend-delay=2s"},
                  tmp + "/prometheus.log");
  ASSERT_TRUE(prom.started());
  ASSERT_TRUE(WaitFor([&] { return ReadFile(tmp + "/prometheus.log").find("Starting rule manager") != std::string::npos; },
                      std::chrono::seconds(30)))
      << ReadFile(tmp + "/prometheus.log");

  const std::string pages = tmp + "/pages.jsonl";
  WriteQuellConfig(tmp, pages, "{allowed_lateness: 1s, idle_timeout: 3s}");
  // The rule manager runs: `vector(1)` with no `for` fires at its first evaluation, before Quell
  // listens and long before Prometheus is told where Quell is.
  Subprocess quell({std::string(QUELL_BINARY_DIR) + "/bin/quell", "run", "--config", tmp + "/quell.yaml"},
                   tmp + "/quell.log");
  ASSERT_TRUE(quell.started());
  const uint16_t port = WaitForQuellPort(tmp + "/quell.log");
  ASSERT_NE(port, 0) << ReadFile(tmp + "/quell.log");
  WritePrometheusConfig(tmp, port);
  ASSERT_EQ(::kill(prom.pid(), SIGHUP), 0);

  auto firing = [&] { return LinesWith(pages, {"QuellCompatLate", "\"status\":\"firing\""}); };
  auto resolved = [&] { return LinesWith(pages, {"QuellCompatLate", "\"status\":\"resolved\""}); };
  ASSERT_TRUE(WaitFor([&] { return !firing().empty(); }, std::chrono::seconds(60)))
      << "no page for an alert Prometheus fired before Quell listened\n--- quell.log\n"
      << ReadFile(tmp + "/quell.log") << "\n--- prometheus.log\n" << ReadFile(tmp + "/prometheus.log");
  // Its first send's endsAt was 8 s after it (resend delay 2 s, x4). Wait for 6 more re-sends (each
  // late: applied at the watermark, counted), 12 s on: they must have kept it firing.
  auto late_resends = [&] {
    quell::testing::HttpClient c(port);
    auto r = c.Get("/metrics");
    std::smatch m;
    if (!r.ok() || !std::regex_search(r->body, m, std::regex("quell_correlate_suppressed_total\\{reason=\"late\"\\} ([0-9]+)")))
      return 0;
    return std::stoi(m[1]);
  };
  const int late_at_page = late_resends();
  ASSERT_TRUE(WaitFor([&] { return late_resends() >= late_at_page + 6; }, std::chrono::seconds(60)))
      << "late re-sends: " << late_resends();
  EXPECT_THAT(resolved(), ::testing::SizeIs(0)) << ReadFile(pages);
  EXPECT_THAT(firing()[0], HasSubstr("fired before Quell listened"));
  // Prometheus stops: no more re-sends, so it expires at its last endsAt and resolves.
  ASSERT_EQ(::kill(prom.pid(), SIGTERM), 0);
  EXPECT_TRUE(WaitFor([&] { return !resolved().empty(); }, std::chrono::seconds(30))) << ReadFile(pages);
}

// A Quell that requires API tokens (auth.tokens_file): Prometheus's `authorization` block sends
// the ingest token as a Bearer credential, and the alert pages.
TEST(PrometheusCompatTest, AlertsReachAQuellThatRequiresAToken) {
  std::string prometheus = FindExecutable("prometheus");
  if (prometheus.empty()) GTEST_SKIP() << "prometheus not installed: Prometheus compat test skipped";
  std::string tmp = MakeTempDir("quell-prometheus-auth-");
  ASSERT_FALSE(tmp.empty());
  const std::string pages = tmp + "/pages.jsonl";
  {
    std::ofstream tokens(tmp + "/tokens.yaml");
    tokens << "tokens:\n  - {name: prometheus, sha256: " << server::Sha256Hex("prom-ingest-secret")
           << ", scopes: [ingest]}\n";
  }
  WriteQuellConfig(tmp, pages, "{allowed_lateness: 0s, idle_timeout: 1s}",
                   "auth: {tokens_file: " + tmp + "/tokens.yaml}\n");
  Subprocess quell({std::string(QUELL_BINARY_DIR) + "/bin/quell", "run", "--config", tmp + "/quell.yaml"},
                   tmp + "/quell.log");
  ASSERT_TRUE(quell.started());
  const uint16_t port = WaitForQuellPort(tmp + "/quell.log");
  ASSERT_NE(port, 0) << ReadFile(tmp + "/quell.log");
  {
    // Without the token the same POST is refused: the test below can only pass through auth.
    quell::testing::HttpClient c(port);
    auto r = c.Post("/api/v2/alerts", R"([{"labels":{"alertname":"NoToken"}}])");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401);
    std::ofstream rules(tmp + "/rules.yml");
    rules << "groups:\n  - name: quell-compat\n    interval: 1s\n    rules:\n"
             "      - alert: QuellCompatAuth\n        expr: vector(1)\n        labels: {severity: critical}\n";
    std::ofstream cfg(tmp + "/prometheus.yml");
    cfg << "global:\n  evaluation_interval: 1s\n  scrape_interval: 1m\n"
           "rule_files: [" << tmp << "/rules.yml]\n"
           "alerting:\n  alertmanagers:\n    - api_version: v2\n"
           "      authorization: {type: Bearer, credentials: prom-ingest-secret}\n"
           "      static_configs:\n        - targets: ['127.0.0.1:" << port << "']\n";
  }
  Subprocess prom({prometheus, "--config.file=" + tmp + "/prometheus.yml", "--storage.tsdb.path=" + tmp + "/data",
                   "--web.listen-address=127.0.0.1:0", "--rules.alert.resend-delay=1s"},
                  tmp + "/prometheus.log");
  ASSERT_TRUE(prom.started());
  EXPECT_TRUE(WaitFor([&] { return !LinesWith(pages, {"QuellCompatAuth", "\"status\":\"firing\""}).empty(); },
                      std::chrono::seconds(60)))
      << "no page through the token\n--- quell.log\n" << ReadFile(tmp + "/quell.log") << "\n--- prometheus.log\n"
      << ReadFile(tmp + "/prometheus.log");
}

}  // namespace
}  // namespace quell::compat
