// src/sinks/runbooks_test.cc
#include "sinks/runbooks.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::sinks {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;

TEST(RunbooksTest, ValidateRunbook) {
  auto dir = std::filesystem::temp_directory_path() / ("quell_runbooks_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "db");
  std::ofstream(dir / "checkout.md") << "# Checkout\n";
  std::ofstream(dir / "db" / "replica-lag.md") << "# Lag\n";
  EXPECT_THAT(ValidateRunbook(dir.string(), "checkout.md"), IsOk());
  EXPECT_THAT(ValidateRunbook(dir.string(), "db/replica-lag.md"), IsOk());
  EXPECT_THAT(ValidateRunbook(dir.string(), "missing.md"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ValidateRunbook(dir.string(), "db"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateRunbook(dir.string(), "../etc/passwd"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateRunbook(dir.string(), "/etc/passwd"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateRunbook(dir.string(), ""), StatusIs(absl::StatusCode::kInvalidArgument));
  std::filesystem::remove_all(dir);
}

TEST(RunbooksTest, RunbookBaseUrl) {
  RunbookConfig c;
  c.base_url = "https://git.example.com/ops/quell/-/blob/main/runbooks";
  EXPECT_EQ(RunbookBaseUrl(c), "https://git.example.com/ops/quell/-/blob/main/runbooks/");
  c.base_url = "https://git.example.com/ops/runbooks/";
  EXPECT_EQ(RunbookBaseUrl(c), "https://git.example.com/ops/runbooks/");
  RunbookConfig local;
  local.dir = "/srv/quell/runbooks";
  EXPECT_EQ(RunbookBaseUrl(local), "file:///srv/quell/runbooks/");
  RunbookConfig relative;  // dir "runbooks", relative to the working directory.
  EXPECT_EQ(RunbookBaseUrl(relative), "file://" + (std::filesystem::current_path() / "runbooks").string() + "/");
}

TEST(RunbooksTest, RepositoryRunbooksValidate) {
  // Every runbook shipped in the repository's runbooks/ directory passes validation.
  std::filesystem::path dir = std::filesystem::path(QUELL_SOURCE_DIR) / "runbooks";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no runbooks/ directory in this checkout";
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto rel = std::filesystem::relative(e.path(), dir).string();
    EXPECT_THAT(ValidateRunbook(dir.string(), rel), IsOk()) << rel;
    ++n;
  }
  EXPECT_GE(n, 0);
}

}  // namespace
}  // namespace quell::sinks
