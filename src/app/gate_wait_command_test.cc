#include "app/gate_wait_command.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "app/cli.h"
#include "core/clock.h"
#include "core/yaml_node.h"
#include "correlate/gates/gate_evaluator.h"
#include "correlate/gates/traffic_simulator.h"
#include "server/gates_api.h"
#include "server/http_server.h"
#include "server/router.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::app {
namespace {

using ::testing::HasSubstr;

// A loopback HTTP server answering scripted responses in order (the last one repeats).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::pair<int, std::string>> script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    size_t next = 0;
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      const auto& [status, body] = script_[std::min(next++, script_.size() - 1)];
      std::string resp = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
                         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::vector<std::pair<int, std::string>> script_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

const char* kPending = R"({"verdict":"pending","score":100,"reasons":["min duration: 1m of 5m"],"indicators":[]})";
const char* kPass = R"({"verdict":"pass","score":100,"reasons":["canary v2 no worse"],"indicators":[
  {"name":"errors","type":"error_rate","verdict":"pass","baseline":{"samples":6000,"value":0.01},
   "canary":{"samples":5990,"value":0.011},"effect":1.1,"statistic":{"p_value":1}}]})";
const char* kFail = R"({"verdict":"fail","score":50,"reasons":["errors: canary error rate 3% above baseline 1%"],"indicators":[]})";

struct Harness {
  core::ManualClock clock{core::WallTime::FromUnixNanos(1767225600LL * 1000000000LL)};
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  int sleeps = 0;
  ~Harness() {
    std::fclose(out);
    std::fclose(err);
  }
  GateWaitOptions Options(const std::string& url) {
    GateWaitOptions o;
    o.service = "checkout";
    o.version = "v2";
    o.env = "prod";
    o.url = url;
    o.timeout = absl::Minutes(2);
    o.interval = absl::Seconds(10);
    o.token_env = "QUELL_TEST_GATE_TOKEN";
    o.clock = &clock;
    o.sleep = [this](absl::Duration d) {
      ++sleeps;
      clock.Advance(d);
    };
    o.out = out;
    o.err = err;
    return o;
  }
  static std::string Read(std::FILE* f) {
    std::rewind(f);
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
    return s;
  }
};

TEST(GateWaitTest, PollsUntilPassAndPrintsEvidence) {
  ScriptedServer server({{200, kPending}, {200, kPending}, {200, kPass}});
  Harness h;
  ::setenv("QUELL_TEST_GATE_TOKEN", "s3cret-token", 1);
  EXPECT_EQ(RunGateWait(h.Options(server.url())), 0);
  ::unsetenv("QUELL_TEST_GATE_TOKEN");
  EXPECT_EQ(h.sleeps, 2);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_THAT(reqs[0], HasSubstr("GET /api/v1/gates/checkout?version=v2&env=prod HTTP/1.1\r\n"));
  EXPECT_THAT(reqs[0], HasSubstr("Authorization: Bearer s3cret-token\r\n"));
  const std::string out = Harness::Read(h.out);
  EXPECT_THAT(out, HasSubstr("verdict=pending score=100 reason: min duration"));
  EXPECT_THAT(out, HasSubstr("checkout v2 (prod): pass"));
  EXPECT_THAT(out, HasSubstr("errors"));
  EXPECT_THAT(out, HasSubstr("1%"));
  EXPECT_THAT(out + Harness::Read(h.err), ::testing::Not(HasSubstr("s3cret")));
}

TEST(GateWaitTest, FailExitsOne) {
  ScriptedServer server({{200, kPending}, {200, kFail}});
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options(server.url())), 1);
  EXPECT_THAT(Harness::Read(h.out), HasSubstr("fail"));
}

TEST(GateWaitTest, InconclusiveExitsTwo) {
  ScriptedServer server({{200, R"({"verdict":"inconclusive","score":null,"reasons":["max duration 30m reached"]})"}});
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options(server.url())), 2);
}

TEST(GateWaitTest, TimesOutWithExitTwo) {
  ScriptedServer server({{200, kPending}});
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options(server.url())), 2);
  EXPECT_EQ(h.sleeps, 12);  // Polls at 0s, 10s, ..., 120s (the deadline itself), then gives up.
  EXPECT_THAT(Harness::Read(h.err), HasSubstr("timed out after 2m"));
}

TEST(GateWaitTest, UnknownGateGivesUpAtOnce) {
  ScriptedServer server({{404, R"({"verdict":"inconclusive","score":null,"reasons":["gates: no gate covers service \"checkout\""]})"}});
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options(server.url())), 2);
  EXPECT_EQ(h.sleeps, 0);
}

TEST(GateWaitTest, RetriesTransportErrorsUntilTimeout) {
  // A port with nothing listening: bind, read the port, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)))), 2);
  EXPECT_THAT(Harness::Read(h.err), HasSubstr("(retrying)"));
  EXPECT_GT(h.sleeps, 5);
}

TEST(GateWaitTest, BadOptionsExitTwo) {
  Harness h;
  GateWaitOptions o = h.Options("ftp://quell.example:21");
  EXPECT_EQ(RunGateWait(o), 2);
  EXPECT_THAT(Harness::Read(h.err), HasSubstr("expected http:// or https://"));
  o = h.Options("http://127.0.0.1:1");
  o.version.clear();
  EXPECT_EQ(RunGateWait(o), 2);
}

TEST(GateWaitTest, RegistersFlagsWithCli11) {
  CLI::App app;
  CLI::App* gate = app.add_subcommand("gate");
  GateWaitOptions o;
  CLI::App* wait = RegisterGateWaitCommand(gate, &o);
  app.parse("gate wait --service api --version v9 --env staging --url http://q:1 --timeout 1h30m --interval 5s",
            /*program_name_included=*/false);
  EXPECT_TRUE(*wait);
  EXPECT_EQ(o.service, "api");
  EXPECT_EQ(o.version, "v9");
  EXPECT_EQ(o.env, "staging");
  EXPECT_EQ(o.url, "http://q:1");
  EXPECT_EQ(o.timeout, absl::Minutes(90));
  EXPECT_EQ(o.interval, absl::Seconds(5));
  CLI::App app2;
  GateWaitOptions o2;
  RegisterGateWaitCommand(app2.add_subcommand("gate"), &o2);
  EXPECT_THROW(app2.parse("gate wait --service a --version v --timeout soon", false), CLI::ValidationError);
}

TEST(GateWaitTest, AuthorizationFailureGivesUpAtOnce) {
  {
    ScriptedServer server({{401, R"({"error":"missing bearer token"})"}, {200, kPass}});
    Harness h;
    ::unsetenv("QUELL_TEST_GATE_TOKEN");
    EXPECT_EQ(RunGateWait(h.Options(server.url())), 2);
    EXPECT_EQ(h.sleeps, 0);
    EXPECT_EQ(server.requests().size(), 1u);
    EXPECT_THAT(Harness::Read(h.err),
                HasSubstr("HTTP 401: authorization failed: missing bearer token (no token: $QUELL_TEST_GATE_TOKEN "
                          "is not set): giving up"));
  }
  {
    ScriptedServer server({{403, R"({"error":"token \"ci\" lacks scope read"})"}, {200, kPass}});
    Harness h;
    ::setenv("QUELL_TEST_GATE_TOKEN", "s3cret-token", 1);
    EXPECT_EQ(RunGateWait(h.Options(server.url())), 2);
    ::unsetenv("QUELL_TEST_GATE_TOKEN");
    EXPECT_EQ(h.sleeps, 0);
    const std::string err = Harness::Read(h.err);
    EXPECT_THAT(err, HasSubstr("HTTP 403: authorization failed: token \"ci\" lacks scope read (the token in "
                               "$QUELL_TEST_GATE_TOKEN): giving up"));
    EXPECT_THAT(err + Harness::Read(h.out), ::testing::Not(HasSubstr("s3cret")));
  }
}

TEST(GateWaitTest, NotFoundWithoutAVerdictGivesUpToo) {
  ScriptedServer server({{404, "not found"}, {200, kPass}});
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options(server.url())), 2);
  EXPECT_EQ(h.sleeps, 0);
  EXPECT_THAT(Harness::Read(h.err), HasSubstr("HTTP 404: answer is not JSON: giving up"));
}

TEST(GateWaitTest, ExplicitTokenEnvThatIsNotSetWarns) {
  ScriptedServer server({{200, kPass}});
  Harness h;
  ::unsetenv("QUELL_TEST_GATE_TOKEN");
  GateWaitOptions o = h.Options(server.url());
  EXPECT_EQ(RunGateWait(o), 0);
  EXPECT_THAT(Harness::Read(h.err), ::testing::Not(HasSubstr("warning")));  // The default variable: no token, fine.
  Harness given;
  o = given.Options(server.url());
  o.token_env_given = true;
  EXPECT_EQ(RunGateWait(o), 0);
  EXPECT_THAT(Harness::Read(given.err),
              HasSubstr("warning: --token-env QUELL_TEST_GATE_TOKEN: $QUELL_TEST_GATE_TOKEN is not set (or empty); "
                        "polling without a token"));
  CLI::App app;
  GateWaitOptions parsed;
  RegisterGateWaitCommand(app.add_subcommand("gate"), &parsed);
  app.parse("gate wait --service a --version v", false);
  EXPECT_FALSE(parsed.token_env_given);
  EXPECT_EQ(parsed.token_env, "QUELL_API_TOKEN");
  CLI::App app2;
  GateWaitOptions parsed2;
  RegisterGateWaitCommand(app2.add_subcommand("gate"), &parsed2);
  app2.parse("gate wait --service a --version v --token-env CI_QUELL_TOKEN", false);
  EXPECT_TRUE(parsed2.token_env_given);
  EXPECT_EQ(parsed2.token_env, "CI_QUELL_TOKEN");
}

TEST(GateWaitTest, PrintsTheEnvTheGateAnsweredFor) {
  ScriptedServer server({{200, R"({"verdict":"pass","score":100,"reasons":["ok"],"env":"prod","indicators":[]})"}});
  Harness h;
  GateWaitOptions o = h.Options(server.url());
  o.env.clear();
  EXPECT_EQ(RunGateWait(o), 0);
  EXPECT_THAT(Harness::Read(h.out), HasSubstr("\ncheckout v2 (prod): pass\n"));
  ScriptedServer no_env({{200, kPass}});
  Harness h2;
  o = h2.Options(no_env.url());
  o.env.clear();
  EXPECT_EQ(RunGateWait(o), 0);
  EXPECT_THAT(Harness::Read(h2.out), HasSubstr("\ncheckout v2: pass\n"));
}

// Each poll takes a little time: the last one still falls on the deadline, and the message says
// how long it waited.
TEST(GateWaitTest, LastPollFallsOnTheDeadline) {
  ScriptedServer server({{200, kPending}});
  Harness h;
  GateWaitOptions o = h.Options(server.url());
  o.timeout = absl::Seconds(6);
  o.interval = absl::Seconds(2);
  o.sleep = [&h](absl::Duration d) {
    ++h.sleeps;
    h.clock.Advance(d + absl::Milliseconds(10));  // The request's own time.
  };
  EXPECT_EQ(RunGateWait(o), 2);
  EXPECT_EQ(server.requests().size(), 4u);  // At 0s, 2s, 4s and 6s.
  EXPECT_THAT(Harness::Read(h.err), HasSubstr("timed out after 6s (--timeout 6s) without a decision"));
}

// `quell` itself: every usage error exits 2 with CLI11's message on stderr; --help exits 0.
int Cli(std::vector<std::string> args, std::string* err = nullptr) {
  args.insert(args.begin(), "quell");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int rc = RunCli(static_cast<int>(args.size()), argv.data());
  (void)::testing::internal::GetCapturedStdout();
  const std::string e = ::testing::internal::GetCapturedStderr();
  if (err != nullptr) *err = e;
  return rc;
}

TEST(GateWaitTest, EveryUsageErrorExitsTwo) {
  std::string err;
  EXPECT_EQ(Cli({"gate", "wait", "--service", "checkout"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--version is required"));
  EXPECT_EQ(Cli({"gate", "wait", "--service", "a", "--version", "v", "--timeout", "5 minutes"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--timeout: invalid duration \"5 minutes\""));
  EXPECT_EQ(Cli({"gate", "wait", "--service", "a", "--version", "v", "--timeout", "-5s"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--timeout: invalid duration \"-5s\": negative durations are not allowed"));
  EXPECT_EQ(Cli({"gate", "wait", "--service", "a", "--version", "v", "--bogus"}, &err), 2);
  EXPECT_THAT(err, HasSubstr("--bogus"));
  EXPECT_EQ(Cli({"gate"}, &err), 2);
  EXPECT_EQ(Cli({}, &err), 2);
  EXPECT_EQ(Cli({"check-config"}, &err), 2);
  EXPECT_EQ(Cli({"gate", "wait", "--help"}), 0);
  EXPECT_EQ(Cli({"--help"}), 0);
  EXPECT_EQ(Cli({"--version"}), 0);
}

// The real HttpServer serving GatesApi over a GateEvaluator whose green fails.
class FailingGateServer {
 public:
  explicit FailingGateServer(server::ServerConfig config)
      : evaluator_(Gates(), {}, nullptr), api_clock_(core::WallTime::FromUnixNanos(kT0.unix_nanos())),
        api_(&evaluator_, &api_clock_) {
    core::Deployment blue{"checkout", "prod", "v1", core::DeployColor::kBlue, kT0 - absl::Hours(1), "api", "", ""};
    core::Deployment green{"checkout", "prod", "v2", core::DeployColor::kGreen, kT0, "api", "", ""};
    evaluator_.AddDeployment(blue);
    evaluator_.AddDeployment(green);
    gates::TrafficSimulator sim(5);
    gates::TrafficSpec b, g;
    b.version = "v1";
    b.color = core::DeployColor::kBlue;
    g.version = "v2";
    g.color = core::DeployColor::kGreen;
    g.error_rate = 0.2;
    core::SignalBatch batch;
    sim.Generate(b, kT0, kT0 + absl::Minutes(2), &batch);
    sim.Generate(g, kT0, kT0 + absl::Minutes(2), &batch);
    evaluator_.Observe(batch);
    evaluator_.AdvanceTo(kT0 + absl::Minutes(2));
    for (const server::GatesRoute& r : api_.Routes()) EXPECT_TRUE(router_.Route(r.method, r.path, r.handler).ok());
    config.port = 0;
    http_ = std::make_unique<server::HttpServer>(config, &router_);
    EXPECT_TRUE(http_->Start().ok());
  }
  ~FailingGateServer() { http_->Stop(); }
  uint16_t port() const { return http_->port(); }

 private:
  static constexpr core::EventTime kT0 = core::EventTime::FromUnixNanos(1767225600LL * 1000000000LL);
  static gates::GatesConfig Gates() {
    auto root = core::YamlNode::LoadString("gates:\n  - {service: checkout, env: prod}\n", "t.yaml");
    EXPECT_TRUE(root.ok());
    return *gates::ParseGatesConfig(*root);
  }
  gates::GateEvaluator evaluator_;
  core::ManualClock api_clock_;
  server::GatesApi api_;
  server::Router router_;
  std::unique_ptr<server::HttpServer> http_;
};

TEST(GateWaitTest, AgainstTheRealServerAFailingGreenExitsOne) {
  FailingGateServer server({});
  Harness h;
  EXPECT_EQ(RunGateWait(h.Options("http://127.0.0.1:" + std::to_string(server.port()))), 1);
  EXPECT_EQ(h.sleeps, 0);
  const std::string out = Harness::Read(h.out);
  EXPECT_THAT(out, HasSubstr("checkout v2 (prod): fail"));
  EXPECT_THAT(out, HasSubstr("errors: canary error rate"));
}

TEST(GateWaitTest, OverHttpsItVerifiesTheServerAgainstTheGivenCa) {
  server::ServerConfig config;
  config.tls = server::TlsConfig{::quell::testing::SourcePath("tests/data/tls/server.crt"),
                                 ::quell::testing::SourcePath("tests/data/tls/server.key"), "", 12, {}};
  FailingGateServer server(config);
  Harness h;
  GateWaitOptions o = h.Options("https://localhost:" + std::to_string(server.port()));
  o.ca_file = ::quell::testing::SourcePath("tests/data/tls/ca.crt");
  EXPECT_EQ(RunGateWait(o), 1);
  EXPECT_THAT(Harness::Read(h.out), HasSubstr("checkout v2 (prod): fail"));

  // Without the CA the certificate does not verify: a transport error, retried until the timeout.
  Harness untrusted;
  GateWaitOptions u = untrusted.Options("https://localhost:" + std::to_string(server.port()));
  EXPECT_EQ(RunGateWait(u), 2);
  EXPECT_THAT(Harness::Read(untrusted.err), HasSubstr("(retrying)"));
  EXPECT_THAT(Harness::Read(untrusted.err), ::testing::Not(HasSubstr("checkout v2 (prod): fail")));
}

}  // namespace
}  // namespace quell::app
