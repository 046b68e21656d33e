#include "core/media_type.h"

#include "gtest/gtest.h"

namespace quell::core {
namespace {

TEST(MediaTypeTest, IgnoresParametersSpacesAndCase) {
  EXPECT_TRUE(MediaTypeIs("application/json", "application/json"));
  EXPECT_TRUE(MediaTypeIs(" Application/JSON ; charset=utf-8", "application/json"));
  EXPECT_TRUE(MediaTypeIs("application/x-www-form-urlencoded;charset=UTF-8", "application/x-www-form-urlencoded"));
  EXPECT_FALSE(MediaTypeIs("application/json-seq", "application/json"));
  EXPECT_FALSE(MediaTypeIs("text/json", "application/json"));
  EXPECT_FALSE(MediaTypeIs("", "application/json"));
}

}  // namespace
}  // namespace quell::core
