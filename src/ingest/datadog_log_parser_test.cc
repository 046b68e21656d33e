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

// QA: a log over 1 MB was rejected (400 for a single log, dropped from a batch) where Datadog's
// intake accepts and truncates it. Now the message is cut at 1 MiB on a UTF-8 boundary, the
// attributes past the budget are left out, and the log says so.
TEST(DatadogLogParserTest, LogsOverOneMegabyteAreTruncatedNotRejected) {
  auto p = MakeParser(core::Format::kDatadogLog);
  // "é" is 2 bytes: with one byte of ASCII first, byte 1 MiB falls inside one.
  std::string message = "a";
  while (message.size() < DatadogLogParser::kMaxLogBytes + 10) message += "\u00e9";
  std::string body = R"([{"message":")" + message + R"(","service":"api","late":"x"},{"message":"next"}])";
  core::SignalBatch b;
  ParseResult r = p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 2u);
  ASSERT_EQ(r.rejected, 0u);
  const core::Signal& big = b.signals()[0];
  EXPECT_EQ(big.message.size(), DatadogLogParser::kMaxLogBytes - 1);  // Not inside the last "é".
  EXPECT_EQ(big.message.substr(big.message.size() - 2), "\xc3\xa9");
  EXPECT_EQ(big.service, "api");
  EXPECT_EQ(core::FindLabel(b.annotations(big), "quell.truncated"), "message");
  EXPECT_EQ(core::FindLabel(b.annotations(big), "late"), "x");  // Within the byte the cut left.
  EXPECT_EQ(b.signals()[1].message, "next");
  EXPECT_EQ(core::FindLabel(b.annotations(b.signals()[1]), "quell.truncated"), "");
  // Attributes alone over the budget: the first ones are kept.
  std::string attrs = R"({"message":"m")";
  const std::string value(200 * 1024, 'v');
  for (int i = 0; i < 8; ++i) attrs += ",\"a" + std::to_string(i) + "\":\"" + value + "\"";
  attrs += "}";
  b.Clear();
  r = p->Parse(attrs, attrs.size(), core::SourceKind::kHttp, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  EXPECT_EQ(core::FindLabel(b.annotations(b.signals()[0]), "a0"), value);
  EXPECT_EQ(core::FindLabel(b.annotations(b.signals()[0]), "a7"), "");
  EXPECT_EQ(core::FindLabel(b.annotations(b.signals()[0]), "quell.truncated"), "attributes");
}

// QA: attributes past the 128 annotations a signal holds were dropped without a trace. The body's
// batch counts them (for quell_ingest_annotations_dropped_total), across its records.
TEST(DatadogLogParserTest, AttributesPastTheAnnotationLimitAreCountedInTheBatch) {
  auto log_with = [](int attrs) {
    std::string body = R"({"message":"m")";
    for (int i = 0; i < attrs; ++i) body += ",\"attr" + std::to_string(i) + "\":\"v\"";
    return body + "}";
  };
  const std::string body = "[" + log_with(300) + "," + log_with(10) + "," + log_with(130) + "]";
  auto p = MakeParser(core::Format::kDatadogLog);
  core::SignalBatch b;
  ASSERT_EQ(p->Parse(body, body.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 3u);
  EXPECT_EQ(b.annotations(b.signals()[0]).size(), SignalDraft::kMaxAnnotations);
  int kept = 0;  // Annotations keep their order, unsorted: no FindLabel.
  for (const core::Label& a : b.annotations(b.signals()[0])) kept += a.name.starts_with("attr");
  EXPECT_EQ(kept, 128);
  EXPECT_EQ(b.dropped_annotations(), (300u - 128u) + (130u - 128u));
  b.Clear();
  EXPECT_EQ(b.dropped_annotations(), 0u);
  const std::string small = log_with(5);
  ASSERT_EQ(p->Parse(small, small.size(), core::SourceKind::kHttp, kGoldenObserved, &b).accepted, 1u);
  EXPECT_EQ(b.dropped_annotations(), 0u);  // Nothing carried over from the body before.
}

}  // namespace
}  // namespace quell::ingest
