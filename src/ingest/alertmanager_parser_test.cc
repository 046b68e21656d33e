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

namespace quell::ingest {
namespace {

// The parser learns the alerts' key order and their label names' order (key_order.h): alerts in
// other orders, with escaped or look-alike label names, read one after another by one parser in
// both orders, give what a fresh parser gives each of them.
TEST(AlertmanagerParserTest, KeyOrderOfEarlierAlertsChangesNothing) {
  ParserOptions o;
  o.color_attribute = "deploy";
  const std::vector<std::string> bodies = {
      R"([{"labels":{"alertname":"A","env":"prod","instance":"i:1","job":"api","severity":"critical"},"startsAt":"2026-01-01T00:00:00Z"}])",
      R"([{"labels":{"alertname":"B","env":"prod","instance":"i:2","job":"api","severity":"warning"},"startsAt":"2026-01-01T00:00:01Z"}])",
      R"([{"startsAt":"2026-01-01T00:00:02Z","labels":{"severity":"info","job":"db","alertname":"C","deploy":"green"},"annotations":{"summary":"s"}}])",
      R"([{"labels":{"alertnam\u0065":"D","en":"x","envv":"y","hostname":"h","color":"blue"},"endsAt":"2026-01-01T00:00:03Z"}])",
      R"([{"labels":{"alertname":"E","environment":"stage","service":"svc","version":"1.2"},"generatorURL":"http://g"}])",
  };
  const std::vector<std::string> fresh = testing::ExpectReusedParserMatchesFresh(core::Format::kAlertmanager, o, bodies);
  ASSERT_EQ(fresh.size(), bodies.size());
  for (const std::string& f : fresh) EXPECT_EQ(f.find("rejected"), std::string::npos) << f;
  EXPECT_NE(fresh[2].find(R"("color":"green")"), std::string::npos) << fresh[2];  // The configured attribute.
  EXPECT_NE(fresh[3].find(R"("title":"D")"), std::string::npos) << fresh[3];      // Escaped alertname.
  EXPECT_NE(fresh[3].find(R"("host":"h")"), std::string::npos) << fresh[3];
  EXPECT_NE(fresh[3].find(R"("color":"blue")"), std::string::npos) << fresh[3];
  EXPECT_EQ(fresh[3].find(R"("env":"x")"), std::string::npos) << fresh[3];         // "en" is not env.
  EXPECT_NE(fresh[4].find(R"("env":"stage")"), std::string::npos) << fresh[4];
  EXPECT_NE(fresh[1].find(R"("service":"api")"), std::string::npos) << fresh[1];  // job when no service.
}

// A label or annotation name with a bad escape rejects the alert, naming the map it was in.
TEST(AlertmanagerParserTest, BadEscapeInANameNamesItsMap) {
  auto p = MakeParser(core::Format::kAlertmanager);
  ParseResult r;
  std::string got = testing::RenderParse(*p, R"([{"labels":{"alertname":"A","x\ud800":"v"}}])", 0, &r);
  EXPECT_NE(got.find(R"("rejected":"invalid_utf8")"), std::string::npos) << got;
  EXPECT_NE(got.find(R"("field":"labels")"), std::string::npos) << got;
  got = testing::RenderParse(*p, R"([{"labels":{"alertname":"A"},"annotations":{"\ud800":"v"}}])", 0, &r);
  EXPECT_NE(got.find(R"("field":"annotations")"), std::string::npos) << got;
}

}  // namespace
}  // namespace quell::ingest

namespace quell::ingest {
namespace {

// model.Alert.Validate: with both set, endsAt before startsAt rejects the alert ("start time must
// be before end time"), named invalid_value on endsAt; equal times, or an endsAt alone, are fine.
TEST(AlertmanagerParserTest, EndsAtBeforeStartsAtIsRejected) {
  auto p = MakeParser(core::Format::kAlertmanager);
  ParseResult r;
  std::string got = testing::RenderParse(*p, R"([
      {"labels":{"alertname":"Backwards"},"startsAt":"2026-01-01T00:10:00Z","endsAt":"2026-01-01T00:09:59Z"},
      {"labels":{"alertname":"Instant"},"startsAt":"2026-01-01T00:10:00Z","endsAt":"2026-01-01T00:10:00Z"},
      {"labels":{"alertname":"EndOnly"},"endsAt":"2025-12-31T23:00:00Z"},
      {"labels":{"alertname":"ZeroEnd"},"startsAt":"2026-01-01T00:10:00Z","endsAt":"0001-01-01T00:00:00Z"}])",
                                         0, &r);
  EXPECT_EQ(r.accepted, 3u) << got;
  ASSERT_EQ(r.rejected, 1u) << got;
  EXPECT_EQ(got.find("Backwards"), std::string::npos) << got;
  EXPECT_NE(got.find(R"("rejected":"invalid_value")"), std::string::npos) << got;
  EXPECT_NE(got.find(R"("field":"endsAt")"), std::string::npos) << got;
}

// Alertmanager drops empty-valued labels, then requires one label pair: an alert whose labels are
// all empty is rejected (invalid_value, labels); one with some non-empty labels keeps those.
TEST(AlertmanagerParserTest, AlertWithOnlyEmptyLabelValuesIsRejected) {
  auto p = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch b;
  std::string body = R"([{"labels":{"a":""}},{"labels":{"a":"","b":""},"annotations":{"summary":"s"}},
                         {"labels":{"a":"","alertname":"Kept"}}])";
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(b.rejections().size(), 2u);
  for (const core::Rejection& rej : b.rejections()) {
    EXPECT_EQ(rej.reason, core::RejectReason::kInvalidValue);
    EXPECT_STREQ(rej.field, "labels");
  }
  ASSERT_EQ(b.size(), 1u);
  core::LabelView kept = b.labels(b.signals()[0]);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(core::FindLabel(kept, "alertname"), "Kept");
}

}  // namespace
}  // namespace quell::ingest
