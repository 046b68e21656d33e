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
  ASSERT_OK_AND_ASSIGN(auto file, DeadLetterFile::Open(path, {.max_original_bytes = 1024, .flush_each = true}));
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
  DeadLetterFile::Options options{.max_original_bytes = 1024, .flush_each = true};
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
