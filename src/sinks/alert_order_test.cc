// src/sinks/alert_order_test.cc
#include "sinks/alert_order.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::sinks {
namespace {

// Cases from Alertmanager's AlertSlice.Less and prometheus/common's LabelSet.Before.
TEST(AlertOrderTest, JobThenInstanceThenLabelSets) {
  using L = core::LabelSet;
  // job first: present before absent, then by value.
  EXPECT_TRUE(AlertLabelsBefore(L{{"job", "a"}, {"z", "9"}}, L{{"job", "b"}}));
  EXPECT_TRUE(AlertLabelsBefore(L{{"job", "z"}}, L{{"a", "1"}}));
  EXPECT_FALSE(AlertLabelsBefore(L{{"a", "1"}}, L{{"job", "z"}}));
  // Same job: instance decides the same way.
  EXPECT_TRUE(AlertLabelsBefore(L{{"job", "a"}, {"instance", "x"}}, L{{"job", "a"}}));
  EXPECT_TRUE(AlertLabelsBefore(L{{"instance", "10.0.0.1"}}, L{{"instance", "10.0.0.2"}}));
  // Then fewer labels first, whatever their values.
  EXPECT_TRUE(AlertLabelsBefore(L{{"z", "z"}}, L{{"a", "a"}, {"b", "b"}}));
  // As many labels: the first name (in name order) present in only one set puts the set that
  // lacks it first; {a="2", c="1"} vs {a="2", b="1"}: "b" is missing from the first. (Their
  // strings sort the other way round, as do {z="z"} and {a="a", b="b"} above.)
  EXPECT_TRUE(AlertLabelsBefore(L{{"a", "2"}, {"c", "1"}}, L{{"a", "2"}, {"b", "1"}}));
  EXPECT_FALSE(AlertLabelsBefore(L{{"a", "2"}, {"b", "1"}}, L{{"a", "2"}, {"c", "1"}}));
  // Same names: the first differing value, bytewise.
  EXPECT_TRUE(AlertLabelsBefore(L{{"a", "1"}, {"b", "10"}}, L{{"a", "1"}, {"b", "9"}}));
  // Equal: neither first.
  EXPECT_FALSE(AlertLabelsBefore(L{{"a", "1"}}, L{{"a", "1"}}));
}

TEST(AlertOrderTest, SortIsStable) {
  std::vector<core::NotifiedAlert> alerts(3);
  alerts[0].labels = core::LabelSet{{"job", "b"}};
  alerts[1].labels = core::LabelSet{{"job", "a"}};
  alerts[1].generator_url = "first";
  alerts[2].labels = core::LabelSet{{"job", "a"}};
  alerts[2].generator_url = "second";
  auto sorted = SortedAlerts(alerts);
  ASSERT_EQ(sorted.size(), 3u);
  EXPECT_EQ(sorted[0], &alerts[1]);
  EXPECT_EQ(sorted[1], &alerts[2]);
  EXPECT_EQ(sorted[2], &alerts[0]);
  SortAlerts(&alerts);
  EXPECT_EQ(alerts[0].generator_url, "first");
  EXPECT_EQ(alerts[2].labels.Get("job"), "b");
}

}  // namespace
}  // namespace quell::sinks
