#include "ingest/datadog_log_parser.h"

#include "core/label.h"
#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"

namespace quell::ingest {
namespace {

using testing::kGoldenObserved;

TEST(DatadogLogParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("datadog_log", core::Format::kDatadogLog), 2); }

TEST(DatadogLogParserTest, BatchTagsApplyAndRecordTagsWin) {
  auto p = MakeParser(core::Format::kDatadogLog);
  p->SetBatchTags("env:qa, team:core");
  core::SignalBatch b;
  std::string body = R"([{"message":"a","ddtags":"env:prod"},{"message":"b"}])";
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 2u);
  EXPECT_EQ(b.signals()[0].env, "prod");
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[0]), "env"), "prod");
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[0]), "team"), "core");
  EXPECT_EQ(b.signals()[1].env, "qa");
  p->SetBatchTags("");
  b.Clear();
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 2u);
  EXPECT_EQ(core::FindLabel(b.labels(b.signals()[1]), "team"), "");
}

TEST(DatadogLogParserTest, EntryLimitRejectsEachExtraEntry) {
  std::string body = "[";
  for (int i = 0; i < 1003; ++i) body += std::string(i ? "," : "") + R"({"message":"m"})";
  body += "]";
  auto p = MakeParser(core::Format::kDatadogLog);
  core::SignalBatch b;
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted, 1000u);
  EXPECT_EQ(r.rejected, 3u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kTooManyRecords);
  EXPECT_EQ(b.rejections()[0].record_index, 1000u);
}

TEST(DatadogLogParserTest, DeepAttributesAreTooDeep) {
  std::string deep = R"([{"message":"ok"},{"message":"deep","a":)";
  for (int i = 0; i < 70; ++i) deep += R"({"b":)";
  deep += "1";
  for (int i = 0; i < 70; ++i) deep += "}";
  deep += "}]";
  ParserOptions o;
  o.limits.max_depth = 64;
  auto p = MakeParser(core::Format::kDatadogLog, o);
  core::SignalBatch b;
  ParseResult r = p->Parse(deep, deep.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  EXPECT_EQ(r.accepted + r.rejected, 2u);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(b.rejections().size(), 1u);
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kTooDeep);
}

}  // namespace
}  // namespace quell::ingest
