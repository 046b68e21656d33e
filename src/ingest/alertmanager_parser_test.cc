#include "ingest/alertmanager_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::kGoldenObserved;

TEST(AlertmanagerParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("alertmanager", core::Format::kAlertmanager), 2); }

TEST(AlertmanagerParserTest, ResolvedIffEndsAtAtOrBeforeObserved) {
  auto p = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch b;
  std::string body = R"([{"labels":{"alertname":"A"},"endsAt":"2026-01-01T00:00:00Z"},
                         {"labels":{"alertname":"B"},"endsAt":"2026-01-01T00:00:00.000000001Z"},
                         {"labels":{"alertname":"C"},"endsAt":"0001-01-01T00:00:00Z"}])";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 3u);
  EXPECT_EQ(b.signals()[0].state, core::SignalState::kResolved);
  EXPECT_EQ(b.signals()[1].state, core::SignalState::kFiring);
  EXPECT_EQ(b.signals()[2].state, core::SignalState::kFiring);
  // No endsAt (amtool's zero time): Alertmanager's resolve_timeout, 5m after arrival.
  EXPECT_EQ(b.signals()[2].end_time, kGoldenObserved + absl::Minutes(5));
  // Zero disables it.
  ParserOptions keep;
  keep.alertmanager_resolve_timeout = absl::ZeroDuration();
  auto q = MakeParser(core::Format::kAlertmanager, keep);
  core::SignalBatch c;
  ASSERT_EQ(q->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &c).accepted, 3u);
  EXPECT_TRUE(c.signals()[2].end_time.is_zero());
}

TEST(AlertmanagerParserTest, ObjectTopLevelIsWrongType) {
  auto p = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch b;
  std::string body = R"({"labels":{"alertname":"A"}})";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_TRUE(r.body_rejected);
  ASSERT_EQ(b.rejections().size(), 1u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kWrongType);
}

TEST(AlertmanagerParserTest, FingerprintIsLabelSetOnly) {
  auto p = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch b;
  std::string body = R"([{"labels":{"b":"2","alertname":"X"},"annotations":{"summary":"one"}},
                         {"labels":{"alertname":"X","b":"2"},"annotations":{"summary":"two"}}])";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 2u);
  EXPECT_EQ(b.signals()[0].fingerprint, b.signals()[1].fingerprint);
  EXPECT_EQ(b.signals()[0].message, "one");
}

}  // namespace
}  // namespace quell::ingest
