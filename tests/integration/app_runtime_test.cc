// The whole application on loopback: config with API tokens, intake -> engine -> file receiver,
// the Alertmanager-compatible API, /metrics (checked with promtool when installed), /readyz,
// config reload (success and failure), auth refusals and audit entries.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/commands.h"
#include "app/quell_config.h"
#include "app/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/ndjson_record_writer.h"
#include "server/api_tokens.h"
#include "tests/testing/http_client.h"
#include "tests/testing/status_matchers.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;
using ::quell::testing::HttpClient;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

std::string Config(const std::string& dir, const std::string& group_wait) {
  return fmt::format(R"(server:
  listen: "127.0.0.1:0"
ingest:
  dead_letter:
    path: {0}/dead.jsonl
route:
  receiver: pages
  runbook: default.md
  group_by: [alertname, service]
  group_wait: {1}
correlate:
  # Live mode on a quiet system: the wall clock moves the watermark after 1s idle, with no lateness
  # allowance, so the page goes out about a second after the alert.
  allowed_lateness: 0s
  idle_timeout: 1s
receivers:
  - name: pages
    file_configs:
      - path: {0}/pages.jsonl
outbox:
  dir: {0}/outbox
runbooks:
  dir: {2}/runbooks
auth:
  tokens_file: {0}/tokens.yaml
audit:
  path: {0}/audit.jsonl
)",
                     dir, group_wait, QUELL_SOURCE_DIR);
}

class AppRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("quell_app_{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write(dir_ / "tokens.yaml",
          "tokens:\n"
          "  - {name: prometheus, sha256: " + server::Sha256Hex("ingest-token") + ", scopes: [ingest]}\n"
          "  - {name: oncall, sha256: " + server::Sha256Hex("oncall-token") + ", scopes: [read, silence]}\n"
          "  - {name: root, sha256: " + server::Sha256Hex("admin-token") + ", scopes: [admin]}\n"
          "  - {name: deployer, sha256: " + server::Sha256Hex("deploy-token") + ", scopes: [gate, read]}\n");
    config_path_ = (dir_ / "quell.yaml").string();
    Write(config_path_, Config(dir_.string(), "0s"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string config_path_;
};

HttpClient::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// `text` (a Config()) with `settings` (indented lines) added to its correlate section.
std::string WithCorrelateSettings(std::string text, const std::string& settings) {
  const std::string anchor = "  idle_timeout: 1s\n";
  text.replace(text.find(anchor), anchor.size(), anchor + settings);
  return text;
}

constexpr core::WallTime kTestStart = core::WallTime::FromUnixNanos(1795662000000000000);  // 2026-11-26T03:00:00Z

// A run on `clock`, without Kafka and without the bundled sample.
RuntimeOptions OnClock(core::ManualClock* clock) {
  RuntimeOptions opts;
  opts.start_kafka = false;
  opts.replay_sample = false;
  opts.clock = clock;
  return opts;
}

TEST_F(AppRuntimeTest, EndToEndWithAuthMetricsReloadAndAudit) {
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
  RuntimeOptions opts;
  opts.replay_sample = false;
  Runtime rt(cfg, opts);
  ASSERT_OK(rt.Start());
  HttpClient c(rt.http_port());

  // Ready: config, outbox and http conditions hold.
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << ready->body;
  // Alertmanager's probe paths answer the same, without a token.
  EXPECT_EQ(c.Get("/-/ready")->status, 200);
  EXPECT_EQ(c.Get("/-/healthy")->status, 200);

  // Auth: no token 401, wrong scope 403, right scope 200.
  std::string alert = R"([{"labels":{"alertname":"HighErrorRate","service":"checkout","severity":"critical"},
                          "annotations":{"summary":"errors up"}}])";
  EXPECT_EQ(c.Post("/api/v2/alerts", alert)->status, 401);
  EXPECT_EQ(c.Post("/api/v2/alerts", alert, Bearer("oncall-token"))->status, 403);
  EXPECT_EQ(c.Post("/api/v2/alerts", alert, Bearer("ingest-token"))->status, 200);
  EXPECT_EQ(c.Get("/api/v1/incidents")->status, 401);
  // The web console's files are open; the APIs it calls are not (it sends the pasted token).
  EXPECT_EQ(c.Get("/")->status, 302);
  auto console = c.Get("/console");
  ASSERT_TRUE(console.ok());
  EXPECT_EQ(console->status, 200);
  EXPECT_THAT(console->body, HasSubstr("/console/app.js"));
  EXPECT_EQ(c.Get("/console/app.js")->status, 200);
  for (const char* api : {"/api/v1/incidents", "/api/v2/alerts", "/api/v2/silences", "/api/v1/gates",
                          "/api/v1/noise?window=24h"}) {
    EXPECT_EQ(c.Get(api)->status, 401) << api;
    EXPECT_EQ(c.Get(api, Bearer("oncall-token"))->status, 200) << api;
  }

  // The page reaches the file receiver (group_wait 0s; the engine's live ticker fires it).
  std::string pages_path = (dir_ / "pages.jsonl").string();
  EXPECT_TRUE(quell::testing::WaitUntil([&] { return ReadAll(pages_path).find("HighErrorRate") != std::string::npos; },
                                        std::chrono::seconds(20)))
      << "no page written to " << pages_path;
  auto incidents = c.Get("/api/v1/incidents", Bearer("oncall-token"));
  ASSERT_TRUE(incidents.ok());
  EXPECT_EQ(incidents->status, 200);
  EXPECT_THAT(incidents->body, HasSubstr("HighErrorRate"));

  // A silence through the Alertmanager API is audited with the token's name.
  std::string silence = R"({"matchers":[{"name":"service","value":"checkout","isRegex":false,"isEqual":true}],
      "startsAt":"2026-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"alice","comment":"deploy"})";
  EXPECT_EQ(c.Post("/api/v2/silences", silence, Bearer("ingest-token"))->status, 403);
  auto created = c.Post("/api/v2/silences", silence, Bearer("oncall-token"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status, 200) << created->body;
  auto audit = c.Get("/api/v1/audit", Bearer("oncall-token"));
  EXPECT_EQ(audit->status, 403);
  audit = c.Get("/api/v1/audit", Bearer("admin-token"));
  ASSERT_TRUE(audit.ok());
  EXPECT_THAT(audit->body, HasSubstr(R"("action":"silence.create","principal":"oncall")"));
  // Posting its id with other matchers expires it and creates another (Alertmanager's rule): the
  // entry names the silence it replaces.
  const std::string id = created->body.substr(created->body.find(":\"") + 2, 36);
  std::string changed = silence;
  changed.replace(changed.find("checkout"), 8, "payments");
  changed.insert(1, R"("id":")" + id + R"(",)");
  auto replaced = c.Post("/api/v2/silences", changed, Bearer("oncall-token"));
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_THAT(replaced->body, ::testing::Not(HasSubstr(id)));
  audit = c.Get("/api/v1/audit", Bearer("admin-token"));
  EXPECT_THAT(audit->body, HasSubstr(R"("target":")" + replaced->body.substr(replaced->body.find(":\"") + 2, 36) +
                                     R"(","details":{"replaces":")" + id + "\""));

  // Metrics: the intake counted the alert; the page was delivered.
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("quell_ingest_signals_total{source=\"http\",format=\"alertmanager\"} 1"));
  EXPECT_THAT(metrics->body, HasSubstr("quell_build_info"));
  EXPECT_THAT(metrics->body, HasSubstr("quell_config_last_reload_success 1"));
  // Receiver latency histograms: the page's delivery is counted once its outcome is applied (the
  // file receiver reports before the dispatcher's next step, so wait for that step).
  constexpr char kDelivered[] = R"(quell_sink_delivery_seconds_count{receiver="pages/file/0",outcome="delivered"} 1)";
  EXPECT_TRUE(quell::testing::WaitUntil(
      [&] {
        metrics = c.Get("/metrics");
        return metrics.ok() && metrics->body.find(kDelivered) != std::string::npos;
      },
      std::chrono::seconds(10)))
      << (metrics.ok() ? metrics->body : "scrape failed");
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE quell_sink_delivery_seconds histogram"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(quell_sink_delivery_seconds_bucket{receiver="pages/file/0",outcome="failed",le="+Inf"} 0)"));
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE quell_outbox_time_to_accept_seconds histogram"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(quell_outbox_time_to_accept_seconds_count{receiver="pages/file/0"} 1)"));
  if (::access("/usr/bin/promtool", X_OK) == 0) {
    std::string scrape = (dir_ / "scrape.txt").string();
    Write(scrape, metrics->body);
    int rc = std::system(fmt::format("promtool check metrics < {} > {}/promtool.out 2>&1", scrape, dir_.string()).c_str());
    EXPECT_EQ(rc, 0) << ReadAll((dir_ / "promtool.out").string());
  }

  // Reload: a broken file is refused and the old config keeps running; a good one is taken.
  Write(config_path_, Config(dir_.string(), "0s") + "route_typo: {}\n");
  auto bad = c.Post("/api/v1/reload", "", Bearer("admin-token"));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("unknown key \\\"route_typo\\\""));
  EXPECT_EQ(c.Post("/api/v1/reload", "", Bearer("oncall-token"))->status, 403);
  metrics = c.Get("/metrics");
  EXPECT_THAT(metrics->body, HasSubstr("quell_config_reloads_total{outcome=\"failure\"} 1"));
  EXPECT_THAT(metrics->body, HasSubstr("quell_config_last_reload_success 0"));
  Write(config_path_, Config(dir_.string(), "1s"));
  auto good = c.Post("/api/v1/reload", "", Bearer("admin-token"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->status, 200) << good->body;
  metrics = c.Get("/metrics");
  EXPECT_THAT(metrics->body, HasSubstr("quell_config_reloads_total{outcome=\"success\"} 1"));
  // Alertmanager's reload path, as prometheus-operator's config reloader calls it: the same
  // reload and scope, answered as Alertmanager does (200 and no body; 500 with the reason).
  EXPECT_EQ(c.Post("/-/reload", "", Bearer("oncall-token"))->status, 403);
  Write(config_path_, Config(dir_.string(), "1s") + "route_typo: {}\n");
  auto am_bad = c.Post("/-/reload", "", Bearer("admin-token"));
  ASSERT_TRUE(am_bad.ok());
  EXPECT_EQ(am_bad->status, 500);
  EXPECT_THAT(am_bad->body, StartsWith("failed to reload config: "));
  EXPECT_THAT(am_bad->body, HasSubstr("unknown key \"route_typo\""));
  Write(config_path_, Config(dir_.string(), "1s"));
  auto am_good = c.Post("/-/reload", "", Bearer("admin-token"));
  ASSERT_TRUE(am_good.ok());
  EXPECT_EQ(am_good->status, 200) << am_good->body;
  EXPECT_EQ(am_good->body, "");
  metrics = c.Get("/metrics");
  EXPECT_THAT(metrics->body, HasSubstr("quell_config_reloads_total{outcome=\"success\"} 2"));
  EXPECT_THAT(metrics->body, HasSubstr("quell_config_reloads_total{outcome=\"failure\"} 2"));
  std::string audit_file = ReadAll((dir_ / "audit.jsonl").string());
  EXPECT_THAT(audit_file, HasSubstr(R"("action":"config.reload","principal":"root")"));
  EXPECT_THAT(audit_file, HasSubstr(R"("outcome":"failure")"));
  EXPECT_THAT(audit_file, HasSubstr(R"("outcome":"success")"));
  // No token ever reaches the audit log.
  EXPECT_THAT(audit_file, Not(HasSubstr("admin-token")));
  rt.Stop();
}

TEST_F(AppRuntimeTest, GateOverrideNeedsTheGateScopeAndIsAudited) {
  Write(config_path_, Config(dir_.string(), "0s") + "gates:\n  - {service: checkout, env: prod}\n");
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
  RuntimeOptions opts;
  opts.replay_sample = false;
  Runtime rt(cfg, opts);
  ASSERT_OK(rt.Start());
  HttpClient c(rt.http_port());
  for (std::string body : {R"({"service":"checkout","env":"prod","version":"v1","color":"blue"})",
                           R"({"service":"checkout","env":"prod","version":"v2","color":"green"})"}) {
    auto r = c.Post("/api/v1/deployments", body, Bearer("deploy-token"));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }
  const std::string override = R"({"verdict":"pass","reason":"manual promotion after review","version":"v2"})";
  EXPECT_EQ(c.Post("/api/v1/gates/checkout/override", override)->status, 401);
  EXPECT_EQ(c.Post("/api/v1/gates/checkout/override", override, Bearer("oncall-token"))->status, 403);
  auto set = c.Post("/api/v1/gates/checkout/override", override, Bearer("deploy-token"));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->status, 200) << set->body;
  EXPECT_THAT(set->body, HasSubstr(R"("verdict":"pass")"));
  EXPECT_THAT(set->body, HasSubstr(R"("by":"deployer")"));
  // Without evidence the computed verdict is pending; the override is what the pipeline sees.
  EXPECT_THAT(set->body, HasSubstr(R"("computed_verdict":"pending")"));
  auto gate = c.Get("/api/v1/gates/checkout?version=v2", Bearer("deploy-token"));
  EXPECT_THAT(gate->body, ::testing::StartsWith(R"({"verdict":"pass")"));
  // A client cannot claim to be someone else.
  HttpClient::Headers spoof = Bearer("deploy-token");
  spoof.emplace_back("X-Quell-Principal", "ceo");
  auto cleared = c.Request("DELETE", "/api/v1/gates/checkout/override?version=v2", "", spoof);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->status, 200) << cleared->body;
  EXPECT_THAT(cleared->body, ::testing::StartsWith(R"({"verdict":"pending")"));

  const std::string audit_file = ReadAll((dir_ / "audit.jsonl").string());
  EXPECT_THAT(audit_file, HasSubstr(R"("action":"gate.overridden","principal":"deployer","target":"checkout/checkout/prod/v2")"));
  EXPECT_THAT(audit_file, HasSubstr(R"("reason":"manual promotion after review")"));
  EXPECT_THAT(audit_file, HasSubstr(R"("action":"gate.override_cleared","principal":"deployer",)"
                                    R"("target":"checkout/checkout/prod/v2","details":{"verdict":"pass",)"
                                    R"("reason":"manual promotion after review","set_by":"deployer",)"
                                    R"("computed_verdict":"pending"})"));
  // A deployment's entry names the service and what was registered.
  EXPECT_THAT(audit_file, HasSubstr(R"("action":"deployment.register","principal":"deployer","target":"checkout",)"
                                    R"("details":{"version":"v2","env":"prod","color":"green","started_at":")"));
  EXPECT_THAT(audit_file, Not(HasSubstr("ceo")));
  rt.Stop();
}

TEST(AppConfigTest, EmbeddedDefaultLoads) {
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadEmbeddedDefault());
  EXPECT_EQ(cfg.server.port, 9797);
  EXPECT_FALSE(cfg.sinks.receivers.empty());
  EXPECT_EQ(cfg.replay.file, "config/sample-stream.ndjson");
}

// Expired silences are dropped correlate.silence_retention (default 120h, Alertmanager's
// --data.retention) after they end, by the runtime's housekeeping: before, they were kept forever.
// A rejected body goes to the dead-letter file through the `redaction:` detectors (healthcare:
// an SSN or an e-mail address in a malformed webhook must not stay on disk), marked "redacted";
// ingest.dead_letter.redact: false keeps the exact bytes.
TEST_F(AppRuntimeTest, DeadLettersAreRedactedUnlessTurnedOff) {
  const std::string body =
      R"({"title":"Lab feed down for 123-45-6789","body":"ask jane.doe@example.com","date":"not a date"})";
  for (bool redact : {true, false}) {
    SCOPED_TRACE(redact);
    fs::remove(dir_ / "dead.jsonl");
    std::string text = Config(dir_.string(), "0s");
    if (!redact) text.replace(text.find("    path: " + dir_.string() + "/dead.jsonl\n"), 0, "    redact: false\n");
    Write(config_path_, text);
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
    EXPECT_EQ(cfg.dead_letter_redact, redact);
    RuntimeOptions opts;
    opts.start_kafka = false;
    opts.replay_sample = false;
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    HttpClient c(rt.http_port());
    auto r = c.Post("/api/v1/datadog/webhook", body, Bearer("ingest-token"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << r->body;
    rt.Stop();
    const std::string dead = ReadAll((dir_ / "dead.jsonl").string());
    ASSERT_THAT(dead, HasSubstr("\"format\":\"datadog_webhook\""));
    if (redact) {
      EXPECT_THAT(dead, Not(HasSubstr("123-45-6789")));
      EXPECT_THAT(dead, Not(HasSubstr("jane.doe@example.com")));
      EXPECT_THAT(dead, HasSubstr("[REDACTED:ssn]"));
      EXPECT_THAT(dead, HasSubstr("[REDACTED:email]"));
      EXPECT_THAT(dead, HasSubstr("\"redacted\":true"));
    } else {
      EXPECT_THAT(dead, HasSubstr("123-45-6789"));
      EXPECT_THAT(dead, Not(HasSubstr("\"redacted\"")));
    }
  }
}

TEST_F(AppRuntimeTest, ExpiredSilencesAreDroppedAfterTheRetention) {
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
  EXPECT_EQ(cfg.rules.settings.silence_retention, absl::Hours(120));
  const core::WallTime start = kTestStart;
  core::ManualClock clock(start);
  Runtime rt(std::move(cfg), OnClock(&clock));
  ASSERT_OK(rt.Start());
  HttpClient c(rt.http_port());
  std::string silence = R"({"matchers":[{"name":"service","value":"checkout","isRegex":false,"isEqual":true}],
    "startsAt":"2026-11-26T03:00:00Z","endsAt":"2026-11-26T05:00:00Z","createdBy":"alice","comment":"deploy"})";
  auto created = c.Post("/api/v2/silences", silence, Bearer("oncall-token"));
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 200) << created->body;
  auto listed = [&] {
    auto r = c.Get("/api/v2/silences", Bearer("oncall-token"));
    return r.ok() && r->body.find("checkout") != std::string::npos;
  };
  // Ended at 05:00; 119 h later it is still listed (expired), 121 h later it is gone.
  clock.Set(start + absl::Hours(2) + absl::Hours(119));
  rt.RunHousekeeping();
  EXPECT_TRUE(listed());
  clock.Set(start + absl::Hours(2) + absl::Hours(121));
  rt.RunHousekeeping();
  EXPECT_FALSE(listed());
  rt.Stop();
}

// correlate.state_file: the alerts of one run are there in the next (restored before the HTTP
// listener serves), and so are the deploy gates' deployments, tracked canaries and overrides;
// housekeeping checkpoints them every state_checkpoint_interval and Stop once more, /metrics counts
// the checkpoints, and a file that is not a state snapshot stops the start with its path in the
// error.
TEST_F(AppRuntimeTest, AlertsSurviveARestartThroughTheStateFile) {
  const std::string state_path = (dir_ / "state" / "correlation.json").string();
  Write(config_path_, WithCorrelateSettings(Config(dir_.string(), "0s") + "gates:\n  - service: billing\n    env: prod\n",
                                            fmt::format("  state_file: {}\n  state_checkpoint_interval: 5s\n", state_path)));
  const core::WallTime start = kTestStart;
  core::ManualClock clock(start);
  const RuntimeOptions opts = OnClock(&clock);
  const std::string alert = R"([{"labels":{"alertname":"DiskFull","service":"billing","severity":"critical"},
                                "annotations":{"summary":"disk 97%"},"startsAt":"2026-11-26T02:59:00Z"}])";
  auto alert_names = [](HttpClient& c) {
    auto r = c.Get("/api/v2/alerts", Bearer("oncall-token"));
    return r.ok() && r->status == 200 ? r->body : std::string("error");
  };
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
    EXPECT_EQ(cfg.rules.settings.state_file, state_path);
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    HttpClient c(rt.http_port());
    EXPECT_FALSE(fs::exists(state_path));  // No state yet, nothing to restore.
    ASSERT_EQ(c.Post("/api/v2/alerts", alert, Bearer("ingest-token"))->status, 200);
    EXPECT_THAT(alert_names(c), HasSubstr("DiskFull"));
    clock.Set(start + absl::Seconds(4));
    rt.RunHousekeeping();
    EXPECT_FALSE(fs::exists(state_path));  // Not due yet.
    clock.Set(start + absl::Seconds(6));
    rt.RunHousekeeping();
    ASSERT_TRUE(fs::exists(state_path));
    EXPECT_THAT(ReadAll(state_path), HasSubstr("DiskFull"));
    const std::string metrics = c.Get("/metrics")->body;
    EXPECT_THAT(metrics, HasSubstr(R"(quell_state_checkpoints_total{outcome="success"} 1)"));
    EXPECT_THAT(metrics, ::testing::ContainsRegex("quell_state_last_checkpoint_bytes [1-9][0-9]*"));
    EXPECT_THAT(metrics, HasSubstr("quell_state_last_checkpoint_duration_seconds "));
    // Deployments and overrides are durable when answered, long before the next checkpoint is due.
    fs::remove(state_path);
    for (const char* d : {R"({"service":"billing","env":"prod","version":"v1","color":"blue","started_at":"2026-11-26T02:00:00Z"})",
                          R"({"service":"billing","env":"prod","version":"v2","color":"green","started_at":"2026-11-26T02:58:00Z"})"}) {
      ASSERT_EQ(c.Post("/api/v1/deployments", d, Bearer("deploy-token"))->status, 200);
      EXPECT_TRUE(fs::exists(state_path));
    }
    auto overridden = c.Post("/api/v1/gates/billing/override", R"({"verdict":"fail","reason":"bad migration","version":"v2"})",
                             Bearer("deploy-token"));
    ASSERT_EQ(overridden->status, 200) << overridden->body;
    EXPECT_THAT(c.Get("/metrics")->body, HasSubstr(R"(quell_state_checkpoints_total{outcome="success"} 4)"));
    // An incident's ack too.
    fs::remove(state_path);
    auto listed = c.Get("/api/v1/incidents", Bearer("oncall-token"));
    ASSERT_EQ(listed->status, 200);
    const size_t at = listed->body.find(R"("id":")");
    ASSERT_NE(at, std::string::npos) << listed->body;
    const std::string id = listed->body.substr(at + 6, listed->body.find('"', at + 6) - (at + 6));
    auto acked = c.Post("/api/v1/incidents/" + id + "/ack", R"({"by":"alice","comment":"on it"})", Bearer("oncall-token"));
    ASSERT_EQ(acked->status, 200) << acked->body;
    ASSERT_TRUE(fs::exists(state_path));
    EXPECT_THAT(ReadAll(state_path), HasSubstr("on it"));
    // What a crash right now would leave: the next run starts from this copy.
    const std::string at_crash = state_path + ".at-crash";
    fs::copy_file(state_path, at_crash);
    fs::remove(state_path);
    rt.Stop();  // The final checkpoint.
    ASSERT_TRUE(fs::exists(state_path));
    fs::rename(at_crash, state_path);
  }
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    HttpClient c(rt.http_port());
    const std::string alerts = alert_names(c);  // No POST in this run.
    EXPECT_THAT(alerts, HasSubstr("DiskFull"));
    EXPECT_THAT(alerts, HasSubstr("disk 97%"));
    EXPECT_THAT(alerts, HasSubstr("2026-11-26T02:59:00"));
    auto deployments = c.Get("/api/v1/deployments?service=billing", Bearer("deploy-token"));
    EXPECT_THAT(deployments->body, HasSubstr(R"("version":"v2")"));
    EXPECT_THAT(deployments->body, HasSubstr(R"("version":"v1")"));
    auto gate = c.Get("/api/v1/gates/billing", Bearer("deploy-token"));  // The latest green: v2.
    EXPECT_EQ(gate->status, 200) << gate->body;
    EXPECT_THAT(gate->body, HasSubstr(R"("verdict":"fail")"));
    EXPECT_THAT(gate->body, HasSubstr("bad migration"));
    // A change that cannot be made durable is applied but answered 503 with Retry-After, so the
    // deploy pipeline retries it (registering a deployment again is harmless).
    const fs::path state_dir = fs::path(state_path).parent_path();
    fs::remove_all(state_dir);
    Write(state_dir.string(), "not a directory");
    auto refused = c.Post("/api/v1/deployments", R"({"service":"billing","env":"prod","version":"v3","color":"green"})",
                          Bearer("deploy-token"));
    EXPECT_EQ(refused->status, 503) << refused->body;
    EXPECT_THAT(refused->body, HasSubstr("not durable"));
    EXPECT_EQ(refused->Header("Retry-After"), "1");
    EXPECT_THAT(c.Get("/api/v1/deployments?service=billing", Bearer("deploy-token"))->body, HasSubstr(R"("version":"v3")"));
    rt.Stop();
    fs::remove(state_dir);
    fs::create_directories(state_dir);
  }
  Write(state_path, "{\"version\":1,\"shards\":[{\"alerts\":7}]}");
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
  Runtime rt(std::move(cfg), opts);
  absl::Status st = rt.Start();
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr(state_path));
  rt.Stop();
}

// The intake journal's checkpoint numbers: each checkpoint's is saved in the state file, and at
// the next start a leftover line marked "in_checkpoint" with it (or an earlier one) is in the
// restored state already and not replayed, while unmarked lines and lines marked by a checkpoint
// that never became durable are (ADR 0045; IntakeJournalTest covers how lines get marked).
TEST_F(AppRuntimeTest, JournalLinesTheRestoredStateHoldsAreNotReplayed) {
  const std::string state_path = (dir_ / "state.json").string();
  const std::string journal_dir = (dir_ / "journal").string();
  std::string text = WithCorrelateSettings(Config(dir_.string(), "0s"), fmt::format("  state_file: {}\n", state_path));
  text.replace(text.find("ingest:\n"), 8, fmt::format("ingest:\n  journal:\n    dir: {}\n", journal_dir));
  Write(config_path_, text);
  core::ManualClock clock(kTestStart);
  const RuntimeOptions opts = OnClock(&clock);
  auto alert = [](const std::string& name) {
    return R"([{"labels":{"alertname":")" + name + R"(","service":"billing"},"startsAt":"2026-11-26T02:59:00Z"}])";
  };
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    HttpClient c(rt.http_port());
    ASSERT_EQ(c.Post("/api/v2/alerts", alert("Applied"), Bearer("ingest-token"))->status, 200);
    rt.Stop();  // The final checkpoint, the journal's first.
  }
  EXPECT_THAT(ReadAll(state_path), HasSubstr(R"("journal_checkpoint":1)"));
  // What a crash could leave after the next checkpoint: a body done before checkpoint 1 began and
  // appended after it (in the state), one appended with no checkpoint in between, and one done
  // before a checkpoint 2 that never became durable (not in the state).
  std::string segment, line;
  const core::EventTime t = core::EventTime::FromUnixNanos(1795661990000000000);
  for (const auto& [name, in_checkpoint] : std::vector<std::pair<std::string, uint64_t>>{
           {"InTheState", 1}, {"Unmarked", 0}, {"InALostCheckpoint", 2}}) {
    ingest::RecordWriter::FormatRecord(core::Format::kAlertmanager, t, alert(name), &line, "", in_checkpoint);
    segment += line;
  }
  Write(journal_dir + "/intake-00000000000000000099.ndjson", segment);
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path_));
  Runtime rt(std::move(cfg), opts);
  ASSERT_OK(rt.Start());
  HttpClient c(rt.http_port());
  auto listed = c.Get("/api/v2/alerts", Bearer("oncall-token"));
  ASSERT_EQ(listed->status, 200);
  EXPECT_THAT(listed->body, HasSubstr(R"("alertname":"Applied")"));
  EXPECT_THAT(listed->body, HasSubstr(R"("alertname":"Unmarked")"));
  EXPECT_THAT(listed->body, HasSubstr(R"("alertname":"InALostCheckpoint")"));
  EXPECT_THAT(listed->body, Not(HasSubstr("InTheState")));
  rt.Stop();
  EXPECT_THAT(ReadAll(state_path), HasSubstr(R"("journal_checkpoint":2)"));
}

// What a `kill -9` at this moment would leave on disk, for the next run to start from: copies of
// `paths` (the state file, the intake journal, the outbox), taken while the runtime runs and put
// back after its orderly Stop(), whose final checkpoint, journal trim and outbox sync a crash would
// not have done. A killed process's writes are in the page cache, so what was written counts.
class CrashImage {
 public:
  CrashImage(const fs::path& dir, std::vector<fs::path> paths) : dir_(dir / "crash-image"), paths_(std::move(paths)) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (size_t i = 0; i < paths_.size(); ++i) {
      fs::copy(paths_[i], dir_ / std::to_string(i), fs::copy_options::recursive);
    }
  }
  void PutBack() {
    for (size_t i = 0; i < paths_.size(); ++i) {
      fs::remove_all(paths_[i]);
      fs::rename(dir_ / std::to_string(i), paths_[i]);
    }
    fs::remove_all(dir_);
  }

 private:
  fs::path dir_;
  std::vector<fs::path> paths_;
};

// The lines of the file receiver's output that page for `alertname`.
std::vector<std::string> PagesFor(const std::string& path, const std::string& alertname) {
  std::vector<std::string> pages;
  std::istringstream in(ReadAll(path));
  for (std::string line; std::getline(in, line);) {
    if (line.find(alertname) != std::string::npos) pages.push_back(line);
  }
  return pages;
}

std::string IncidentIdOf(const std::string& json) {
  constexpr std::string_view kKey = R"("incident_id":")";
  const size_t at = json.find(kKey);
  if (at == std::string::npos) return "";
  const size_t begin = at + kKey.size();
  return json.substr(begin, json.find('"', begin) - begin);
}

// Black-box QA's double page (ADR 0057): a `kill -9` within the checkpoint interval, after the
// page for an alert was sent (`delivered`) or while it was still pending in the outbox. The next
// run restores the checkpoint taken before the alert, replays the alert from the intake journal
// and derives the page again. In live mode the watermark had moved on (wall clock, idle ticks)
// between that checkpoint and the alert, so the replay applies the late alert at an earlier
// watermark than the first run did: the page must still carry the same incident id and reach the
// receiver once (the pending one is delivered, the re-derived one is not sent again).
void PageOnceAcrossACrashWithinTheCheckpointInterval(const fs::path& dir, const std::string& config_path,
                                                     bool delivered) {
  const std::string state_path = (dir / "state.json").string();
  const std::string journal_dir = (dir / "journal").string();
  const std::string pages_path = (dir / "pages.jsonl").string();
  std::string text = WithCorrelateSettings(Config(dir.string(), "0s"),
                                           fmt::format("  state_file: {}\n  state_checkpoint_interval: 1h\n", state_path));
  text.replace(text.find("ingest:\n"), 8, fmt::format("ingest:\n  journal:\n    dir: {}\n", journal_dir));
  Write(config_path, text);
  core::ManualClock clock(kTestStart);
  const RuntimeOptions opts = OnClock(&clock);
  // Prometheus sends startsAt, the time the alert began firing, some time before it arrives.
  const std::string alert = R"([{"labels":{"alertname":"DiskFull","service":"billing","severity":"critical"},
                                 "annotations":{"summary":"disk 97%"},"startsAt":"2026-11-26T02:59:00Z"}])";
  // Live mode: with nothing arriving, each tick moves the watermark to the wall clock.
  auto tick_at = [&](Runtime& rt, absl::Duration since_start) {
    clock.Set(kTestStart + since_start);
    rt.engine()->Tick();
    rt.engine()->Drain();
  };
  if (!delivered) fs::create_directories(pages_path);  // The receiver fails (EISDIR): the page stays pending.
  std::string first_id;
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path));
    Runtime rt(std::move(cfg), opts);
    ASSERT_OK(rt.Start());
    HttpClient c(rt.http_port());
    tick_at(rt, absl::Seconds(2));
    ASSERT_OK(rt.CheckpointState());  // The last checkpoint before the crash: no alert in it.
    tick_at(rt, absl::Seconds(5));
    ASSERT_EQ(c.Post("/api/v2/alerts", alert, Bearer("ingest-token"))->status, 200);
    tick_at(rt, absl::Seconds(6));  // group_wait (0s) has passed: the page.
    if (delivered) {
      ASSERT_TRUE(quell::testing::WaitUntil(
          [&] { return rt.dispatcher()->stats().outbox.done_total == 1; }, std::chrono::seconds(20)));
      ASSERT_EQ(PagesFor(pages_path, "DiskFull").size(), 1u);
    } else {
      ASSERT_TRUE(quell::testing::WaitUntil(
          [&] { return rt.dispatcher()->stats().retries_total >= 1; }, std::chrono::seconds(20)));
      ASSERT_EQ(rt.dispatcher()->stats().outbox.depth, 1);
    }
    const std::vector<correlate::IncidentView> incidents = rt.engine()->ListIncidents();
    ASSERT_EQ(incidents.size(), 1u);
    first_id = incidents[0].id;
    CrashImage crash(dir, {state_path, journal_dir, dir / "outbox"});
    rt.Stop();
    crash.PutBack();
  }
  if (!delivered) fs::remove(pages_path);  // The receiver is back.
  ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadConfig(config_path));
  clock.Set(kTestStart + absl::Seconds(10));
  Runtime rt(std::move(cfg), opts);
  ASSERT_OK(rt.Start());  // Restores the checkpoint, recovers the outbox, replays the journal.
  HttpClient c(rt.http_port());
  tick_at(rt, absl::Seconds(12));  // The replayed alert's group_wait passes again.
  // The engine derived the page again (and handed it to the dispatcher); wait until the
  // dispatcher either sent it too (the bug) or counted it as already held.
  ASSERT_TRUE(quell::testing::WaitUntil([&] { return rt.dispatcher()->stats().received_total >= 1; },
                                        std::chrono::seconds(20)));
  quell::testing::WaitUntil(
      [&] {
        const std::string metrics = c.Get("/metrics")->body;
        return PagesFor(pages_path, "DiskFull").size() >= 2 ||
               (PagesFor(pages_path, "DiskFull").size() == 1 &&
                metrics.find("quell_outbox_duplicates_suppressed_total 1") != std::string::npos);
      },
      std::chrono::seconds(20));
  const std::vector<std::string> pages = PagesFor(pages_path, "DiskFull");
  EXPECT_EQ(pages.size(), 1u) << ReadAll(pages_path);
  ASSERT_FALSE(pages.empty());
  // The incident is the one the page names, in both runs.
  EXPECT_EQ(IncidentIdOf(pages[0]), first_id);
  const std::vector<correlate::IncidentView> incidents = rt.engine()->ListIncidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].id, first_id);
  rt.Stop();
}

TEST_F(AppRuntimeTest, APageSentBeforeACrashIsNotSentAgainWhenTheJournalReplaysItsAlert) {
  PageOnceAcrossACrashWithinTheCheckpointInterval(dir_, config_path_, /*delivered=*/true);
}

TEST_F(AppRuntimeTest, APagePendingInTheOutboxAtACrashIsDeliveredOnceWhenTheJournalReplaysItsAlert) {
  PageOnceAcrossACrashWithinTheCheckpointInterval(dir_, config_path_, /*delivered=*/false);
}

// The quick start (`scripts/run.sh`): the embedded default replays the bundled sample, recorded on
// 2026-01-01, and then runs live. The sample is rebased to start-up time (ingest.replay.timestamps:
// now), so going live moves the watermark minutes, not eleven months: the sample's incidents page
// once and are re-notified per repeat_interval (4h), not once per 4h since January (~1,975 times
// each before the fix: 96k console lines in 90 s).
TEST(QuickStartTest, EmbeddedDefaultReplaysTheSampleAtStartUpTimeAndGoesLiveQuietly) {
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("quell_quickstart_{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::create_directory_symlink(fs::path(QUELL_SOURCE_DIR) / "config", dir / "config");
  fs::create_directory_symlink(fs::path(QUELL_SOURCE_DIR) / "runbooks", dir / "runbooks");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);  // The embedded default's paths are relative to the working directory.
  {
    ASSERT_OK_AND_ASSIGN(QuellConfig cfg, LoadEmbeddedDefault());
    EXPECT_TRUE(cfg.replay.rebase_to_now);
    cfg.server.port = 0;
    ASSERT_TRUE(cfg.server.otlp_grpc.has_value());  // OTLP/gRPC on 127.0.0.1:4317 by default.
    EXPECT_EQ(cfg.server.otlp_grpc->port, 4317);
    cfg.server.otlp_grpc->port = 0;
    const core::WallTime start = core::WallTime::FromUnixNanos(1795662000000000000);  // 2026-11-26T03:00:00Z
    core::ManualClock clock(start);
    std::FILE* out = std::tmpfile();
    ASSERT_NE(out, nullptr);
    RuntimeOptions options;
    options.start_kafka = false;
    options.clock = &clock;
    options.stdout_stream = out;
    Runtime rt(std::move(cfg), options);
    ASSERT_OK(rt.Start());
    rt.WaitForReplay();
    correlate::ShardedEngine& engine = *rt.engine();
    engine.Drain();
    const correlate::ShardStats replayed = engine.Stats();
    ASSERT_GT(replayed.signals, 0u);
    ASSERT_GT(replayed.incidents_opened, 0u);
    // The sample is now the last minutes before start-up: every incident started in the hour before.
    for (const correlate::IncidentView& v : engine.ListIncidents()) {
      EXPECT_GE(v.started_at.unix_nanos(), (start - absl::Hours(1)).unix_nanos()) << v.id;
      EXPECT_LE(v.started_at.unix_nanos(), start.unix_nanos()) << v.id;
    }

    // Live: an hour later (group_wait passes: first pages), then a quiet day.
    clock.Set(start + absl::Hours(1));
    engine.Tick();
    engine.Drain();
    const correlate::ShardStats first = engine.Stats();
    EXPECT_GT(first.pages, 0u);
    clock.Set(start + absl::Hours(25));
    engine.Tick();
    engine.Drain();
    const correlate::ShardStats day = engine.Stats();
    // At most one repeat per open incident per repeat_interval (4h) over the day, plus resolves.
    EXPECT_LE(day.notifications - first.notifications, 7 * first.incidents_opened)
        << "notifications: " << first.notifications << " -> " << day.notifications;
    rt.Stop();
    std::fclose(out);
  }
  fs::current_path(cwd);
  fs::remove_all(dir);
}

TEST(AppConfigTest, ReplayTimestampsMustBeRecordedOrNow) {
  auto cfg = LoadConfigString("ingest:\n  replay:\n    file: x.ndjson\n    timestamps: later\n", "q.yaml", ".");
  EXPECT_THAT(cfg, quell::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("q.yaml:4:17: timestamps: \"later\" is not one of recorded, now")));
}

TEST(AppConfigTest, IntakeJournalNeedsAStateFile) {
  const std::string base = "route:\n  receiver: x\n  class: investigate\nreceivers:\n  - name: x\n";
  auto cfg = LoadConfigString("ingest:\n  journal:\n    dir: j\n" + base, "q.yaml", ".");
  EXPECT_THAT(cfg, quell::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("q.yaml:3:5: ingest.journal: needs correlate.state_file")));
  auto ok = LoadConfigString("ingest:\n  journal:\n    dir: j\n    fsync: never\ncorrelate:\n  state_file: s.json\n" + base,
                             "q.yaml", ".");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->journal.dir, "j");
  EXPECT_EQ(ok->journal.fsync, ingest::JournalFsync::kNever);
}

// check-config says what survives a restart or a crash.
TEST(AppConfigTest, CheckConfigReportsStateAndJournal) {
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("quell_check_{}", ::getpid());
  fs::create_directories(dir);
  const std::string base = "route:\n  receiver: x\n  class: investigate\nreceivers:\n  - name: x\n";
  Write((dir / "durable.yaml").string(),
        "ingest:\n  journal:\n    dir: j\n  dead_letter: {path: d.jsonl, redact: false}\n"
        "correlate:\n  state_file: s.json\n  state_checkpoint_interval: 30s\n" + base);
  Write((dir / "bare.yaml").string(), base);
  auto run = [](const fs::path& path) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    EXPECT_EQ(RunCheckConfig(path.string(), out, err), 0);
    std::rewind(out);
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) text.append(buf, n);
    std::fclose(out);
    std::fclose(err);
    return text;
  };
  const std::string durable = run(dir / "durable.yaml");
  EXPECT_THAT(durable, HasSubstr("state: s.json (alerts, incidents, deploy gates), checkpointed every 30s\n"));
  EXPECT_THAT(durable, HasSubstr("listeners: http 127.0.0.1:9797\n"));  // No OTLP/gRPC unless configured.
  EXPECT_THAT(durable, HasSubstr("intake journal: j, fsync interval 1s\n"));
  EXPECT_THAT(durable, HasSubstr("dead letters: d.jsonl, exact bytes (ingest.dead_letter.redact: false)\n"));
  const std::string bare = run(dir / "bare.yaml");
  EXPECT_THAT(bare, HasSubstr("state: none (a restart forgets alerts, open incidents and deploy-gate evidence"));
  EXPECT_THAT(bare, HasSubstr("intake journal: none"));
  EXPECT_THAT(bare, HasSubstr("dead letters: quell-dead-letters.jsonl, redacted (redaction: detectors)\n"));
  fs::remove_all(dir);
}

TEST(AppConfigTest, UnknownTopLevelKeyPointsAtIt) {
  auto cfg = LoadConfigString("route:\n  receiver: x\nreceivers:\n  - name: x\nrouts: {}\n", "q.yaml", ".");
  EXPECT_THAT(cfg, quell::testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("q.yaml:5:1: config: unknown key \"routs\"")));
}

// An Alertmanager config's `global:` section: resolve_timeout is taken (and reaches the parser of
// Alertmanager-format alerts), slack_api_url and pagerduty_url are the receivers' defaults
// (sinks/receiver_defaults_test.cc); the settings of integrations Quell does not have are errors
// naming where receiver settings go.
TEST(AppConfigTest, AlertmanagerGlobalResolveTimeoutIsTakenOtherGlobalsPointElsewhere) {
  const std::string base = "route:\n  receiver: x\n  class: investigate\nreceivers:\n  - name: x\n";
  auto cfg = LoadConfigString("global:\n  resolve_timeout: 10m\n" + base, "q.yaml", ".");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->resolve_timeout, absl::Minutes(10));
  EXPECT_EQ(LoadConfigString(base, "q.yaml", ".")->resolve_timeout, absl::Minutes(5));  // Alertmanager's default.
  auto smtp = LoadConfigString("global:\n  resolve_timeout: 1m\n  smtp_smarthost: localhost:25\n" + base,
                               "q.yaml", ".");
  EXPECT_THAT(smtp, quell::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("q.yaml:3:3: global.smtp_smarthost: Quell takes resolve_timeout, "
                                                       "slack_api_url, slack_api_url_file and pagerduty_url from "
                                                       "Alertmanager's global section")));
  // The usual Alertmanager layout loads: the Slack URL in global (a reference, as every secret in
  // Quell's config), the entries naming only their channel, in the main file and in a fragment.
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("quell_global_{}", ::getpid());
  fs::create_directories(dir);
  Write((dir / "team.yaml").string(), "receivers:\n  - name: team\n    slack_configs:\n      - channel: '#team'\n");
  auto am = LoadConfigString(
      "global:\n  slack_api_url: {env: SLACK_URL}\n  pagerduty_url: https://events.eu.pagerduty.com/v2/enqueue\n"
      "route:\n  receiver: x\n  class: investigate\nreceivers:\n  - name: x\n    slack_configs:\n"
      "      - channel: '#alerts'\n    pagerduty_configs:\n      - routing_key: {env: PD}\ninclude: [team.yaml]\n",
      (dir / "q.yaml").string(), dir.string());
  ASSERT_TRUE(am.ok()) << am.status();
  EXPECT_EQ(am->sinks.Find("x")->slack_configs[0].api_url.ToString(), "env:SLACK_URL");
  EXPECT_EQ(am->sinks.Find("x")->pagerduty_configs[0].url, "https://events.eu.pagerduty.com/v2/enqueue");
  ASSERT_NE(am->sinks.Find("team"), nullptr);
  EXPECT_EQ(am->sinks.Find("team")->slack_configs[0].api_url.ToString(), "env:SLACK_URL");
  fs::remove_all(dir);
  EXPECT_THAT(LoadConfigString("global:\n  resolve_timeout: -1m\n" + base, "q.yaml", "."),
              quell::testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("q.yaml:2:20: invalid duration \"-1m\"")));
}

TEST(AppConfigTest, FragmentsAppendRoutesAndReceiversWithTheirOwnPositions) {
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("quell_frag_{}", ::getpid());
  fs::create_directories(dir / "teams");
  Write((dir / "teams/payments.yaml").string(),
        "receivers:\n  - name: payments\n    stdout_configs: [{}]\n"
        "route:\n  receiver: payments\n  class: investigate\n  matchers: ['team=\"payments\"']\n");
  Write((dir / "teams/search.yaml").string(), "route:\n  receiver: nobody\n  class: investigate\n");
  std::string main = "route:\n  receiver: default\n  class: investigate\nreceivers:\n  - name: default\ninclude: [teams/payments.yaml]\n";
  auto loaded = LoadConfigString(main, (dir / "quell.yaml").string(), dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  QuellConfig& cfg = *loaded;
  ASSERT_EQ(cfg.rules.route.routes.size(), 1u);
  EXPECT_EQ(cfg.rules.route.routes[0].receiver, "payments");
  EXPECT_THAT(cfg.rules.route.routes[0].where.ToString(), HasSubstr("teams/payments.yaml:5:3"));
  ASSERT_EQ(cfg.files.size(), 2u);
  // An error inside a fragment names the fragment's file and line.
  std::string bad = "route:\n  receiver: default\n  class: investigate\nreceivers:\n  - name: default\ninclude: [teams]\n";
  auto broken = LoadConfigString(bad, (dir / "quell.yaml").string(), dir.string());
  EXPECT_THAT(broken, quell::testing::StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("teams/search.yaml:2:13")))
      << broken.status();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace quell::app
