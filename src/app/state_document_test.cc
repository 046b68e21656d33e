#include "app/state_document.h"

#include <string>

#include "app/checkpoint_marks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::app {
namespace {

using ::testing::HasSubstr;

TEST(StateDocumentTest, ComposedPartsReadBackVerbatim) {
  const std::string engine = R"({"version":1,"shards":[{"alerts":[{"fp":"x\"}"}]}]})";
  const std::string gates = R"({"version":1,"now":5,"gates":[],"tracked":[]})";
  const std::string doc = StateDocument::Compose(engine, gates);
  EXPECT_EQ(doc.rfind(R"({"version":2,"engine":)", 0), 0u);
  ASSERT_OK_AND_ASSIGN(StateDocument parsed, StateDocument::Parse(doc));
  EXPECT_EQ(parsed.version(), 2);
  EXPECT_EQ(parsed.engine(), engine);
  EXPECT_EQ(parsed.gates(), gates);
  EXPECT_TRUE(parsed.marks().empty());  // Composed without marks (files before session 13).
  StateDocument moved = std::move(parsed);  // The views follow their bytes.
  EXPECT_EQ(moved.engine(), engine);
}

TEST(StateDocumentTest, MarksReadBackAndParse) {
  CheckpointMarks marks;
  marks.kafka[{"am", 0}] = 3;
  marks.kafka[{"dd \"logs\"", 7}] = 12345678901;
  marks.journal = 42;
  marks.journal_checkpoint = 9;
  const std::string doc = StateDocument::Compose(R"({"version":1,"shards":[]})", "{}", marks.ToJson());
  ASSERT_OK_AND_ASSIGN(StateDocument parsed, StateDocument::Parse(doc));
  EXPECT_EQ(parsed.marks(), marks.ToJson());
  ASSERT_OK_AND_ASSIGN(CheckpointMarks back, CheckpointMarks::Parse(parsed.marks()));
  EXPECT_EQ(back.kafka, marks.kafka);
  EXPECT_EQ(back.journal, 42u);
  EXPECT_EQ(back.journal_checkpoint, 9u);
  // A state file written before journal checkpoints were numbered: 0, nothing skipped.
  ASSERT_OK_AND_ASSIGN(CheckpointMarks older, CheckpointMarks::Parse(R"({"kafka":[],"journal":3})"));
  EXPECT_EQ(older.journal_checkpoint, 0u);
  EXPECT_EQ(back.KafkaOffset("am", 0), 3);
  EXPECT_EQ(back.KafkaOffset("am", 1), -1);
  EXPECT_EQ(back.KafkaOffset("dd \"logs\"", 7), 12345678901);
  for (const char* bad : {"[]", R"({"kafka":{}})", R"({"kafka":[["am",0]]})", R"({"kafka":[[1,0,3]]})",
                          R"({"journal":-1})", R"({"journal_checkpoint":-2})", "{"}) {
    auto parsed_marks = CheckpointMarks::Parse(bad);
    EXPECT_FALSE(parsed_marks.ok()) << bad;
    EXPECT_EQ(parsed_marks.status().code(), absl::StatusCode::kDataLoss) << bad;
  }
}

// A file written before the gates were saved is the engine's snapshot alone.
TEST(StateDocumentTest, VersionOneIsTheEngineAlone) {
  const std::string v1 = R"({"version":1,"shards":[{"alerts":[]}]})";
  ASSERT_OK_AND_ASSIGN(StateDocument parsed, StateDocument::Parse(v1));
  EXPECT_EQ(parsed.version(), 1);
  EXPECT_EQ(parsed.engine(), v1);
  EXPECT_TRUE(parsed.gates().empty());
}

TEST(StateDocumentTest, WhatIsNotAStateDocumentIsDataLoss) {
  for (const char* bad : {"", "[]", "{\"version\":3,\"engine\":{}}", "{\"version\":2,\"gates\":{}}",
                          "{\"version\":2,\"engine\":[]}", "{\"version\":\"2\"}", "{\"version\":2,\"engine\":{}} x",
                          "{\"version\":2,\"engine\":{\"a\":"}) {
    auto parsed = StateDocument::Parse(bad);
    EXPECT_THAT(parsed.status(), quell::testing::StatusIs(absl::StatusCode::kDataLoss)) << bad;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("correlation state")) << bad;
  }
}

}  // namespace
}  // namespace quell::app
