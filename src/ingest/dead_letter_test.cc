#include "ingest/dead_letter.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/parser.h"
#include "simdjson.h"
#include "tests/testing/status_matchers.h"

namespace quell::ingest {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const char* name) {
  auto p = std::filesystem::temp_directory_path() / fmt::format("quell_{}_{}", name, ::getpid());
  std::filesystem::remove(p);
  return p.string();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TEST(DeadLetterEntryTest, RecordSliceAndEscaping) {
  std::string body = R"([{"labels":{"a":"1"}},{"labels":"x\"y"}])";
  core::Rejection r{core::RejectReason::kWrongType, 22, 1, "labels"};
  DeadLetterEntry e = DeadLetterEntry::FromRejection(r, core::Format::kAlertmanager, core::SourceKind::kHttp, body,
                                                     core::EventTime::FromUnixNanos(5));
  EXPECT_EQ(e.original, R"({"labels":"x\"y"})");
  std::string json = e.ToJson();
  EXPECT_EQ(json,
            R"({"time":5,"reason":"wrong_type","offset":22,"record":1,"field":"labels","source":"http",)"
            R"("format":"alertmanager","original":"{\"labels\":\"x\\\"y\"}"})");
  simdjson::dom::parser p;
  EXPECT_FALSE(p.parse(json).error());
}

TEST(DeadLetterEntryTest, InvalidUtf8GoesBase64AndTruncates) {
  std::string body = "\xff\xfe not utf8";
  core::Rejection r{core::RejectReason::kInvalidUtf8, 0, 0, ""};
  DeadLetterEntry e =
      DeadLetterEntry::FromRejection(r, core::Format::kDatadogLog, core::SourceKind::kKafka, body, {}, 4);
  EXPECT_TRUE(e.truncated);
  EXPECT_EQ(e.original.size(), 4u);
  EXPECT_THAT(e.ToJson(), HasSubstr(R"("original_b64":"//4gbg==","truncated":true)"));
}

TEST(DeadLetterFileTest, WritesOneLinePerRejectionAndCounts) {
  std::string path = TempPath("dlq");
  ASSERT_OK_AND_ASSIGN(auto file, DeadLetterFile::Open(path, {.max_original_bytes = 1024}));
  auto parser = MakeParser(core::Format::kAlertmanager);
  core::SignalBatch batch;
  std::string body = R"([{"labels":{"alertname":"ok"}},{"annotations":{}},{"labels":{"a":1}}])";
  ParseResult r = parser->Parse(body, body.size(), core::SourceKind::kHttp, {}, &batch);
  ASSERT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejected, 2u);
  ASSERT_OK(file->WriteRejections(batch.rejections(), core::Format::kAlertmanager, core::SourceKind::kHttp, body, {}));
  DeadLetterStats s = file->stats();
  EXPECT_EQ(s.written, 2u);
  EXPECT_EQ(s.total(), 2u);
  EXPECT_EQ(s.by_reason[static_cast<size_t>(core::RejectReason::kMissingField)], 1u);
  EXPECT_EQ(s.by_reason[static_cast<size_t>(core::RejectReason::kWrongType)], 1u);
  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr(R"("reason":"missing_field")"));
  EXPECT_THAT(lines[0], HasSubstr(R"("original":"{\"annotations\":{}}")"));
  EXPECT_THAT(lines[1], HasSubstr(R"("record":2,"field":"labels")"));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove(path);
}

// Options::redact sees each entry's original bytes and its result is what is written, marked.
TEST(DeadLetterFileTest, RedactHookRewritesTheOriginal) {
  std::string path = TempPath("dlq-redact");
  DeadLetterFile::Options options{.max_original_bytes = 1024};
  std::vector<std::string> seen;
  options.redact = [&seen](std::string_view original) {
    seen.emplace_back(original);
    std::string out(original);
    for (size_t at; (at = out.find("secret")) != std::string::npos;) out.replace(at, 6, "[X]");
    return out;
  };
  ASSERT_OK_AND_ASSIGN(auto file, DeadLetterFile::Open(path, std::move(options)));
  core::Rejection r;
  r.reason = core::RejectReason::kMalformedJson;
  ASSERT_OK(file->WriteRejections({&r, 1}, core::Format::kDatadogEvent, core::SourceKind::kHttp,
                                  R"({"title":"secret","text":)", {}));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], R"({"title":"secret","text":)");
  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(R"("original":"{\"title\":\"[X]\",\"text\":","redacted":true})"));
  std::filesystem::remove(path);
}

// Parses `body` with `format`'s parser and returns each rejection's dead-letter original.
std::vector<std::string> OriginalsOf(core::Format format, std::string_view body) {
  auto parser = MakeParser(format);
  core::SignalBatch batch;
  std::string padded(body);
  padded.reserve(padded.size() + simdjson::SIMDJSON_PADDING);
  parser->Parse(padded, padded.capacity(), core::SourceKind::kHttp, {}, &batch);
  std::vector<std::string> out;
  const auto rs = batch.rejections();
  for (size_t i = 0; i < rs.size(); ++i) {
    const size_t next = i + 1 < rs.size() ? (rs[i + 1].record_begin != core::Rejection::kRecordAtOffset
                                                 ? rs[i + 1].record_begin
                                                 : rs[i + 1].offset)
                                          : std::string_view::npos;
    out.emplace_back(
        DeadLetterEntry::FromRejection(rs[i], format, core::SourceKind::kHttp, padded, {}, 64 * 1024, next).original);
  }
  return out;
}

// An invalid UTF-8 byte is reported at its offset, but the dead letter keeps the whole record it
// is in (of an array), or the whole body (a single record), not the bytes from the bad one on.
TEST(DeadLetterEntryTest, InvalidUtf8KeepsTheWholeRecord) {
  const std::string bad_record = "{\"message\":\"bad \xff\xfe byte\"}";
  EXPECT_THAT(OriginalsOf(core::Format::kDatadogLog, "[{\"message\":\"ok\"}," + bad_record + ",{\"message\":\"b\"}]"),
              ::testing::ElementsAre(bad_record));
  const std::string single = "{\"id\":\"1\",\"title\":\"[Triggered] utf \xc3\x28\"}";
  EXPECT_THAT(OriginalsOf(core::Format::kDatadogWebhook, single), ::testing::ElementsAre(single));
  const std::string otlp = R"({"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a)"
                           "\xff" R"("}}]}]}]})";
  EXPECT_THAT(OriginalsOf(core::Format::kOtlpLogs, otlp), ::testing::ElementsAre(otlp));
}

// A record that breaks the array's structure cannot be delimited: its dead letter runs to where
// the unreadable remainder's starts, so that no byte (t3 here) is in two entries.
TEST(DeadLetterEntryTest, ABrokenRecordStopsWhereTheRemainderStarts) {
  const std::vector<std::string> originals =
      OriginalsOf(core::Format::kDatadogLog, R"([{"message":"t1"},{"message":"t2",]},{"message":"t3"}])");
  ASSERT_EQ(originals.size(), 2u);
  EXPECT_THAT(originals[0], HasSubstr("t2"));
  EXPECT_THAT(originals[0], ::testing::Not(HasSubstr("t3")));
  EXPECT_THAT(originals[1], HasSubstr("t3"));
}

// Lines are in the file when Write returns (no user-space buffer: a crash loses none), and a
// failed write is counted and reported.
TEST(DeadLetterFileTest, WriteErrorsAreCountedAndReported) {
  ASSERT_OK_AND_ASSIGN(auto file, DeadLetterFile::Open("/dev/full"));
  core::Rejection r[2];
  absl::Status st = file->WriteRejections(r, core::Format::kDatadogEvent, core::SourceKind::kHttp, "{}", {});
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(st.message(), HasSubstr("write failed"));
  DeadLetterStats s = file->stats();
  EXPECT_EQ(s.write_errors, 2u);
  EXPECT_EQ(s.written, 0u);
  EXPECT_EQ(s.total(), 2u);  // Counted by reason all the same.
}

TEST(DeadLetterFileTest, OpenErrorNamesPath) {
  auto f = DeadLetterFile::Open("/nonexistent-dir/x.jsonl");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("dead-letter file /nonexistent-dir/x.jsonl"));
}

TEST(DeadLetterCountersTest, CountsByReason) {
  DeadLetterCounters c;
  core::Rejection rs[] = {{core::RejectReason::kTooLarge, 0, 0, ""}, {core::RejectReason::kTooLarge, 0, 1, ""}};
  c.CountAll(rs);
  c.Count(core::RejectReason::kEmptyBody);
  EXPECT_EQ(c.count(core::RejectReason::kTooLarge), 2u);
  EXPECT_EQ(c.stats().total(), 3u);
}

}  // namespace
}  // namespace quell::ingest
