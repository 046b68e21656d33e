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

// A tab in the indentation is named, whatever yaml-cpp's own message says.
TEST(YamlNodeTest, TabIndentationIsNamed) {
  EXPECT_THAT(YamlNode::LoadString("route:\n  receiver: a\n  routes:\n\t- receiver: b\n", "t.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 4 indents with a tab")));
  EXPECT_THAT(YamlNode::LoadString("route:\n\treceiver: console\n", "t.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2 indents with a tab")));
  // A tab inside a value is no indentation.
  EXPECT_THAT(YamlNode::LoadString("a: [1, 2\nb: \"x\ty\"\n", "t.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::Not(HasSubstr("tab"))));
}

// YAML merge keys, as alertmanager.yml files use them to share route settings: the map's own keys
// win, then the merged maps' in list order; the merged keys keep their own positions.
TEST(YamlNodeTest, MergeKeysAreResolved) {
  auto root = YamlNode::LoadString(
      "base: &b {receiver: a, group_wait: 30s}\n"
      "other: &o {group_wait: 1m, repeat_interval: 4h}\n"
      "routes:\n"
      "  - <<: *b\n"
      "    matchers: [x=\"1\"]\n"
      "  - <<: [*b, *o]\n"
      "    receiver: c\n"
      "  - {'<<': 1}\n",
      "m.yaml");
  ASSERT_TRUE(root.ok()) << root.status();
  std::vector<YamlNode> routes = root->Child("routes")->Items();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_TRUE(routes[0].CheckKeys("route", {"receiver", "group_wait", "matchers"}).ok());
  std::string receiver, wait, repeat;
  ASSERT_TRUE(routes[0].ReadString("receiver", &receiver).ok());
  EXPECT_EQ(receiver, "a");
  ASSERT_TRUE(routes[1].ReadString("receiver", &receiver).ok());
  EXPECT_EQ(receiver, "c");
  ASSERT_TRUE(routes[1].ReadString("group_wait", &wait).ok());
  EXPECT_EQ(wait, "30s");  // *b comes first in the list.
  ASSERT_TRUE(routes[1].ReadString("repeat_interval", &repeat).ok());
  EXPECT_EQ(repeat, "4h");
  EXPECT_EQ(routes[1].Child("repeat_interval")->location().line, 2);  // Where *o wrote it.
  EXPECT_TRUE(routes[2].Child("<<").has_value());  // Quoted: an ordinary key.
  EXPECT_THAT(YamlNode::LoadString("a:\n  <<: 5\n", "m.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("m.yaml:2:7: merge key")));
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
