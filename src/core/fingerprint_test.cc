#include "core/fingerprint.h"

#include <random>
#include <string>
#include <vector>

#include "core/fingerprint_encoding.h"
#include "core/label_set.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "tests/testing/page_edge.h"
#include "tests/testing/reference_fingerprint.h"
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

// Of encodes each string of up to 32 bytes as one 32-byte block and goes to a thread buffer past
// FingerprintEncoder::kCapacity: every string length around those edges, in sets on both sides of
// the capacity, gives the definition's value.
TEST(FingerprintTest, MatchesTheDefinitionAtEveryStringLengthAndSetSize) {
  std::mt19937 rng(5);
  for (size_t labels : {size_t{1}, size_t{7}, size_t{15}, size_t{16}, size_t{40}}) {
    for (int round = 0; round < 50; ++round) {
      std::vector<std::string> names, values;
      for (size_t i = 0; i < labels; ++i) {
        names.push_back(fmt::format("l{:03}", i) + std::string(rng() % 40, 'n'));
        values.push_back(std::string(rng() % 70, static_cast<char>('a' + rng() % 26)));
      }
      std::vector<Label> set;
      for (size_t i = 0; i < labels; ++i) set.push_back(Label{names[i], values[i]});
      EXPECT_EQ(Fingerprint::Of(set).value(), testing::ReferenceFingerprint(set)) << labels << " labels";
      FingerprintEncoder e;
      bool fits = true;
      for (const Label& l : set) fits = fits && e.Add(l);
      if (fits) {
        EXPECT_EQ(e.Finish().value(), testing::ReferenceFingerprint(set));
      }
    }
  }
  FingerprintEncoder full;  // A label that does not fit is refused whole.
  const std::string big(FingerprintEncoder::kCapacity, 'x');
  EXPECT_FALSE(full.Add(Label{"a", big}));
  EXPECT_TRUE(full.Add(Label{"a", "1"}));
  EXPECT_EQ(full.Finish(), Fingerprint::Of(LabelSet{{"a", "1"}}.view()));
}

// Strings that end where readable memory ends (the next page is inaccessible): the 32-byte block
// copies must not read past them. Without the page check this test faults.
TEST(FingerprintTest, StringsEndingAtAPageEdge) {
  testing::PageEdge edge;
  for (size_t n = 0; n <= 40; ++n) {
    const std::string value(n, 'v');
    const std::string_view placed = edge.Place(value);
    const std::vector<Label> set = {{"a", "1"}, {"z", placed}};
    EXPECT_EQ(Fingerprint::Of(set).value(), testing::ReferenceFingerprint(set)) << n;
    const std::vector<Label> as_name = {{placed, "1"}};
    EXPECT_EQ(Fingerprint::Of(as_name).value(), testing::ReferenceFingerprint(as_name)) << n;
  }
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
