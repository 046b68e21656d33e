#include "correlate/time_interval.h"

#include "core/event_time.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;
using ::testing::HasSubstr;

absl::Time T(std::string_view s) { return *core::ParseRfc3339(s); }

TEST(TimeIntervalTest, WeekdaysTimesAndLocation) {
  ASSERT_OK_AND_ASSIGN(core::YamlNode n, core::YamlNode::LoadString(R"(
- name: business
  time_intervals:
    - weekdays: ['monday:friday']
      times: [{start_time: '09:00', end_time: '17:00'}]
      location: Europe/Berlin
)", "t.yaml"));
  ASSERT_OK_AND_ASSIGN(auto list, ParseTimeIntervals(n));
  const NamedTimeInterval& b = list[0];
  EXPECT_TRUE(b.Contains(T("2026-01-05T08:30:00Z")));   // Monday 09:30 Berlin.
  EXPECT_FALSE(b.Contains(T("2026-01-05T07:30:00Z")));  // 08:30 Berlin.
  EXPECT_FALSE(b.Contains(T("2026-01-05T16:00:00Z")));  // 17:00 Berlin: end exclusive.
  EXPECT_FALSE(b.Contains(T("2026-01-04T10:00:00Z")));  // Sunday.
}

TEST(TimeIntervalTest, DaysOfMonthNegativeMonthsYears) {
  ASSERT_OK_AND_ASSIGN(core::YamlNode n, core::YamlNode::LoadString(R"(
- name: month-end
  time_intervals:
    - days_of_month: ['-2:-1']
      months: ['january', '3:4']
      years: ['2026']
)", "t.yaml"));
  ASSERT_OK_AND_ASSIGN(auto list, ParseTimeIntervals(n));
  EXPECT_TRUE(list[0].Contains(T("2026-01-31T12:00:00Z")));
  EXPECT_TRUE(list[0].Contains(T("2026-01-30T12:00:00Z")));
  EXPECT_FALSE(list[0].Contains(T("2026-01-29T12:00:00Z")));
  EXPECT_FALSE(list[0].Contains(T("2026-02-28T12:00:00Z")));  // February not listed.
  EXPECT_TRUE(list[0].Contains(T("2026-04-30T12:00:00Z")));
  EXPECT_FALSE(list[0].Contains(T("2027-01-31T12:00:00Z")));
}

TEST(TimeIntervalTest, Errors) {
  auto parse = [](std::string_view text) -> absl::Status {
    auto n = core::YamlNode::LoadString(text, "t.yaml");
    if (!n.ok()) return n.status();
    return ParseTimeIntervals(*n).status();
  };
  EXPECT_THAT(parse("- name: x\n  time_intervals:\n    - weekdays: ['funday']\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.yaml:3:18: weekdays: invalid range")));
  EXPECT_THAT(parse("- name: x\n  time_intervals:\n    - location: Mars/Olympus\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown time zone")));
  EXPECT_THAT(parse("- name: x\n- name: x\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("defined twice")));
  EXPECT_THAT(parse("- name: x\n  time_intervals:\n    - times: [{start_time: '10:00', end_time: '09:00'}]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("before end_time")));
}

}  // namespace
}  // namespace quell::correlate
