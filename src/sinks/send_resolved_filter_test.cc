// src/sinks/send_resolved_filter_test.cc
#include "sinks/send_resolved_filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quell::sinks {
namespace {

core::NotifiedAlert Member(std::string_view pod, bool resolved = false) {
  core::NotifiedAlert a;
  a.labels = core::LabelSet{{"alertname", "X"}, {"pod", pod}};
  a.annotations = core::LabelSet{{"summary", resolved ? "gone" : "up"}};
  a.resolved = resolved;
  return a;
}

core::Notification Firing(std::initializer_list<core::NotifiedAlert> members) {
  core::Notification n;
  n.dedup_key = "k";
  n.alerts = members;
  for (const auto& a : n.alerts) ++(a.resolved ? n.resolved_count : n.firing_count);
  n.common_labels = core::LabelSet{{"alertname", "X"}};
  return n;
}

// Runs `sent` through Track with `status` as the outcome.
void Deliver(const SendResolvedFilter& f, const core::Notification& sent, absl::Status status = absl::OkStatus()) {
  int calls = 0;
  f.Track(sent, [&](DeliveryOutcome) { ++calls; })(DeliveryOutcome{status});
  EXPECT_EQ(calls, 1);
}

TEST(SendResolvedFilterTest, DropsResolvedMembersAndRecomputesWhatTheyShared) {
  SendResolvedFilter f;
  core::Notification scratch;
  auto n = Firing({Member("a"), Member("b", true), Member("c")});
  const core::Notification* sent = f.Filter(n, &scratch);
  ASSERT_EQ(sent, &scratch);
  ASSERT_EQ(sent->alerts.size(), 2u);
  EXPECT_EQ(sent->alerts[0].labels.Get("pod"), "a");
  EXPECT_EQ(sent->alerts[1].labels.Get("pod"), "c");
  EXPECT_EQ(sent->firing_count, 2u);
  EXPECT_EQ(sent->resolved_count, 0u);
  EXPECT_EQ(sent->truncated_alerts, 0u);
  EXPECT_EQ(sent->common_annotations.Get("summary"), "up");  // The firing members share it.
  EXPECT_EQ(sent->common_labels, (core::LabelSet{{"alertname", "X"}}));
  // Firing members the engine did not list (max_alerts_per_notification) are counted.
  auto truncated = Firing({Member("a"), Member("b", true)});
  truncated.firing_count = 5;
  sent = f.Filter(truncated, &scratch);
  ASSERT_EQ(sent, &scratch);
  EXPECT_EQ(sent->truncated_alerts, 4u);
  EXPECT_EQ(sent->common_annotations, truncated.common_annotations);  // Not recomputed from a part.
}

TEST(SendResolvedFilterTest, SkipsAChangeThatOnlyResolvedMembers) {
  SendResolvedFilter f;
  core::Notification scratch;
  auto first = Firing({Member("a"), Member("b")});
  ASSERT_EQ(f.Filter(first, &scratch), &first);
  // Not delivered yet (or failed): the same judgement on retry.
  auto resolved_b = Firing({Member("a"), Member("b", true)});
  EXPECT_NE(f.Filter(resolved_b, &scratch), nullptr);
  Deliver(f, first, absl::UnavailableError("x"));
  EXPECT_NE(f.Filter(resolved_b, &scratch), nullptr);
  Deliver(f, first);
  EXPECT_EQ(f.Filter(resolved_b, &scratch), nullptr);
  // A repeat (nothing newly resolved) is sent.
  auto repeat = Firing({Member("a")});
  EXPECT_EQ(f.Filter(repeat, &scratch), &repeat);
  // A new firing member is sent, without the resolved one.
  auto new_c = Firing({Member("a"), Member("b", true), Member("c")});
  const core::Notification* sent = f.Filter(new_c, &scratch);
  ASSERT_EQ(sent, &scratch);
  EXPECT_EQ(sent->alerts.size(), 2u);
  // Another incident has its own history.
  auto other = resolved_b;
  other.dedup_key = "k2";
  EXPECT_NE(f.Filter(other, &scratch), nullptr);
  // The incident resolves: nothing is sent and its history is forgotten.
  auto done = resolved_b;
  done.status = core::NotificationStatus::kResolved;
  EXPECT_EQ(f.Filter(done, &scratch), nullptr);
  EXPECT_NE(f.Filter(resolved_b, &scratch), nullptr);
}

TEST(SendResolvedFilterTest, RemembersAtMostMaxIncidents) {
  SendResolvedFilter f(/*max_incidents=*/2);
  core::Notification scratch;
  for (std::string key : {"k1", "k2", "k3"}) {
    auto n = Firing({Member("a"), Member("b")});
    n.dedup_key = key;
    Deliver(f, n);
  }
  auto change = Firing({Member("a"), Member("b", true)});
  change.dedup_key = "k1";  // Forgotten: sent.
  EXPECT_NE(f.Filter(change, &scratch), nullptr);
  change.dedup_key = "k3";
  EXPECT_EQ(f.Filter(change, &scratch), nullptr);
}

}  // namespace
}  // namespace quell::sinks
