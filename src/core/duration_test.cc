#include "core/duration.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::core {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DurationTest, ParsesPrometheusSyntax) {
  EXPECT_EQ(*ParseDuration("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("1d"), absl::Hours(24));
  EXPECT_EQ(*ParseDuration("2w"), absl::Hours(24 * 14));
  EXPECT_EQ(*ParseDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("1m30s500ms"), absl::Milliseconds(90500));
}

TEST(DurationTest, RejectsBadInput) {
  EXPECT_THAT(ParseDuration(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(ParseDuration("5"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unit")));
  EXPECT_THAT(ParseDuration("5x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDuration("-5m"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid duration \"-5m\": negative durations are not allowed")));
  EXPECT_THAT(ParseDuration("30s1m"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("largest first")));
  EXPECT_THAT(ParseDuration("1.5h"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DurationTest, FormatRoundTrips) {
  for (absl::Duration d : {absl::Minutes(90), absl::Milliseconds(250), absl::Seconds(0),
                           absl::Hours(24 * 8) + absl::Seconds(1)}) {
    EXPECT_EQ(*ParseDuration(DurationToString(d)), d) << DurationToString(d);
  }
  EXPECT_EQ(DurationToString(absl::Minutes(90)), "1h30m");
}

}  // namespace
}  // namespace quell::core
