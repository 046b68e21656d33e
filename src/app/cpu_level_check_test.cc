#include "app/cpu_level_check.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace quell::app {
namespace {

bool HasEverything(const char*) { return true; }
bool HasNothing(const char*) { return false; }
bool LacksAvx2(const char* f) { return std::strcmp(f, "avx2") != 0; }
bool LacksPclmul(const char* f) { return std::strcmp(f, "pclmul") != 0; }

TEST(CpuLevelCheckTest, NamesTheFirstMissingFeatureOfTheLevel) {
  EXPECT_EQ(FirstMissingCpuFeature(3, HasEverything), "");
  EXPECT_EQ(FirstMissingCpuFeature(3, LacksAvx2), "avx2");
  EXPECT_EQ(FirstMissingCpuFeature(3, HasNothing), "sse3");  // v2's features are checked first.
  EXPECT_EQ(FirstMissingCpuFeature(3, LacksPclmul), "pclmul");
  EXPECT_EQ(FirstMissingCpuFeature(2, LacksAvx2), "");  // v2 does not need AVX2...
  EXPECT_EQ(FirstMissingCpuFeature(2, LacksPclmul), "pclmul");  // ...but simdjson's kernels need PCLMUL.
  EXPECT_EQ(FirstMissingCpuFeature(1, HasNothing), "");
}

TEST(CpuLevelCheckTest, ThisMachineRunsThisBuild) {
  // The test binary itself is compiled for the build's level: it only got here on a CPU that has
  // the level's instructions, and the check must agree.
  EXPECT_TRUE(CpuRunsThisBuild());
#if defined(__x86_64__) && defined(__AVX2__)
  EXPECT_EQ(BuiltX86Level(), 3);
#endif
}

}  // namespace
}  // namespace quell::app
