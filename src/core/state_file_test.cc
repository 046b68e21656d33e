#include "core/state_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace quell::core {
namespace {

namespace fs = std::filesystem;

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quell_state_file_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StateFileTest, MissingFileIsNoSnapshot) {
  auto r = ReadStateFile((dir_ / "none.json").string());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());
}

TEST_F(StateFileTest, WriteReplacesWholeFileAndLeavesNoTemporary) {
  const std::string path = (dir_ / "state.json").string();
  ASSERT_TRUE(WriteStateFile(path, "first, longer content").ok());
  ASSERT_TRUE(WriteStateFile(path, "second").ok());
  auto r = ReadStateFile(path);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, "second");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // State may hold alert labels: owner only.
}

TEST_F(StateFileTest, UnwritableDirectoryIsUnavailableAndKeepsTheOldSnapshot) {
  const std::string path = (dir_ / "state.json").string();
  ASSERT_TRUE(WriteStateFile(path, "old").ok());
  const std::string missing = (dir_ / "no" / "such" / "dir" / "state.json").string();
  absl::Status st = WriteStateFile(missing, "new");
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_NE(st.message().find("state.json.tmp"), std::string_view::npos) << st;
  auto r = ReadStateFile(path);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ(**r, "old");
}

TEST_F(StateFileTest, DirectoryInPlaceOfFileIsDataLoss) {
  const std::string path = (dir_ / "a_dir").string();
  fs::create_directories(path);
  auto r = ReadStateFile(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
}

}  // namespace
}  // namespace quell::core
