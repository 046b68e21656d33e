#include "correlate/matcher.h"

#include "core/label_set.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

TEST(MatcherTest, ParsesAllOperators) {
  core::LabelSet l{{"service", "api"}, {"severity", "critical"}};
  ASSERT_OK_AND_ASSIGN(Matcher eq, Matcher::Parse(R"(severity="critical")"));
  ASSERT_OK_AND_ASSIGN(Matcher ne, Matcher::Parse(R"(severity!="critical")"));
  ASSERT_OK_AND_ASSIGN(Matcher re, Matcher::Parse(R"(service=~"api|web")"));
  ASSERT_OK_AND_ASSIGN(Matcher nre, Matcher::Parse(R"(service!~"api|web")"));
  EXPECT_TRUE(eq.Matches(l.view()));
  EXPECT_FALSE(ne.Matches(l.view()));
  EXPECT_TRUE(re.Matches(l.view()));
  EXPECT_FALSE(nre.Matches(l.view()));
}

TEST(MatcherTest, RegexIsAnchoredLikeAlertmanager) {
  ASSERT_OK_AND_ASSIGN(Matcher re, Matcher::Parse(R"(service=~"api")"));
  EXPECT_TRUE(re.Matches(std::string_view("api")));
  EXPECT_FALSE(re.Matches(std::string_view("api2")));
  EXPECT_FALSE(re.Matches(std::string_view("xapi")));
}

TEST(MatcherTest, MissingLabelMatchesAsEmpty) {
  core::LabelSet l{{"service", "api"}};
  ASSERT_OK_AND_ASSIGN(Matcher ne, Matcher::Parse(R"(team!="x")"));
  ASSERT_OK_AND_ASSIGN(Matcher eq_empty, Matcher::Parse(R"(team="")"));
  EXPECT_TRUE(ne.Matches(l.view()));
  EXPECT_TRUE(eq_empty.Matches(l.view()));
}

TEST(MatcherTest, UnquotedValueAndEscapes) {
  ASSERT_OK_AND_ASSIGN(Matcher m, Matcher::Parse("env=prod"));
  EXPECT_EQ(m.value(), "prod");
  ASSERT_OK_AND_ASSIGN(Matcher q, Matcher::Parse(R"(msg="say \"hi\"")"));
  EXPECT_EQ(q.value(), "say \"hi\"");
  EXPECT_EQ(q.ToString(), R"(msg="say \"hi\"")");
}

TEST(MatcherTest, Errors) {
  EXPECT_THAT(Matcher::Parse("no operator"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Matcher::Parse(R"(1bad="x")"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label name")));
  EXPECT_THAT(Matcher::Parse(R"(a=~"(")"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("regular expression")));
}

TEST(MatcherTest, BraceListAndRouteKeyRendering) {
  ASSERT_OK_AND_ASSIGN(Matchers ms, ParseMatcherText(R"({b="2", a=~"x,y"})"));
  ASSERT_EQ(ms.size(), 2u);
  SortMatchers(&ms);
  EXPECT_EQ(MatchersToString(ms), R"({a=~"x,y",b="2"})");
}

}  // namespace
}  // namespace quell::correlate
