#include "core/fingerprint.h"

#include <string>
#include <vector>

#include "core/label_set.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "xxhash.h"

namespace quell::core {
namespace {

using ::quell::testing::StatusIs;

TEST(FingerprintTest, PinnedValuesNeverChange) {
  // These values are part of Quell's contract (kFingerprintVersion 1): state, changelogs and
  // PagerDuty dedup keys depend on them. Changing one requires a new kFingerprintVersion.
  // Cross-checked with the xxhsum CLI: printf "\x09\0\0\0alertname\x0d\0\0\0HighErrorRate" | xxhsum -H3
  EXPECT_EQ(Fingerprint::Of(LabelSet{}.view()).ToString(), "2d06800538d394c2");
  EXPECT_EQ(Fingerprint::Of(LabelSet{{"alertname", "HighErrorRate"}}.view()).ToString(),
            "c54e3a7e72e1cd60");
  EXPECT_EQ(Fingerprint::Of(LabelSet{{"alertname", "HighErrorRate"}, {"service", "checkout"},
                                     {"env", "prod"}}.view()).ToString(),
            "7688729a5e157a16");
}

TEST(FingerprintTest, MatchesDocumentedDefinition) {
  LabelSet ls{{"b", "2"}, {"a", "1"}};
  std::string buf;
  auto put = [&](std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) buf.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    buf.append(s);
  };
  put("a"); put("1"); put("b"); put("2");
  EXPECT_EQ(Fingerprint::Of(ls.view()).value(), XXH3_64bits(buf.data(), buf.size()));
}

TEST(FingerprintTest, LengthPrefixSeparatesNameAndValue) {
  EXPECT_NE(Fingerprint::Of(LabelSet{{"a", "bc"}}.view()), Fingerprint::Of(LabelSet{{"ab", "c"}}.view()));
}

TEST(FingerprintTest, OrderOfConstructionDoesNotMatter) {
  EXPECT_EQ(Fingerprint::Of(LabelSet{{"x", "1"}, {"y", "2"}}.view()),
            Fingerprint::Of(LabelSet{{"y", "2"}, {"x", "1"}}.view()));
}

TEST(FingerprintTest, SubsetTreatsMissingAsEmpty) {
  LabelSet ls{{"alertname", "A"}, {"service", "s"}};
  std::vector<std::string> names = {"alertname", "cluster"};
  EXPECT_EQ(Fingerprint::OfSubset(ls.view(), names),
            Fingerprint::OfSubset(LabelSet{{"alertname", "A"}}.view(), names));
  EXPECT_NE(Fingerprint::OfSubset(ls.view(), names),
            Fingerprint::OfSubset(LabelSet{{"alertname", "B"}}.view(), names));
}

TEST(FingerprintTest, ParseRoundTrips) {
  Fingerprint f = Fingerprint::FromValue(0x00ab00cd00ef0012ULL);
  EXPECT_EQ(f.ToString(), "00ab00cd00ef0012");
  auto parsed = Fingerprint::Parse(f.ToString());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, f);
  EXPECT_THAT(Fingerprint::Parse("xyz"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fingerprint::Parse("00ab00cd00ef001g"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AlertmanagerFingerprintTest, MatchesPrometheusModel) {
  // Values computed with prometheus/common model.LabelSet.Fingerprint().
  EXPECT_EQ(AlertmanagerFingerprint(LabelSet{}.view()), 14695981039346656037ULL);
  // {alertname="test"}: FNV-1a over "alertname" 0xff "test" 0xff.
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : std::string("alertname\xfftest\xff")) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  EXPECT_EQ(AlertmanagerFingerprint(LabelSet{{"alertname", "test"}}.view()), h);
}

}  // namespace
}  // namespace quell::core
