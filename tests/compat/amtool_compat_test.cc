// Debian's amtool (Alertmanager 0.25's CLI, a go-swagger client that checks every answer against
// Alertmanager's OpenAPI spec) against a running `quell run`, the way an on-call engineer scripts
// Alertmanager: add an alert, query it, silence it, see it suppressed, expire the silence, read
// the routing config back and test a route with it, and resolve the alert with an endsAt in the
// past. Each command must succeed and Quell must have done what it says: the page and the resolve
// land in the file receiver with the labels amtool sent.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/compat/subprocess.h"

namespace quell::compat {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct AmtoolRun {
  int code = -1;
  std::string out;
};

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class AmtoolCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    amtool_ = FindExecutable("amtool");
    if (amtool_.empty()) GTEST_SKIP() << "amtool not installed (Debian prometheus-alertmanager): skipped";
    tmp_ = MakeTempDir("quell-amtool-");
    ASSERT_FALSE(tmp_.empty());
    pages_ = tmp_ + "/pages.jsonl";
    {
      std::ofstream q(tmp_ + "/quell.yaml");
      q << "server:\n  listen: \"127.0.0.1:0\"\n"
           "correlate: {allowed_lateness: 0s, idle_timeout: 1s, silences_file: " << tmp_ << "/silences.json}\n"
           "transient: {grace: 0s}\n"
           "route:\n  receiver: pages\n  runbook: default.md\n  group_by: [alertname, service]\n"
           "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 4h\n"
           "receivers:\n  - name: pages\n    file_configs: [{path: " << pages_ << "}]\n"
           "runbooks: {dir: " << QUELL_SOURCE_DIR << "/runbooks}\n"
           "outbox: {dir: " << tmp_ << "/outbox}\n"
           "audit: {path: " << tmp_ << "/audit.jsonl}\n"
           "ingest:\n  dead_letter: {path: " << tmp_ << "/dead.jsonl}\n";
    }
    quell_.emplace(std::vector<std::string>{std::string(QUELL_BINARY_DIR) + "/bin/quell", "run", "--config",
                                            tmp_ + "/quell.yaml"},
                   tmp_ + "/quell.log");
    ASSERT_TRUE(quell_->started());
    ASSERT_TRUE(WaitFor([&] {
      std::smatch m;
      std::string text = ReadFile(tmp_ + "/quell.log");
      if (!std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"))) return !quell_->running();
      url_ = "--alertmanager.url=http://127.0.0.1:" + m[1].str();
      return true;
    }, std::chrono::seconds(30)));
    ASSERT_FALSE(url_.empty()) << ReadFile(tmp_ + "/quell.log");
  }

  void TearDown() override {
    quell_.reset();  // SIGTERM, reaped.
    if (!tmp_.empty() && !HasFailure()) std::filesystem::remove_all(tmp_);  // Kept for a failure's logs.
  }

  // amtool ARGS... against Quell; its exit code and everything it printed.
  AmtoolRun Amtool(std::vector<std::string> args) {
    std::vector<std::string> argv = {amtool_, url_};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = tmp_ + "/amtool-" + std::to_string(++runs_) + ".log";
    Subprocess p(argv, log);
    AmtoolRun r;
    if (p.Wait(std::chrono::seconds(30))) r.code = p.exit_code();
    r.out = ReadFile(log);
    return r;
  }

  std::string amtool_, tmp_, pages_, url_;
  std::optional<Subprocess> quell_;
  int runs_ = 0;
};

TEST_F(AmtoolCompatTest, AlertsSilencesAndConfigThroughAmtool) {
  const std::string start = Rfc3339(std::chrono::system_clock::now() - std::chrono::seconds(5));
  AmtoolRun add = Amtool({"alert", "add", "alertname=QuellAmtool", "service=checkout", "severity=critical",
                    "--annotation=summary=disk full on checkout", "--start=" + start});
  ASSERT_EQ(add.code, 0) << add.out;

  // Quell pages it, with what amtool sent.
  auto firing = [&] { return LinesWith(pages_, {"QuellAmtool", "\"status\":\"firing\""}); };
  ASSERT_TRUE(WaitFor([&] { return !firing().empty(); }, std::chrono::seconds(30)))
      << ReadFile(tmp_ + "/quell.log");
  EXPECT_THAT(firing()[0], HasSubstr("\"service\":\"checkout\""));
  EXPECT_THAT(firing()[0], HasSubstr("disk full on checkout"));

  AmtoolRun query = Amtool({"-o", "json", "alert", "query", "alertname=QuellAmtool"});
  ASSERT_EQ(query.code, 0) << query.out;
  EXPECT_THAT(query.out, HasSubstr("\"service\":\"checkout\""));
  EXPECT_THAT(query.out, HasSubstr("\"state\":\"active\""));

  // A silence: amtool prints its id; the alert shows as suppressed by it.
  AmtoolRun silence = Amtool({"silence", "add", "alertname=QuellAmtool", "--comment=maintenance window", "--author=alice",
                        "--duration=1h"});
  ASSERT_EQ(silence.code, 0) << silence.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(silence.out, m, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")))
      << silence.out;
  const std::string id = m[0].str();
  AmtoolRun silences = Amtool({"-o", "json", "silence", "query"});
  ASSERT_EQ(silences.code, 0) << silences.out;
  EXPECT_THAT(silences.out, HasSubstr(id));
  EXPECT_THAT(silences.out, HasSubstr("\"createdBy\":\"alice\""));
  EXPECT_THAT(silences.out, HasSubstr("\"comment\":\"maintenance window\""));
  bool suppressed = WaitFor([&] {
    AmtoolRun q = Amtool({"-o", "json", "alert", "query", "--silenced", "alertname=QuellAmtool"});
    return q.code == 0 && q.out.find("\"state\":\"suppressed\"") != std::string::npos &&
           q.out.find(id) != std::string::npos;
  }, std::chrono::seconds(20));
  EXPECT_TRUE(suppressed) << Amtool({"-o", "json", "alert", "query", "--silenced"}).out;

  // Expired: gone from the active silences, listed with the expired ones.
  AmtoolRun expire = Amtool({"silence", "expire", id});
  ASSERT_EQ(expire.code, 0) << expire.out;
  AmtoolRun active = Amtool({"-o", "json", "silence", "query"});
  ASSERT_EQ(active.code, 0) << active.out;
  EXPECT_THAT(active.out, Not(HasSubstr(id)));
  AmtoolRun expired = Amtool({"-o", "json", "silence", "query", "--expired"});
  ASSERT_EQ(expired.code, 0) << expired.out;
  EXPECT_THAT(expired.out, HasSubstr(id));

  // The routing config, read back and parsed by Alertmanager's own config loader.
  AmtoolRun show = Amtool({"config", "show"});
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_THAT(show.out, HasSubstr("receiver: \"pages\""));
  AmtoolRun route = Amtool({"config", "routes", "test", "--verify.receivers=pages", "alertname=QuellAmtool",
                      "service=checkout"});
  EXPECT_EQ(route.code, 0) << route.out;
  EXPECT_THAT(route.out, HasSubstr("pages"));

  // Resolved the Alertmanager way: the same alert with an endsAt in the past.
  AmtoolRun resolve = Amtool({"alert", "add", "alertname=QuellAmtool", "service=checkout", "severity=critical",
                        "--annotation=summary=disk full on checkout", "--start=" + start,
                        "--end=" + Rfc3339(std::chrono::system_clock::now() - std::chrono::seconds(1))});
  ASSERT_EQ(resolve.code, 0) << resolve.out;
  EXPECT_TRUE(WaitFor([&] { return !LinesWith(pages_, {"QuellAmtool", "\"status\":\"resolved\""}).empty(); },
                      std::chrono::seconds(30)))
      << ReadFile(pages_);
  EXPECT_THAT(LinesWith(tmp_ + "/dead.jsonl", {"QuellAmtool"}), ::testing::SizeIs(0));
}

}  // namespace
}  // namespace quell::compat
