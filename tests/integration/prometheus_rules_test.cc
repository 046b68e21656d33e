// config/prometheus/quell-alerts.yaml: promtool accepts it, every alert names a runbook that exists,
// and every metric an alert uses is one Quell exports (src/app/metrics_sources.cc).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kRules = std::string(QUELL_SOURCE_DIR) + "/config/prometheus/quell-alerts.yaml";

TEST(PrometheusRulesTest, PromtoolChecksTheRules) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  std::string out = ::testing::TempDir() + "/promtool_rules.out";
  int rc = std::system(("promtool check rules " + kRules + " > " + out + " 2>&1").c_str());
  EXPECT_EQ(rc, 0) << Read(out);
}

TEST(PrometheusRulesTest, EveryAlertHasAnExistingRunbookAndKnownMetrics) {
  YAML::Node doc = YAML::LoadFile(kRules);
  std::string exported = Read(std::string(QUELL_SOURCE_DIR) + "/src/app/metrics_sources.cc");
  int alerts = 0;
  for (const auto& group : doc["groups"]) {
    for (const auto& rule : group["rules"]) {
      ++alerts;
      std::string name = rule["alert"].as<std::string>();
      std::string runbook = rule["annotations"]["runbook_url"].as<std::string>("");
      ASSERT_FALSE(runbook.empty()) << name << " has no runbook_url";
      EXPECT_TRUE(std::filesystem::is_regular_file(std::string(QUELL_SOURCE_DIR) + "/" + runbook))
          << name << ": runbook " << runbook << " does not exist";
      std::string expr = rule["expr"].as<std::string>();
      std::regex metric("quell_[a-z_]+");
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric); it != std::sregex_iterator(); ++it) {
        EXPECT_NE(exported.find("\"" + it->str() + "\""), std::string::npos)
            << name << " uses " << it->str() << ", which Quell does not export";
      }
    }
  }
  EXPECT_GE(alerts, 5);
}

}  // namespace
