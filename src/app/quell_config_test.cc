// LoadConfig's cross-section derivations: the runbook link prefix the engine builds
// Notification::runbook_url from (correlate.runbook_base_url, else runbooks.base_url, else
// file://<absolute runbooks dir>/), checked on the notification a Shard built from the loaded rules
// sends, which is what PagerDuty `links`, Slack's "Runbook:" line and the webhook payload read.
#include "app/quell_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_time.h"
#include "correlate/compiled_rules.h"
#include "correlate/shard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::app {
namespace {

constexpr char kRoute[] = R"(route:
  receiver: pager
  group_by: [alertname]
  group_wait: 30s
  runbook: default.md
receivers:
  - name: pager
correlate:
  allowed_lateness: 0s
)";

class Recorder : public core::NotificationSink {
 public:
  void Send(core::Notification n) override { out.push_back(std::move(n)); }
  std::vector<core::Notification> out;
};

core::EventTime T(std::string_view s) { return core::EventTime::FromAbsl(*core::ParseRfc3339(s)); }

// Loads kRoute followed by `extra` (more `correlate:` keys, then other sections).
absl::StatusOr<QuellConfig> Load(const std::string& extra) {
  return LoadConfigString(std::string(kRoute) + extra, "quell.yaml", ".");
}

// The runbook_url of the first page a firing alert gets under `cfg`.
std::string FirstPageRunbookUrl(const QuellConfig& cfg) {
  Recorder rec;
  correlate::Shard shard(correlate::CompiledRules::Build(cfg.rules), &rec, nullptr);
  core::SignalBatch b;
  core::Signal& s = b.Add();
  s.kind = core::SignalKind::kAlert;
  s.format = core::Format::kAlertmanager;
  s.state = core::SignalState::kFiring;
  s.event_time = T("2026-01-05T10:00:00Z");
  b.AddLabelCopy("alertname", "A");
  b.FinishLabels();
  shard.Process(b);
  shard.AdvanceWatermark(T("2026-01-05T10:01:00Z"));
  if (rec.out.size() != 1u) return "<" + std::to_string(rec.out.size()) + " notifications>";
  EXPECT_EQ(rec.out[0].runbook, "default.md");
  return rec.out[0].runbook_url;
}

const std::string kRunbooksDir = std::string(QUELL_SOURCE_DIR) + "/runbooks";

// QA repro: runbooks.base_url alone was ignored, so pages had no runbook link.
TEST(QuellConfigTest, RunbooksBaseUrlLinksNotifications) {
  absl::StatusOr<QuellConfig> cfg =
      Load("runbooks:\n  dir: " + kRunbooksDir + "\n  base_url: https://git.example.com/ops/runbooks/\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->rules.settings.runbook_base_url, "https://git.example.com/ops/runbooks/");
  EXPECT_EQ(FirstPageRunbookUrl(*cfg), "https://git.example.com/ops/runbooks/default.md");
}

TEST(QuellConfigTest, RunbooksBaseUrlGetsTrailingSlash) {
  absl::StatusOr<QuellConfig> cfg =
      Load("runbooks:\n  dir: " + kRunbooksDir + "\n  base_url: https://git.example.com/ops/runbooks\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(FirstPageRunbookUrl(*cfg), "https://git.example.com/ops/runbooks/default.md");
}

// Without base_url the link is the documented default, file://<absolute dir>/ + name.
TEST(QuellConfigTest, RunbookUrlDefaultsToFileUrlOfDir) {
  absl::StatusOr<QuellConfig> cfg = Load("runbooks:\n  dir: " + kRunbooksDir + "\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  std::string dir = std::filesystem::absolute(kRunbooksDir).lexically_normal().string();
  EXPECT_EQ(FirstPageRunbookUrl(*cfg), "file://" + dir + "/default.md");
}

// correlate.runbook_base_url, when set, wins over runbooks.base_url and is used as written (a
// prefix: no '/' is added).
TEST(QuellConfigTest, CorrelateRunbookBaseUrlWinsOverRunbooksBaseUrl) {
  absl::StatusOr<QuellConfig> cfg = LoadConfigString(
      std::string(kRoute) + "  runbook_base_url: https://wiki.example.com/rb?page=\n" +
          "runbooks:\n  dir: " + kRunbooksDir + "\n  base_url: https://git.example.com/ops/runbooks/\n",
      "quell.yaml", ".");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->rules.settings.runbook_base_url, "https://wiki.example.com/rb?page=");
  EXPECT_EQ(FirstPageRunbookUrl(*cfg), "https://wiki.example.com/rb?page=default.md");
}

// Runtime::Reload (and start, replay, backtest, test-rules) load the file through LoadConfig: it
// derives the prefix the same way, so a reload that changes runbooks.base_url changes the links.
TEST(QuellConfigTest, LoadConfigFileDerivesRunbookPrefix) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("quell_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "quell.yaml").string();
  std::ofstream(path) << kRoute << "runbooks:\n  dir: " << kRunbooksDir << "\n  base_url: https://a.example.com/rb\n";
  absl::StatusOr<QuellConfig> first = LoadConfig(path);
  std::ofstream(path) << kRoute << "runbooks:\n  dir: " << kRunbooksDir << "\n  base_url: https://b.example.com/rb/\n";
  absl::StatusOr<QuellConfig> reloaded = LoadConfig(path);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(FirstPageRunbookUrl(*first), "https://a.example.com/rb/default.md");
  EXPECT_EQ(FirstPageRunbookUrl(*reloaded), "https://b.example.com/rb/default.md");
}

// The embedded default's bundled files (runbooks, sample stream) when `quell run` starts outside
// the repository: found beside the binary, while the working directory still holds the state.
class EmbeddedDefaultResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("quell_embedded_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "elsewhere");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A resource directory under dir_ with its own runbook and sample stream.
  std::filesystem::path MakeResources(const std::string& name) {
    const std::filesystem::path root = dir_ / name;
    std::filesystem::create_directories(root / "runbooks");
    std::filesystem::create_directories(root / "config");
    std::ofstream(root / "runbooks" / "default.md") << "# default\n";
    std::ofstream(root / "config" / "sample-stream.ndjson") << "";
    return root;
  }
  std::filesystem::path dir_;
};

TEST_F(EmbeddedDefaultResourcesTest, WorkingDirectoryWinsWhenItHoldsThem) {
  EXPECT_EQ(FindEmbeddedDefaultResources(QUELL_SOURCE_DIR, "/nonexistent/bin/quell"), "");
}

TEST_F(EmbeddedDefaultResourcesTest, BuildTreeAndInstalledLayoutsBesideTheBinary) {
  const std::filesystem::path tree = MakeResources("tree");  // tree/build/bin/quell
  EXPECT_EQ(FindEmbeddedDefaultResources((dir_ / "elsewhere").string(), (tree / "build" / "bin" / "quell").string()),
            std::filesystem::weakly_canonical(tree).string());
  const std::filesystem::path prefix = dir_ / "prefix";  // prefix/bin/quell, prefix/share/quell/...
  std::filesystem::create_directories(prefix / "bin");
  std::filesystem::create_directories(prefix / "share");
  const std::filesystem::path share = MakeResources("prefix/share/quell");
  EXPECT_EQ(FindEmbeddedDefaultResources((dir_ / "elsewhere").string(), (prefix / "bin" / "quell").string()),
            std::filesystem::weakly_canonical(share).string());
  EXPECT_EQ(FindEmbeddedDefaultResources((dir_ / "elsewhere").string(), (dir_ / "nowhere" / "quell").string()), "");
}

TEST_F(EmbeddedDefaultResourcesTest, LoadReadsRunbooksAndSampleFromTheResourceDir) {
  const std::filesystem::path root = MakeResources("res");
  absl::StatusOr<QuellConfig> cfg = LoadEmbeddedDefaultFrom(root.string());
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->sinks.runbooks.dir, (root / "runbooks").string());
  EXPECT_EQ(cfg->replay.file, (root / "config" / "sample-stream.ndjson").string());
  EXPECT_THAT(cfg->rules.settings.runbook_base_url, ::testing::StartsWith("file://" + (root / "runbooks").string()));
  // State stays where Quell runs.
  EXPECT_EQ(cfg->rules.settings.state_file, "quell-state/correlation.json");
  // A resource directory without the runbook is an error naming it, even though the working
  // directory (the repository root, in tests) has one.
  absl::StatusOr<QuellConfig> missing = LoadEmbeddedDefaultFrom((dir_ / "elsewhere").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), ::testing::HasSubstr("default.md"));
}

}  // namespace
}  // namespace quell::app
