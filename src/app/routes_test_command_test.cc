// `quell routes test` through the command line, against amtool's `config routes test`
// (cli/test_routing.go): --verify.receivers, --tree, label arguments parsed as matchers, no labels.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// checkout alerts go to checkout-pager and, with `continue`, on to the siblings below; critical
// ones end on checkout-critical; Watch* alerts on watchdog.
constexpr char kConfig[] = R"(route:
  receiver: default
  runbook: default.md
  group_by: [alertname]
  routes:
    - matchers: ['service="checkout"']
      receiver: checkout-pager
      continue: true
      routes:
        - matchers: ['severity="critical"']
          receiver: checkout-critical
    - matchers: ['alertname=~"Watch.*"']
      receiver: watchdog
    - matchers: ['team="db"']
      receiver: db
receivers:
  - name: default
  - name: checkout-pager
  - name: checkout-critical
  - name: watchdog
  - name: db
)";

struct CliResult {
  int rc = -1;
  std::string out;
  std::string err;
};

class RoutesTestCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quell_routes_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_ = (dir_ / "quell.yaml").string();
    std::ofstream(config_) << kConfig << "runbooks:\n  dir: " << QUELL_SOURCE_DIR << "/runbooks\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `quell routes test --config <kConfig> args...`.
  CliResult Routes(std::vector<std::string> args) {
    args.insert(args.begin(), {"routes", "test", "--config", config_});
    return Cli(std::move(args));
  }

  // Runs `quell args...` with stdout and stderr captured.
  static CliResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), "quell");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    CliResult r;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    r.rc = RunCli(static_cast<int>(args.size()), argv.data());
    r.out = ::testing::internal::GetCapturedStdout();
    r.err = ::testing::internal::GetCapturedStderr();
    return r;
  }

  // The last line of `text`, without its newline.
  static std::string LastLine(const std::string& text) {
    std::string t = text;
    if (!t.empty() && t.back() == '\n') t.pop_back();
    return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
  }

  fs::path dir_;
  std::string config_;
};

// The last line is amtool's: the receivers in tree order, comma-separated; the lines before it are
// Quell's (routes with class, runbook and file:line).
TEST_F(RoutesTestCommandTest, LastLineIsTheReceiversInTreeOrder) {
  CliResult r = Routes({"service=checkout", "severity=critical", "alertname=Watchdog"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(LastLine(r.out), "checkout-critical,watchdog");
  EXPECT_THAT(r.out, StartsWith("alert {alertname=\"Watchdog\", service=\"checkout\", severity=\"critical\"}\n"));
  EXPECT_THAT(r.out,
              HasSubstr("route {}/{service=\"checkout\"}/{severity=\"critical\"}\n  receiver: checkout-critical\n"));
  EXPECT_THAT(r.out, HasSubstr("  defined at: " + config_ + ":"));
  EXPECT_THAT(r.out, Not(HasSubstr("Matching routes:")));
  EXPECT_THAT(r.out, Not(HasSubstr("WARNING")));
  EXPECT_THAT(r.err, IsEmpty());

  r = Routes({"service=web"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(LastLine(r.out), "default");
}

// amtool: exit 1 and "WARNING: Expected receivers did not match resolved receivers." on stdout
// after the receivers when --verify.receivers differs from them as a string; 0 when equal.
TEST_F(RoutesTestCommandTest, VerifyReceivers) {
  const std::vector<std::string> labels = {"service=checkout", "severity=critical", "alertname=Watchdog"};
  auto with = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), labels.begin(), labels.end());
    return Routes(std::move(flags));
  };

  CliResult r = with({"--verify.receivers=checkout-critical,watchdog"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(LastLine(r.out), "checkout-critical,watchdog");
  EXPECT_THAT(r.out, Not(HasSubstr("WARNING")));

  r = with({"--verify.receivers", "checkout-critical,watchdog"});  // Also as two arguments.
  EXPECT_EQ(r.rc, 0) << r.err;

  r = with({"--verify.receivers=checkout-critical"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_THAT(r.out, EndsWith("\ncheckout-critical,watchdog\n"
                              "WARNING: Expected receivers did not match resolved receivers.\n"));
  EXPECT_THAT(r.err, IsEmpty());

  // A string comparison, as amtool's: the order counts.
  r = with({"--verify.receivers=watchdog,checkout-critical"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(LastLine(r.out), "WARNING: Expected receivers did not match resolved receivers.");

  // An empty list verifies nothing (amtool: `expectedReceivers != ""`). (CLI11 reads
  // `--verify.receivers=` as taking the next argument, so the empty value stands alone here.)
  r = with({"--verify.receivers", ""});
  EXPECT_EQ(r.rc, 0) << r.err;
}

// amtool's printMatchingTree: "Matching routes:", treeprint's "." root, the walked branch with the
// receiver on the routes the alert ends on, then two empty lines; before the result.
TEST_F(RoutesTestCommandTest, TreePrintsTheMatchingBranchFirst) {
  CliResult r = Routes({"--tree", "service=checkout", "severity=critical", "alertname=Watchdog"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("Matching routes:\n"
                                ".\n"
                                "└── default-route\n"
                                "    ├── {service=\"checkout\"}\n"
                                "    │   └── {severity=\"critical\"}  receiver: checkout-critical\n"
                                "    └── {alertname=~\"Watch.*\"}  receiver: watchdog\n"
                                "\n"
                                "\n"
                                "alert {"));
  EXPECT_EQ(LastLine(r.out), "checkout-critical,watchdog");

  // `continue` with no deeper match: the checkout route is a leaf; the walk goes on to team="db"
  // past the non-matching Watch* route.
  r = Routes({"--tree", "service=checkout", "team=db"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("Matching routes:\n"
                                ".\n"
                                "└── default-route\n"
                                "    ├── {service=\"checkout\"}  receiver: checkout-pager\n"
                                "    └── {team=\"db\"}  receiver: db\n"
                                "\n\n"));
  EXPECT_EQ(LastLine(r.out), "checkout-pager,db");

  // Nothing below the root matches: the root is the leaf.
  r = Routes({"--tree", "service=web"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("Matching routes:\n.\n└── default-route  receiver: default\n\n\nalert {"));

  // With --verify.receivers, the tree still comes first and the warning last.
  r = Routes({"--tree", "--verify.receivers=db", "service=web"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_THAT(r.out, StartsWith("Matching routes:\n"));
  EXPECT_EQ(LastLine(r.out), "WARNING: Expected receivers did not match resolved receivers.");
}

// amtool parses each argument as a matcher and refuses all but `=`; quell says so and exits 2 (a
// usage error), before loading the config.
TEST_F(RoutesTestCommandTest, NonEqualityMatchersAreUsageErrors) {
  CliResult r = Routes({"service=checkout", "alertname=~Watch.*"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("routes test: \"alertname=~Watch.*\": labels must be specified as key=value "
                               "pairs, not =~ matchers"));
  EXPECT_THAT(r.err, HasSubstr("quote it: alertname=\"~Watch.*\""));

  r = Routes({"severity!=critical"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err,
              HasSubstr("\"severity!=critical\": labels must be specified as key=value pairs, not != matchers"));
  r = Routes({"severity!~crit.*"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("not !~ matchers"));

  // Not a matcher at all.
  r = Routes({"severity"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("routes test: \"severity\": want label=value"));
  r = Routes({"=critical"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("routes test: \"=critical\": want label=value"));

  // A usage error wins over a config that does not load.
  r = Cli({"routes", "test", "--config", (dir_ / "missing.yaml").string(), "alertname=~Watch.*"});
  EXPECT_EQ(r.rc, 2);
}

// Quoted values are values, as in amtool: `name="~v"` is the label value "~v".
TEST_F(RoutesTestCommandTest, QuotedValuesAreLiteral) {
  CliResult r = Routes({"alertname=\"~Watch.*\""});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("alert {alertname=\"~Watch.*\"}\n"));
  EXPECT_EQ(LastLine(r.out), "default");  // "~Watch.*" does not match alertname=~"Watch.*".

  r = Routes({"alertname=Watch=dog"});  // Everything after the first `=` is the value.
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(LastLine(r.out), "watchdog");
}

// amtool fills a map: a label given twice keeps its last value (and an empty one drops it).
TEST_F(RoutesTestCommandTest, RepeatedLabelKeepsTheLastValue) {
  CliResult r = Routes({"service=checkout", "severity=warning", "severity=critical"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("alert {service=\"checkout\", severity=\"critical\"}\n"));
  EXPECT_EQ(LastLine(r.out), "checkout-critical");

  r = Routes({"service=checkout", "severity=critical", "severity="});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("alert {service=\"checkout\"}\n"));
  EXPECT_EQ(LastLine(r.out), "checkout-pager");
}

// amtool takes no labels at all and routes the empty label set; so does quell.
TEST_F(RoutesTestCommandTest, NoLabelsRoutesTheEmptyLabelSet) {
  CliResult r = Routes({});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("alert {}\n"));
  EXPECT_EQ(LastLine(r.out), "default");

  r = Routes({"--tree", "--verify.receivers=default"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("Matching routes:\n.\n└── default-route  receiver: default\n\n\n"));

  // Without --config: the embedded default.
  r = Cli({"routes", "test"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("alert {}\n"));
}

// --config is unchanged: a file that does not load exits 1 with its error; CLI11's usage errors
// exit 2.
TEST_F(RoutesTestCommandTest, ConfigAndUsageErrors) {
  CliResult r = Cli({"routes", "test", "--config", (dir_ / "missing.yaml").string(), "service=checkout"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.yaml"));
  EXPECT_THAT(r.out, IsEmpty());

  EXPECT_EQ(Routes({"--bogus", "service=checkout"}).rc, 2);
  EXPECT_EQ(Routes({"--tree=yes-please"}).rc, 2);
  EXPECT_EQ(Routes({"service=checkout", "--verify.receivers"}).rc, 2);  // Needs a value.
  EXPECT_EQ(Cli({"routes", "test", "--help"}).rc, 0);
}

}  // namespace
}  // namespace quell::app
