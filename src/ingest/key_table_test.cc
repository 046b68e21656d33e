#include "ingest/key_table.h"

#include <string>

#include "gtest/gtest.h"

namespace quell::ingest {
namespace {

TEST(KeyTableTest, FindsEveryLengthClassAndNothingElse) {
  KeyTable t{{"a", 1}, {"abcd", 2}, {"abcdefg", 3}, {"abcdefgh", 4}, {"abcdefghijklmnop", 5},
             {"abcdefghijklmnopqrstuvwxyz", 6}};
  EXPECT_EQ(t.Find("a"), 1);
  EXPECT_EQ(t.Find("abcd"), 2);
  EXPECT_EQ(t.Find("abcdefg"), 3);
  EXPECT_EQ(t.Find("abcdefgh"), 4);
  EXPECT_EQ(t.Find("abcdefghijklmnop"), 5);
  EXPECT_EQ(t.Find("abcdefghijklmnopqrstuvwxyz"), 6);
  // Same length, one byte off: at the start, in the middle (only memcmp sees it), at the end.
  EXPECT_EQ(t.Find("b"), -1);
  EXPECT_EQ(t.Find("abce"), -1);
  EXPECT_EQ(t.Find("xbcdefgh"), -1);
  EXPECT_EQ(t.Find("abcdefghijklXnopqrstuvwxyz"), -1);
  EXPECT_EQ(t.Find("abcdefghijklmnopqrstuvwxyZ"), -1);
  EXPECT_EQ(t.Find(""), -1);
  EXPECT_EQ(t.Find(std::string(200, 'a')), -1);
}

// A copied table finds long keys through its own copy of them (the original may be gone), and
// keys differing only inside the middle of a >16-byte key, or only in length, stay apart.
TEST(KeyTableTest, CopiesAndLongKeysStandAlone) {
  KeyTable copy;
  {
    KeyTable original{{"observedTimeUnixNano", 1}, {"observedTimeUnixNanX", 2}, {"observedXimeUnixNano", 3},
                      {"abc", 4}, {"abcd", 5}, {"ab", 6}};
    copy = original;
  }
  EXPECT_EQ(copy.Find("observedTimeUnixNano"), 1);
  EXPECT_EQ(copy.Find("observedTimeUnixNanX"), 2);
  EXPECT_EQ(copy.Find("observedXimeUnixNano"), 3);
  EXPECT_EQ(copy.Find("observedTimeUnXxNano"), -1);
  EXPECT_EQ(copy.Find("abc"), 4);
  EXPECT_EQ(copy.Find("abcd"), 5);
  EXPECT_EQ(copy.Find("ab"), 6);
  EXPECT_EQ(copy.Find(std::string_view("ab\0", 3)), -1);
}

// Keys over 16 bytes: a one-byte change at any position, inside the two words Find compares first
// or in the middle only memcmp sees, is never found.
TEST(KeyTableTest, LongKeysDifferingInAnyOneByteStayApart) {
  for (size_t n = 17; n <= 40; ++n) {
    std::string key(n, 'k');
    for (size_t i = 0; i < n; ++i) key[i] = static_cast<char>('a' + i % 26);
    KeyTable t{{key, 1}};
    ASSERT_EQ(t.Find(key), 1) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string other = key;
      other[i] = '#';
      ASSERT_EQ(t.Find(other), -1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(KeyTableTest, OtlpKeysMatchBothSpellingsAndFirstIdWins) {
  KeyTable t;
  t.AddOtlp("timeUnixNano", 7);
  t.AddOtlp("observedTimeUnixNano", 8);
  t.Add("timeUnixNano", 9);  // Already there: keeps 7.
  EXPECT_EQ(t.Find("timeUnixNano"), 7);
  EXPECT_EQ(t.Find("time_unix_nano"), 7);
  EXPECT_EQ(t.Find("observed_time_unix_nano"), 8);
  EXPECT_EQ(t.Find("timeunixnano"), -1);
  EXPECT_EQ(t.Find("time_unixNano"), -1);
}

}  // namespace
}  // namespace quell::ingest
