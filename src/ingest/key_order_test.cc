#include "ingest/key_order.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ingest/json_fields.h"
#include "ingest/key_table.h"
#include "simdjson.h"

namespace quell::ingest {
namespace {

struct Seen {
  std::string key;
  int id;
  bool predicted;
  friend bool operator==(const Seen& a, const Seen& b) {
    return a.key == b.key && a.id == b.id && a.predicted == b.predicted;
  }
};

// Reads one JSON object's keys as a parser does: KeyOrder first, KeyOf + KeyTable::Find on a miss.
// Also checks, for every field, that what KeyOrder gave is what the lookup gives.
std::vector<Seen> ReadKeys(const std::string& json, const KeyTable& table, KeyOrder& order) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  EXPECT_FALSE(parser.iterate(padded).get(doc)) << json;
  od::object obj;
  EXPECT_FALSE(doc.get_object().get(obj)) << json;
  std::vector<Seen> out;
  size_t pos = 0;
  for (auto f_r : obj) {
    EXPECT_FALSE(f_r.error()) << json;
    od::field& f = f_r.value_unsafe();
    const char* raw = f.key().raw();
    std::string_view key;
    int id;
    bool predicted = order.Next(&pos, raw, &key, &id);
    std::string_view looked_up;
    EXPECT_TRUE(KeyOf(f, &looked_up).ok());
    if (predicted) {
      EXPECT_EQ(key, looked_up) << json;
      EXPECT_EQ(id, table.Find(looked_up)) << json;
    } else {
      key = looked_up;
      id = table.Find(key);
      order.Learn(&pos, raw, key, id);
    }
    out.push_back(Seen{std::string(key), id, predicted});
  }
  return out;
}

const KeyTable& Table() {
  static const KeyTable t{{"id", 0}, {"alert_id", 1}, {"alert_transition", 2}, {"title", 3}, {"", 4},
                          {"a_key_of_exactly_32_bytes_long__", 5}, {"seventeen_bytes__", 6}};
  return t;
}

TEST(KeyOrderTest, LearnsTheOrderThenPredictsEveryKey) {
  KeyOrder order;
  const std::string a = R"({"id":1,"alert_id":"7","alert_transition":"Triggered","title":"x","other":2})";
  std::vector<Seen> first = ReadKeys(a, Table(), order);
  ASSERT_EQ(first.size(), 5u);
  for (const Seen& s : first) EXPECT_FALSE(s.predicted) << s.key;
  std::vector<Seen> second = ReadKeys(R"({"id":2,"alert_id":"8","alert_transition":"Recovered","title":"y","other":3})",
                                      Table(), order);
  ASSERT_EQ(second.size(), 5u);
  for (const Seen& s : second) EXPECT_TRUE(s.predicted) << s.key;
  EXPECT_EQ(second[0], (Seen{"id", 0, true}));
  EXPECT_EQ(second[2], (Seen{"alert_transition", 2, true}));
  EXPECT_EQ(second[4], (Seen{"other", -1, true}));  // Unknown keys are predicted too, with id -1.
}

// Same first bytes, one byte longer or shorter, one byte off after the first word: all misses, and
// the lookup's answer is what the record gets.
TEST(KeyOrderTest, NearMissesAreMisses) {
  KeyOrder order;
  ReadKeys(R"({"alert_id":1,"id":2,"title":3})", Table(), order);
  std::vector<Seen> got = ReadKeys(R"({"alert_idx":1,"i":2,"titlE":3})", Table(), order);
  EXPECT_EQ(got[0], (Seen{"alert_idx", -1, false}));
  EXPECT_EQ(got[1], (Seen{"i", -1, false}));
  EXPECT_EQ(got[2], (Seen{"titlE", -1, false}));
  got = ReadKeys(R"({"alert_i":1,"idd":2,"title":3})", Table(), order);
  EXPECT_EQ(got[0], (Seen{"alert_i", -1, false}));
  EXPECT_EQ(got[1], (Seen{"idd", -1, false}));
  EXPECT_EQ(got[2], (Seen{"title", 3, false}));
}

TEST(KeyOrderTest, EscapedKeysAreNeverPredictedLongKeysUpTo32Are) {
  KeyOrder order;
  const std::string rec =
      R"({"ti\u0074le":1,"a_key_of_exactly_32_bytes_long__":2,"seventeen_bytes__":3,"a_key_of_thirty_three_bytes_long_":4,"":5})";
  ReadKeys(rec, Table(), order);
  std::vector<Seen> got = ReadKeys(rec, Table(), order);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], (Seen{"title", 3, false}));  // Escaped: found by the lookup, every time.
  EXPECT_EQ(got[1], (Seen{"a_key_of_exactly_32_bytes_long__", 5, true}));
  EXPECT_EQ(got[2], (Seen{"seventeen_bytes__", 6, true}));
  EXPECT_EQ(got[3], (Seen{"a_key_of_thirty_three_bytes_long_", -1, false}));
  EXPECT_EQ(got[4], (Seen{"", 4, true}));  // The empty key is its own raw text.
  // A 32-byte position does not match a key that differs in its last byte or runs one longer.
  got = ReadKeys(R"({"x":0,"a_key_of_exactly_32_bytes_long_X":2,"seventeen_bytes__x":3})", Table(), order);
  EXPECT_EQ(got[1], (Seen{"a_key_of_exactly_32_bytes_long_X", -1, false}));
  EXPECT_EQ(got[2], (Seen{"seventeen_bytes__x", -1, false}));
}

TEST(KeyOrderTest, AReorderedFieldCostsItsOwnPositionsOnly) {
  KeyOrder order;
  ReadKeys(R"({"id":1,"alert_id":2,"title":3,"other":4})", Table(), order);
  std::vector<Seen> got = ReadKeys(R"({"id":1,"title":3,"alert_id":2,"other":4})", Table(), order);
  EXPECT_TRUE(got[0].predicted);
  EXPECT_FALSE(got[1].predicted);
  EXPECT_FALSE(got[2].predicted);
  EXPECT_TRUE(got[3].predicted);
  got = ReadKeys(R"({"id":1,"title":3,"alert_id":2,"other":4})", Table(), order);
  for (const Seen& s : got) EXPECT_TRUE(s.predicted) << s.key;
}

TEST(KeyOrderTest, FieldsPastTheLastPositionAreLookedUp) {
  KeyOrder order;
  std::string rec = "{";
  for (size_t i = 0; i < KeyOrder::kMaxPositions + 5; ++i) rec += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":0");
  rec += ",\"title\":1}";
  ReadKeys(rec, Table(), order);
  std::vector<Seen> got = ReadKeys(rec, Table(), order);
  ASSERT_EQ(got.size(), KeyOrder::kMaxPositions + 6);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].predicted, i < KeyOrder::kMaxPositions) << i;
  EXPECT_EQ(got.back(), (Seen{"title", 3, false}));
}

// Random records over a small alphabet (near-identical keys of every length 0-40, escapes, quotes
// inside keys): ReadKeys checks every prediction against the lookup.
TEST(KeyOrderTest, RandomRecordsAgreeWithTheLookup) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab_";
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    std::string k;
    size_t n = rng() % 41;
    for (size_t j = 0; j < n; ++j) k += alphabet[rng() % alphabet.size()];
    if (rng() % 8 == 0 && !k.empty()) k.insert(rng() % k.size(), rng() % 2 ? "\\\"" : "\\u0061");
    keys.push_back(k);
  }
  KeyTable table;
  for (int i = 0; i < 20; ++i) {
    if (keys[static_cast<size_t>(i)].find('\\') == std::string::npos) table.Add(keys[static_cast<size_t>(i)], i);
  }
  KeyOrder order;
  int predicted = 0;
  for (int r = 0; r < 2000; ++r) {
    std::string rec = "{";
    size_t fields = rng() % 12;
    for (size_t f = 0; f < fields; ++f) {
      // Mostly the same order as the record before, sometimes another key.
      size_t k = rng() % 4 == 0 ? rng() % keys.size() : (f * 7) % keys.size();
      rec += (f ? "," : "") + ("\"" + keys[k] + "\":0");
    }
    rec += "}";
    for (const Seen& s : ReadKeys(rec, table, order)) predicted += s.predicted;
  }
  EXPECT_GT(predicted, 1000);  // The test exercised hits, not only misses.
}

}  // namespace
}  // namespace quell::ingest
