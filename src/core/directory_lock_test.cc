// src/core/directory_lock_test.cc
#include "core/directory_lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::core {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

std::string TempDir(std::string_view name) {
  auto p = std::filesystem::temp_directory_path() / fmt::format("quell_lock_{}_{}", name, ::getpid());
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

TEST(DirectoryLockTest, OneHolderAtATimeAndReleasedWithTheObject) {
  const std::string dir = TempDir("one");
  auto first = DirectoryLock::Acquire(dir, "outbox");
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->held());
  EXPECT_THAT(DirectoryLock::Acquire(dir, "outbox"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(fmt::format("outbox: {} is in use by another Quell process (pid {})", dir, ::getpid()))));
  DirectoryLock moved = std::move(*first);
  EXPECT_TRUE(moved.held());
  EXPECT_FALSE(first->held());
  EXPECT_THAT(DirectoryLock::Acquire(dir, "outbox"), StatusIs(absl::StatusCode::kFailedPrecondition));
  moved = DirectoryLock();
  EXPECT_THAT(DirectoryLock::Acquire(dir, "outbox"), IsOk());
  std::filesystem::remove_all(dir);
}

// Another process holds it while it runs; once it is killed (no cleanup), the lock is free.
TEST(DirectoryLockTest, AnotherProcessHoldsItUntilItDies) {
  const std::string dir = TempDir("proc");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = DirectoryLock::Acquire(dir, "journal");
    char c = lock.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_THAT(DirectoryLock::Acquire(dir, "journal"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(fmt::format("(pid {})", child))));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_THAT(DirectoryLock::Acquire(dir, "journal"), IsOk());
  ::close(ready[0]);
  ::close(ready[1]);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quell::core
