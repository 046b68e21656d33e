#include "correlate/silencer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/event_time.h"
#include "core/label_set.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;

absl::Time T(std::string_view s) { return *core::ParseRfc3339(s); }

Silence Make(std::string_view matcher, std::string_view start, std::string_view end) {
  Silence s;
  s.matchers = *ParseMatcherText(matcher);
  s.starts_at = T(start);
  s.ends_at = T(end);
  s.created_by = "alice";
  s.comment = "maintenance";
  return s;
}

TEST(SilencerTest, StatesAndMuting) {
  Silencer silencer;
  absl::Time now = T("2026-01-05T10:00:00Z");
  ASSERT_OK_AND_ASSIGN(std::string id, silencer.Upsert(Make(R"(service="db")", "2026-01-05T10:30:00Z", "2026-01-05T11:00:00Z"), now));
  ASSERT_OK_AND_ASSIGN(Silence s, silencer.Get(id));
  core::LabelSet db{{"service", "db"}};
  EXPECT_EQ(s.State(now), SilenceState::kPending);
  EXPECT_FALSE(s.Mutes(db.view(), now));
  EXPECT_TRUE(s.Mutes(db.view(), T("2026-01-05T10:30:00Z")));
  EXPECT_EQ(s.State(T("2026-01-05T11:00:00Z")), SilenceState::kExpired);
}

TEST(SilencerTest, ValidationRequiresCreatorCommentAndNonEmptyMatcher) {
  Silencer silencer;
  absl::Time now = T("2026-01-05T10:00:00Z");
  Silence s = Make(R"(service="db")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z");
  s.created_by.clear();
  EXPECT_THAT(silencer.Upsert(s, now), StatusIs(absl::StatusCode::kInvalidArgument));
  Silence empty = Make(R"(service=~".*")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z");
  EXPECT_THAT(silencer.Upsert(empty, now), StatusIs(absl::StatusCode::kInvalidArgument));
  Silence backwards = Make(R"(service="db")", "2026-01-05T11:00:00Z", "2026-01-05T10:00:00Z");
  EXPECT_THAT(silencer.Upsert(backwards, now), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SilencerTest, UpdateInPlaceExpireAndReplaceExpired) {
  Silencer silencer;
  absl::Time now = T("2026-01-05T10:00:00Z");
  ASSERT_OK_AND_ASSIGN(std::string id, silencer.Upsert(Make(R"(a="1")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"), now));
  uint64_t v = silencer.version();
  Silence upd = Make(R"(a="1")", "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z");
  upd.id = id;
  ASSERT_OK_AND_ASSIGN(std::string same, silencer.Upsert(upd, now));
  EXPECT_EQ(same, id);
  EXPECT_GT(silencer.version(), v);
  EXPECT_OK(silencer.Expire(id, T("2026-01-05T10:10:00Z")));
  EXPECT_THAT(silencer.Expire(id, T("2026-01-05T10:11:00Z")), StatusIs(absl::StatusCode::kInvalidArgument));
  upd.ends_at = T("2026-01-05T13:00:00Z");
  ASSERT_OK_AND_ASSIGN(std::string fresh, silencer.Upsert(upd, T("2026-01-05T10:20:00Z")));
  EXPECT_NE(fresh, id);
  upd.id = "nope";
  EXPECT_THAT(silencer.Upsert(upd, now), StatusIs(absl::StatusCode::kNotFound));
}

TEST(SilencerTest, JsonRoundTripAndSerializeRestore) {
  Silencer silencer;
  absl::Time now = T("2026-01-05T10:00:00Z");
  ASSERT_OK_AND_ASSIGN(std::string id, silencer.Upsert(Make(R"(svc=~"a|b")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"), now));
  std::string json = SilenceToJson(*silencer.Get(id), now);
  EXPECT_NE(json.find("\"state\":\"active\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"isRegex\":true"), std::string::npos) << json;
  ASSERT_OK_AND_ASSIGN(Silence parsed, SilenceFromJson(json));
  EXPECT_EQ(parsed.matchers[0].ToString(), R"(svc=~"a|b")");
  Silencer restored;
  ASSERT_OK(restored.Restore(silencer.Serialize()));
  ASSERT_OK_AND_ASSIGN(Silence back, restored.Get(id));
  EXPECT_EQ(back.ends_at, T("2026-01-05T11:00:00Z"));
  EXPECT_EQ(back.comment, "maintenance");
  EXPECT_THAT(restored.Restore("{"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(SilencerTest, DeterministicIds) {
  Silencer a, b;
  absl::Time now = T("2026-01-05T10:00:00Z");
  auto s = Make(R"(x="1")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z");
  EXPECT_EQ(*a.Upsert(s, now), *b.Upsert(s, now));
}

// A restart (a new Silencer opening the same snapshot file) finds the silence, and its expiry.
TEST(SilencerTest, SnapshotFileSurvivesRestart) {
  std::string dir = ::testing::TempDir() + "/silencer_snapshot_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::string path = dir + "/state/silences.json";
  absl::Time now = T("2026-01-05T10:00:00Z");
  std::string id;
  {
    Silencer first;
    ASSERT_OK(first.OpenSnapshotFile(path));  // Creates the directory; no file yet.
    ASSERT_OK_AND_ASSIGN(id, first.Upsert(Make(R"(service="db")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"), now));
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  core::LabelSet db{{"service", "db"}};
  {
    Silencer second;
    ASSERT_OK(second.OpenSnapshotFile(path));
    ASSERT_OK_AND_ASSIGN(Silence s, second.Get(id));
    EXPECT_TRUE(s.Mutes(db.view(), T("2026-01-05T10:10:00Z")));
    EXPECT_EQ(s.created_by, "alice");
    ASSERT_OK(second.Expire(id, T("2026-01-05T10:20:00Z")));
    // A new silence after the restart gets a fresh id (the id counter is persisted too).
    ASSERT_OK_AND_ASSIGN(std::string id2, second.Upsert(Make(R"(service="db")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"), now));
    EXPECT_NE(id2, id);
  }
  Silencer third;
  ASSERT_OK(third.OpenSnapshotFile(path));
  ASSERT_OK_AND_ASSIGN(Silence s, third.Get(id));
  EXPECT_EQ(s.State(T("2026-01-05T10:20:00Z")), SilenceState::kExpired);
  EXPECT_EQ(third.List().size(), 2u);
  // A corrupt file is DataLoss, not an empty store.
  { std::ofstream(path, std::ios::trunc) << "{\"silences\":[{\"id\":"; }
  Silencer fourth;
  EXPECT_THAT(fourth.OpenSnapshotFile(path), StatusIs(absl::StatusCode::kDataLoss));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quell::correlate
