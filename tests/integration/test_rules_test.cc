// `quell test rules`: the shipped rule tests pass, and a wrong expectation fails with a diff.
#include <cstdio>
#include <fstream>

#include "app/commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::app {
namespace {

using ::testing::HasSubstr;

std::string Capture(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  return out;
}

TEST(TestRulesTest, ShippedRuleTestsPass) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  int rc = RunTestRules({std::string(QUELL_SOURCE_DIR) + "/config/tests/quell-rules-test.yaml"}, out, err);
  std::string text = Capture(out) + Capture(err);
  EXPECT_EQ(rc, 0) << text;
  EXPECT_THAT(text, HasSubstr("4 passed, 0 failed"));
  std::fclose(out);
  std::fclose(err);
}

TEST(TestRulesTest, WrongExpectationFailsWithADiff) {
  std::string path = ::testing::TempDir() + "/wrong_rules_test.yaml";
  {
    std::ofstream f(path);
    f << "config: " << QUELL_SOURCE_DIR << "/config/quell.yaml\n"
      << "tests:\n"
      << "  - name: expects the wrong receiver\n"
      << "    input:\n"
      << "      - {at: 0s, labels: {alertname: A, service: s, severity: critical}}\n"
      << "    expect:\n"
      << "      - {receiver: console, status: firing}\n";
  }
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  int rc = RunTestRules({path}, out, err);
  std::string text = Capture(out) + Capture(err);
  EXPECT_EQ(rc, 1) << text;
  EXPECT_THAT(text, HasSubstr("FAIL"));
  EXPECT_THAT(text, HasSubstr("- expected"));
  EXPECT_THAT(text, HasSubstr("+ got:      {receiver: pages, status: firing"));
  EXPECT_THAT(text, HasSubstr("0 passed, 1 failed"));
  std::fclose(out);
  std::fclose(err);
}

}  // namespace
}  // namespace quell::app
