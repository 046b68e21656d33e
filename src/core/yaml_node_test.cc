#include "core/yaml_node.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::core {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

TEST(YamlNodeTest, UnknownKeyPointsAtTheKey) {
  auto root = YamlNode::LoadString("route:\n  receiver: a\n  group_bye: [x]\n", "rules.yaml");
  ASSERT_TRUE(root.ok());
  auto route = root->Child("route");
  ASSERT_TRUE(route.has_value());
  EXPECT_THAT(route->CheckKeys("route", {"receiver", "group_by"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules.yaml:3:3: route: unknown key \"group_bye\"")));
}

TEST(YamlNodeTest, SyntaxErrorHasPosition) {
  auto root = YamlNode::LoadString("a: [1, 2\nb: c\n", "bad.yaml");
  EXPECT_THAT(root, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.yaml:")));
}

TEST(YamlNodeTest, ReadersKeepDefaultsAndNameTheField) {
  auto root = YamlNode::LoadString("group_wait: 30s\nrepeat: often\nn: 3\n", "c.yaml");
  ASSERT_TRUE(root.ok());
  absl::Duration wait = absl::Seconds(1), interval = absl::Minutes(5), repeat;
  int64_t n = 0;
  EXPECT_TRUE(root->ReadDuration("group_wait", &wait).ok());
  EXPECT_EQ(wait, absl::Seconds(30));
  EXPECT_TRUE(root->ReadDuration("group_interval", &interval).ok());
  EXPECT_EQ(interval, absl::Minutes(5));
  EXPECT_THAT(root->ReadDuration("repeat", &repeat),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("c.yaml:2:9: repeat: invalid duration \"often\"")));
  EXPECT_TRUE(root->ReadInt("n", &n).ok());
  EXPECT_EQ(n, 3);
}

TEST(YamlNodeTest, DuplicateKeyIsAnError) {
  auto root = YamlNode::LoadString("a: 1\na: 2\n", "d.yaml");
  ASSERT_TRUE(root.ok());
  EXPECT_THAT(root->CheckKeys("top", {"a"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("d.yaml:2:1: top: key \"a\" is given twice")));
}

}  // namespace
}  // namespace quell::core
