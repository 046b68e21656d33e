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
  EXPECT_OK(silencer.Expire(id, T("2026-01-05T10:11:00Z")));  // Already expired: a no-op, as in Alertmanager.
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

namespace quell::correlate {
namespace {

using ::quell::testing::StatusIs;

absl::Time At(std::string_view s) { return *core::ParseRfc3339(s); }

Silence New(std::string_view matcher, std::string_view start, std::string_view end) {
  Silence s;
  s.matchers = *ParseMatcherText(matcher);
  s.starts_at = At(start);
  s.ends_at = At(end);
  s.created_by = "alice";
  s.comment = "maintenance";
  return s;
}

// Expiring an expired silence succeeds and changes nothing (silence.go expire() returns nil), so
// `amtool silence expire` twice exits 0.
TEST(SilencerTest, ExpiringAnExpiredSilenceIsANoOp) {
  Silencer silencer;
  ASSERT_OK_AND_ASSIGN(std::string id, silencer.Upsert(New(R"(a="1")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"),
                                                       At("2026-01-05T10:00:00Z")));
  ASSERT_OK(silencer.Expire(id, At("2026-01-05T10:10:00Z")));
  uint64_t v = silencer.version();
  EXPECT_OK(silencer.Expire(id, At("2026-01-05T10:11:00Z")));
  EXPECT_EQ(silencer.version(), v);
  ASSERT_OK_AND_ASSIGN(Silence s, silencer.Get(id));
  EXPECT_EQ(s.ends_at, At("2026-01-05T10:10:00Z"));
  EXPECT_EQ(s.updated_at, At("2026-01-05T10:10:00Z"));
  // Naturally expired (endsAt passed) too.
  ASSERT_OK_AND_ASSIGN(std::string id2, silencer.Upsert(New(R"(a="2")", "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"),
                                                        At("2026-01-05T10:00:00Z")));
  EXPECT_OK(silencer.Expire(id2, At("2026-01-05T12:00:00Z")));
  EXPECT_EQ(silencer.Get(id2)->ends_at, At("2026-01-05T11:00:00Z"));
  EXPECT_THAT(silencer.Expire("nope", At("2026-01-05T12:00:00Z")), StatusIs(absl::StatusCode::kNotFound));
}

// Silences.Set / canUpdate: an update that keeps history (same matchers; an active silence keeps
// its startsAt, to the second; a pending one starts no earlier than now) is made in place;
// otherwise the old silence is expired and the update becomes a new silence with a new id.
TEST(SilencerTest, UpdateInPlaceOnlyWhenHistoryIsKept) {
  Silencer silencer;
  const absl::Time t0 = At("2026-01-05T10:00:00Z");
  const absl::Time now = At("2026-01-05T10:30:00Z");
  auto create = [&](std::string_view matcher, std::string_view start) {
    return *silencer.Upsert(New(matcher, start, "2026-01-05T12:00:00Z"), t0);
  };
  auto update = [&](const std::string& id, std::string_view matcher, std::string_view start, std::string_view end) {
    Silence s = New(matcher, start, end);
    s.id = id;
    return silencer.Upsert(s, now);
  };

  // Active: endsAt moved, startsAt kept (a sub-second difference is the same second) -> in place.
  std::string active = create(R"(a="1")", "2026-01-05T10:00:00Z");
  ASSERT_OK_AND_ASSIGN(std::string same, update(active, R"(a="1")", "2026-01-05T10:00:00.400Z", "2026-01-05T13:00:00Z"));
  EXPECT_EQ(same, active);
  EXPECT_EQ(silencer.Get(active)->ends_at, At("2026-01-05T13:00:00Z"));
  EXPECT_EQ(silencer.Get(active)->updated_at, now);
  EXPECT_EQ(silencer.List().size(), 1u);

  // Active, startsAt changed -> the old one expires now, a new one (starting now at the earliest).
  ASSERT_OK_AND_ASSIGN(std::string moved, update(active, R"(a="1")", "2026-01-05T09:00:00Z", "2026-01-05T13:00:00Z"));
  EXPECT_NE(moved, active);
  EXPECT_EQ(silencer.Get(active)->ends_at, now);
  EXPECT_EQ(silencer.Get(active)->starts_at, At("2026-01-05T10:00:00.400Z"));  // As last updated.
  EXPECT_EQ(silencer.Get(moved)->starts_at, now);
  EXPECT_EQ(silencer.Get(moved)->ends_at, At("2026-01-05T13:00:00Z"));

  // Active, matchers changed -> replaced.
  ASSERT_OK_AND_ASSIGN(std::string rematched, update(moved, R"(a="2")", "2026-01-05T10:30:00Z", "2026-01-05T13:00:00Z"));
  EXPECT_NE(rematched, moved);
  EXPECT_EQ(silencer.Get(moved)->State(now + absl::Seconds(1)), SilenceState::kExpired);
  EXPECT_EQ(silencer.Get(rematched)->matchers[0].value(), "2");

  // Pending: a start still in the future -> in place; a start before now -> replaced, the old one
  // expired with startsAt = endsAt = now, the new one starting now.
  std::string pending = create(R"(b="1")", "2026-01-05T11:00:00Z");
  ASSERT_OK_AND_ASSIGN(std::string later, update(pending, R"(b="1")", "2026-01-05T11:30:00Z", "2026-01-05T12:00:00Z"));
  EXPECT_EQ(later, pending);
  EXPECT_EQ(silencer.Get(pending)->starts_at, At("2026-01-05T11:30:00Z"));
  ASSERT_OK_AND_ASSIGN(std::string earlier, update(pending, R"(b="1")", "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z"));
  EXPECT_NE(earlier, pending);
  EXPECT_EQ(silencer.Get(pending)->starts_at, now);
  EXPECT_EQ(silencer.Get(pending)->ends_at, now);
  EXPECT_EQ(silencer.Get(earlier)->starts_at, now);

  // An invalid update changes nothing (validated before the old silence is touched).
  Silence bad = New(R"(b="1")", "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z");
  bad.id = earlier;
  bad.comment.clear();
  EXPECT_THAT(silencer.Upsert(bad, now), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(silencer.Get(earlier)->State(now), SilenceState::kActive);
}

// Silences.Set: a new silence never starts in the past (startsAt before now becomes now); an
// in-place update of an active silence keeps its start.
TEST(SilencerTest, NewSilenceStartsNoEarlierThanNow) {
  Silencer silencer;
  ASSERT_OK_AND_ASSIGN(std::string id, silencer.Upsert(New(R"(a="1")", "2026-01-05T09:00:00Z", "2026-01-05T11:00:00Z"),
                                                       At("2026-01-05T10:00:00Z")));
  EXPECT_EQ(silencer.Get(id)->starts_at, At("2026-01-05T10:00:00Z"));
  Silence upd = New(R"(a="1")", "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z");
  upd.id = id;
  ASSERT_OK_AND_ASSIGN(std::string same, silencer.Upsert(upd, At("2026-01-05T10:20:00Z")));
  EXPECT_EQ(same, id);
  EXPECT_EQ(silencer.Get(id)->starts_at, At("2026-01-05T10:00:00Z"));
  ASSERT_OK_AND_ASSIGN(std::string future, silencer.Upsert(New(R"(a="2")", "2026-01-05T11:00:00Z", "2026-01-05T12:00:00Z"),
                                                           At("2026-01-05T10:20:00Z")));
  EXPECT_EQ(silencer.Get(future)->starts_at, At("2026-01-05T11:00:00Z"));
}

// The matcher fields are typed as in Alertmanager's openapi (Go's encoding/json refuses another
// type): name and value strings, isRegex a required boolean, isEqual an optional boolean
// (default true). Label names: any non-empty string.
TEST(SilencerTest, SilenceFromJsonChecksMatcherFieldTypes) {
  auto body = [](std::string_view matcher) {
    return std::string(R"({"matchers":[)") + std::string(matcher) +
           R"(],"startsAt":"2026-01-05T10:00:00Z","endsAt":"2026-01-05T11:00:00Z","createdBy":"a","comment":"c"})";
  };
  for (std::string_view bad : {
           R"({"name":"a","value":"1","isRegex":false,"isEqual":"false"})",
           R"({"name":"a","value":"1","isRegex":1})",
           R"({"name":"a","value":"1","isRegex":"no"})",
           R"({"name":"a","value":"1"})",
           R"({"name":"a","value":"1","isRegex":null})",
           R"({"name":"a","value":1,"isRegex":false})",
           R"({"value":"1","isRegex":false})",
           R"({"name":7,"value":"1","isRegex":false})",
           R"({"name":"","value":"1","isRegex":false})",
           R"({"name":"a","isRegex":false})",
       }) {
    EXPECT_THAT(SilenceFromJson(body(bad)), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  ASSERT_OK_AND_ASSIGN(Silence ok, SilenceFromJson(body(R"({"name":"service.name","value":"1","isRegex":false},
                                                            {"name":"b","value":"2","isRegex":true,"isEqual":null},
                                                            {"name":"c","value":"3","isRegex":false,"isEqual":false})")));
  ASSERT_EQ(ok.matchers.size(), 3u);
  EXPECT_EQ(ok.matchers[0].name(), "service.name");
  EXPECT_EQ(ok.matchers[0].type(), MatchType::kEqual);
  EXPECT_EQ(ok.matchers[1].type(), MatchType::kRegexp);
  EXPECT_EQ(ok.matchers[2].type(), MatchType::kNotEqual);
  EXPECT_THAT(SilenceFromJson(R"({"id":5,"matchers":[{"name":"a","value":"1","isRegex":false}],
      "startsAt":"2026-01-05T10:00:00Z","endsAt":"2026-01-05T11:00:00Z","createdBy":"a","comment":"c"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A snapshot file written by the previous version (same format: version 1, the id counter, the
// gettable shape) still loads, and an update after the restore keeps the id counter going.
TEST(SilencerTest, RestoresTheSnapshotFormatOfThePreviousVersion) {
  constexpr std::string_view kPrevious =
      R"({"version":1,"counter":2,"silences":[)"
      R"({"id":"0a1b2c3d-0000-4000-8000-000000000001","status":{"state":"expired"},"updatedAt":"2026-01-05T09:00:00Z",)"
      R"("comment":"maintenance","createdBy":"alice","endsAt":"2026-01-05T11:00:00Z","startsAt":"2026-01-05T09:00:00Z",)"
      R"("matchers":[{"name":"service","value":"db","isRegex":false,"isEqual":true},)"
      R"({"name":"env","value":"prod|stage","isRegex":true,"isEqual":false}]},)"
      R"({"id":"0a1b2c3d-0000-4000-8000-000000000002","status":{"state":"expired"},"updatedAt":"2026-01-05T09:30:00Z",)"
      R"("comment":"old","createdBy":"bob","endsAt":"2026-01-05T09:30:00Z","startsAt":"2026-01-05T09:00:00Z",)"
      R"("matchers":[{"name":"team","value":"x","isRegex":false,"isEqual":true}]}]})";
  Silencer silencer;
  ASSERT_OK(silencer.Restore(kPrevious));
  const absl::Time now = At("2026-01-05T10:00:00Z");
  ASSERT_OK_AND_ASSIGN(Silence s, silencer.Get("0a1b2c3d-0000-4000-8000-000000000001"));
  EXPECT_EQ(s.State(now), SilenceState::kActive);
  ASSERT_EQ(s.matchers.size(), 2u);
  EXPECT_EQ(s.matchers[1].type(), MatchType::kNotRegexp);
  core::LabelSet db{{"service", "db"}, {"env", "qa"}};
  EXPECT_TRUE(s.Mutes(db.view(), now));
  EXPECT_EQ(silencer.Get("0a1b2c3d-0000-4000-8000-000000000002")->State(now), SilenceState::kExpired);
  // Written back in the same shape, and it loads again.
  Silencer again;
  ASSERT_OK(again.Restore(silencer.Serialize()));
  EXPECT_EQ(again.List().size(), 2u);
  EXPECT_OK(again.Expire("0a1b2c3d-0000-4000-8000-000000000001", now));
}

}  // namespace
}  // namespace quell::correlate
