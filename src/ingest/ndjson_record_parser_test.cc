#include "ingest/ndjson_record_parser.h"

#include "gtest/gtest.h"
#include "ingest/golden_for_testing.h"
#include "ingest/ndjson_record_writer.h"

namespace quell::ingest {
namespace {

using testing::kGoldenObserved;

TEST(NdjsonRecordParserTest, Golden) { EXPECT_EQ(testing::RunGoldenDir("quell", core::Format::kQuell), 1); }

TEST(NdjsonRecordParserTest, WriterRoundTripKeepsTimeAndBody) {
  std::string file;
  std::string line;
  RecordWriter::FormatRecord(core::Format::kAlertmanager, core::EventTime::FromUnixNanos(42),
                             "[{\"labels\":\n {\"alertname\":\"A\"}}]\n", &line);
  EXPECT_EQ(line, "{\"t\":42,\"format\":\"alertmanager\",\"body\":[{\"labels\":  {\"alertname\":\"A\"}}]}\n");
  file += line;
  // Not JSON: stored as base64 and replayed to the same rejection.
  RecordWriter::FormatRecord(core::Format::kDatadogLog, core::EventTime::FromUnixNanos(43), "[{\"message\":", &line);
  EXPECT_NE(line.find("\"body_b64\":\""), std::string::npos);
  file += line;
  NdjsonRecordParser p({});
  core::SignalBatch b;
  ParseResult r = p.Parse(file, file.size(), core::SourceKind::kFile, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejected, 1u);
  EXPECT_EQ(b.signals()[0].observed_time, core::EventTime::FromUnixNanos(42));
  EXPECT_EQ(b.signals()[0].source, core::SourceKind::kFile);
  EXPECT_EQ(b.signals()[0].title, "A");
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kMalformedJson);
  EXPECT_EQ(b.rejections()[0].record_index, 1u);
}

TEST(NdjsonRecordParserTest, InnerOffsetsAreAbsolute) {
  std::string file = "{\"t\":1,\"format\":\"alertmanager\",\"body\":[{\"labels\":{\"a\":\"b\"}},{\"labels\":[]}]}\n";
  NdjsonRecordParser p({});
  core::SignalBatch b;
  ParseResult r = p.Parse(file, file.size(), core::SourceKind::kFile, kGoldenObserved, &b);
  ASSERT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejected, 1u);
  EXPECT_EQ(b.signals()[0].record_offset, file.find("{\"labels\":{"));
  EXPECT_EQ(b.rejections()[0].offset, file.find("{\"labels\":[]"));
  EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kWrongType);
}

// The intake journal's "in_checkpoint" mark: written after "t", skipped up to the number set, a
// bad value rejected like any bad envelope field.
TEST(NdjsonRecordParserTest, LinesMarkedInACheckpointAreSkippedUpToTheRestoredOne) {
  std::string file, line;
  for (uint64_t n : {0u, 3u, 4u}) {
    RecordWriter::FormatRecord(core::Format::kAlertmanager, core::EventTime::FromUnixNanos(42),
                               "[{\"labels\":{\"alertname\":\"A\"}}]", &line, "", n);
    file += line;
  }
  EXPECT_EQ(line, "{\"t\":42,\"format\":\"alertmanager\",\"in_checkpoint\":4,\"body\":[{\"labels\":{\"alertname\":\"A\"}}]}\n");
  file += R"({"in_checkpoint":-1,"format":"alertmanager","body":[]})" "\n";
  file += R"({"in_checkpoint":"x","format":"alertmanager","body":[]})" "\n";
  for (uint64_t skip : {0u, 3u, 4u}) {
    NdjsonRecordParser p({});
    p.SkipInCheckpointUpTo(skip);
    core::SignalBatch b;
    ParseResult r = p.Parse(file, file.size(), core::SourceKind::kFile, kGoldenObserved, &b);
    const uint32_t skipped = skip == 0 ? 0 : skip == 3 ? 1 : 2;
    EXPECT_EQ(r.skipped, skipped) << skip;
    EXPECT_EQ(r.accepted, 3 - skipped) << skip;
    ASSERT_EQ(r.rejected, 2u) << skip;
    EXPECT_EQ(b.rejections()[0].reason, core::RejectReason::kOutOfRange);
    EXPECT_EQ(b.rejections()[0].field, std::string_view("in_checkpoint"));
    EXPECT_EQ(b.rejections()[0].record_index, 3u);
    EXPECT_EQ(b.rejections()[1].field, std::string_view("in_checkpoint"));
  }
}

}  // namespace
}  // namespace quell::ingest

namespace quell::ingest {
namespace {

// config/sample-stream.ndjson is what `quell run` replays by default: every record must parse.
TEST(NdjsonRecordParserTest, BundledSampleStreamParsesCleanly) {
  std::string body = testing::ReadFileForTesting(std::filesystem::path(QUELL_SOURCE_DIR) / "config/sample-stream.ndjson");
  ASSERT_FALSE(body.empty());
  NdjsonRecordParser p({});
  core::SignalBatch b;
  ParseResult r = p.Parse(body, body.size(), core::SourceKind::kFile, kGoldenObserved, &b);
  EXPECT_EQ(r.rejected, 0u) << (b.rejections().empty() ? "" : b.rejections()[0].ToString());
  EXPECT_GT(r.accepted, 300u);
  size_t alerts = 0, deploys = 0;
  for (const core::Signal& s : b.signals()) {
    alerts += s.kind == core::SignalKind::kAlert;
    deploys += s.kind == core::SignalKind::kDeploy;
    EXPECT_FALSE(s.observed_time.is_zero());
  }
  EXPECT_GT(alerts, 30u);
  EXPECT_GT(deploys, 0u);
}

}  // namespace
}  // namespace quell::ingest
