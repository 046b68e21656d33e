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
  EXPECT_THAT(Matcher::Parse(R"(="x")"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label name")));
  EXPECT_THAT(Matcher::Parse(R"(a=~"(")"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("regular expression")));
  // A quote in a bare value is a typo Alertmanager refuses ("unescaped double quote"): such a
  // route or silence would never match what its author meant.
  for (const char* typo : {R"(service=="api")", R"(service=api")", R"(service=foo"bar)"}) {
    EXPECT_THAT(Matcher::Parse(typo), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unescaped double quote")))
        << typo;
  }
  ASSERT_OK_AND_ASSIGN(Matcher escaped, Matcher::Parse(R"(service=foo\"bar)"));
  EXPECT_EQ(escaped.value(), R"(foo\"bar)");  // Bare values are taken as written.
}

TEST(MatcherTest, BraceListAndRouteKeyRendering) {
  ASSERT_OK_AND_ASSIGN(Matchers ms, ParseMatcherText(R"({b="2", a=~"x,y"})"));
  ASSERT_EQ(ms.size(), 2u);
  SortMatchers(&ms);
  EXPECT_EQ(MatchersToString(ms), R"({a=~"x,y",b="2"})");
}

}  // namespace
}  // namespace quell::correlate

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

// Quell's alerts carry label names Alertmanager 0.25 refuses (Datadog tags such as
// availability-zone, OTLP attributes such as service.name): matchers accept every name an alert
// can have, unquoted (no whitespace, braces, comma, =, !, ~ or ") or double-quoted as newer
// Alertmanager's UTF-8 matchers write them, and render such names quoted so they parse back.
TEST(MatcherTest, AcceptsEveryLabelNameAnAlertCanCarry) {
  core::LabelSet l{{"availability-zone", "eu-1a"}, {"service.name", "checkout"}, {"a b", "c"}};
  ASSERT_OK_AND_ASSIGN(Matcher dotted, Matcher::Parse(R"(service.name="checkout")"));
  ASSERT_OK_AND_ASSIGN(Matcher dashed, Matcher::Parse(R"(availability-zone=~"eu-.*")"));
  ASSERT_OK_AND_ASSIGN(Matcher quoted, Matcher::Parse(R"("service.name"="checkout")"));
  ASSERT_OK_AND_ASSIGN(Matcher spaced, Matcher::Parse(R"( "a b" != "d" )"));
  ASSERT_OK_AND_ASSIGN(Matcher digit, Matcher::Parse(R"(1st="x")"));
  EXPECT_EQ(dotted.name(), "service.name");
  EXPECT_EQ(quoted.name(), "service.name");
  EXPECT_EQ(spaced.name(), "a b");
  EXPECT_EQ(digit.name(), "1st");
  EXPECT_TRUE(dotted.Matches(l.view()));
  EXPECT_TRUE(dashed.Matches(l.view()));
  EXPECT_TRUE(quoted.Matches(l.view()));
  EXPECT_TRUE(spaced.Matches(l.view()));
  // Names outside [a-zA-Z_][a-zA-Z0-9_]* render quoted, and parse back to the same matcher.
  EXPECT_EQ(dotted.ToString(), R"("service.name"="checkout")");
  EXPECT_EQ(spaced.ToString(), R"("a b"!="d")");
  ASSERT_OK_AND_ASSIGN(Matcher escaped, Matcher::Parse(R"("say \"hi\""="x")"));
  EXPECT_EQ(escaped.name(), "say \"hi\"");
  for (const Matcher* m : {&dotted, &dashed, &spaced, &digit, &escaped}) {
    ASSERT_OK_AND_ASSIGN(Matcher back, Matcher::Parse(m->ToString()));
    EXPECT_EQ(back.name(), m->name());
    EXPECT_EQ(back.value(), m->value());
    EXPECT_EQ(back.type(), m->type());
  }
  ASSERT_OK_AND_ASSIGN(Matchers list, ParseMatcherText(R"({"service.name"="a,b", zone!~"x"})"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].value(), "a,b");
  // Create takes any non-empty name (the silence JSON's name field).
  EXPECT_OK(Matcher::Create(MatchType::kEqual, "k8s.pod/name", "x").status());
  EXPECT_THAT(Matcher::Create(MatchType::kEqual, "", "x"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("label name")));
}

// The forms amtool and people send (`filter=alertname="x"` and the rest) parse as before; a
// backslash before another character than n, " or \ stays, as Alertmanager keeps it (`\d`).
TEST(MatcherTest, ParsesTheFormsAmtoolSends) {
  struct Case {
    std::string_view text, name, value;
    MatchType type;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"(alertname="x")", "alertname", "x", MatchType::kEqual},
           {"alertname=x", "alertname", "x", MatchType::kEqual},
           {R"(  alertname = "x"  )", "alertname", "x", MatchType::kEqual},
           {R"(alertname=~"Disk.*")", "alertname", "Disk.*", MatchType::kRegexp},
           {R"(team!="")", "team", "", MatchType::kNotEqual},
           {"team!~db|web", "team", "db|web", MatchType::kNotRegexp},
           {R"(msg="a, \"b\"\n")", "msg", "a, \"b\"\n", MatchType::kEqual},
           {R"(code=~"5\d\d")", "code", R"(5\d\d)", MatchType::kRegexp},
           {R"(path="C:\\tmp")", "path", R"(C:\tmp)", MatchType::kEqual},
       }) {
    ASSERT_OK_AND_ASSIGN(Matcher m, Matcher::Parse(c.text));
    EXPECT_EQ(m.name(), c.name) << c.text;
    EXPECT_EQ(m.value(), c.value) << c.text;
    EXPECT_EQ(m.type(), c.type) << c.text;
  }
  ASSERT_OK_AND_ASSIGN(Matcher code, Matcher::Parse(R"(code=~"5\d\d")"));
  EXPECT_TRUE(code.Matches(std::string_view("503")));
  for (std::string_view bad : {R"(="x")", R"(""="x")", "alertname", R"("open="x")", R"(a{b="c")", R"(a="x)"}) {
    EXPECT_THAT(Matcher::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace quell::correlate
