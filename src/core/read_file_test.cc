#include "core/read_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::core {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ReadFileTest, ReadsEveryByte) {
  const std::string path = ::testing::TempDir() + "/read_file_test.bin";
  std::string bytes(200 * 1024, '\0');  // Over one read buffer, with NULs and high bytes.
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131);
  { std::ofstream(path, std::ios::binary) << bytes; }
  auto got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, bytes);
  { std::ofstream(path, std::ios::binary | std::ios::trunc); }
  got = ReadFile(path);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  std::filesystem::remove(path);
}

TEST(ReadFileTest, ErrorsNameThePathAndTheReason) {
  EXPECT_THAT(ReadFile("/nonexistent-dir/x.yaml"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent-dir/x.yaml: cannot read file: No such file or directory")));
  // A directory opens but cannot be read.
  EXPECT_THAT(ReadFile(::testing::TempDir()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot read file: Is a directory")));
}

}  // namespace
}  // namespace quell::core
