#include "ingest/json_fields.h"

#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/page_edge.h"

namespace quell::ingest {
namespace {

TEST(JsonFieldsTest, OtlpKeyIsBothSpellings) {
  EXPECT_TRUE(OtlpKeyIs("timeUnixNano", "timeUnixNano"));
  EXPECT_TRUE(OtlpKeyIs("time_unix_nano", "timeUnixNano"));
  EXPECT_FALSE(OtlpKeyIs("timeunixnano", "timeUnixNano"));
  EXPECT_FALSE(OtlpKeyIs("time_unix_nanos", "timeUnixNano"));
  EXPECT_FALSE(OtlpKeyIs("time_Unix_nano", "timeUnixNano"));
  EXPECT_TRUE(OtlpKeyIs("name", "name"));
}

TEST(JsonFieldsTest, EpochAutoUnit) {
  core::EventTime t;
  ASSERT_TRUE(EpochAutoUnit(1767225600, &t));
  EXPECT_EQ(t.unix_nanos(), 1767225600000000000);
  ASSERT_TRUE(EpochAutoUnit(1767225600123, &t));
  EXPECT_EQ(t.unix_nanos(), 1767225600123000000);
  ASSERT_TRUE(EpochAutoUnit(1767225600123456, &t));
  EXPECT_EQ(t.unix_nanos(), 1767225600123456000);
  ASSERT_TRUE(EpochAutoUnit(1767225600123456789, &t));
  EXPECT_EQ(t.unix_nanos(), 1767225600123456789);
  ASSERT_TRUE(EpochAutoUnit(0, &t));
  EXPECT_TRUE(t.is_zero());
  EXPECT_FALSE(EpochAutoUnit(9999999999, &t));  // Seconds past year 2262.
}

// ReadEpochAuto on the JSON string `text`, as a record's field value.
FieldError ReadEpochFromJson(const std::string& text, core::EventTime* out) {
  std::string json = "{\"d\":\"" + text + "\"}";
  json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  od::parser parser;
  od::document doc;
  od::value v;
  if (parser.iterate(json.data(), json.size(), json.capacity()).get(doc) || doc["d"].get(v)) {
    return FieldError::Fail(core::RejectReason::kMalformedJson, "test");
  }
  return ReadEpochAuto(v, "d", out);
}

// ReadEpochAuto reads 13-digit strings (milliseconds, as Datadog's webhook template writes $DATE)
// on an inline path: it must agree with the general one (ParseInt64Text, then EpochAutoUnit) on
// every 13-character string, including leading zeros (a smaller unit), the int64 nanosecond edge
// and non-digits at each end.
TEST(JsonFieldsTest, ThirteenDigitEpochStringsMatchTheGeneralPath) {
  const std::vector<std::string> texts = {"1764300000123", "1000000000000", "9223372036854", "9223372036855",
                                          "9999999999999", "0000001234567", "0999999999999", "176430000012x",
                                          "x764300000123", "17643000/0123", "1764300000 12", "-764300000123"};
  for (const std::string& text : texts) {
    core::EventTime got;
    const FieldError e = ReadEpochFromJson(text, &got);
    int64_t x = 0;
    bool overflow = false;
    core::EventTime want;
    if (!ParseInt64Text(text, &x, &overflow)) {
      EXPECT_FALSE(e.ok()) << text;
      EXPECT_EQ(e.reason, overflow ? core::RejectReason::kOutOfRange : core::RejectReason::kInvalidValue) << text;
    } else if (!EpochAutoUnit(x, &want)) {
      EXPECT_FALSE(e.ok()) << text;
      EXPECT_EQ(e.reason, core::RejectReason::kOutOfRange) << text;
    } else {
      ASSERT_TRUE(e.ok()) << text;
      EXPECT_EQ(got.unix_nanos(), want.unix_nanos()) << text;
    }
  }
  // The fast path's result, spelled out.
  core::EventTime t;
  ASSERT_TRUE(ReadEpochFromJson("1764300000123", &t).ok());
  EXPECT_EQ(t.unix_nanos(), 1764300000123000000);
}

TEST(JsonFieldsTest, Rfc3339) {
  core::EventTime t;
  ASSERT_TRUE(ParseRfc3339Fast("2026-01-01T00:00:00Z", "f", &t).ok());
  EXPECT_EQ(t.unix_nanos(), 1767225600000000000);
  ASSERT_TRUE(ParseRfc3339Fast("2026-01-01T01:00:00.5+01:00", "f", &t).ok());
  EXPECT_EQ(t.unix_nanos(), 1767225600500000000);
  ASSERT_TRUE(ParseRfc3339Fast("1970-01-01T00:00:00.000000001Z", "f", &t).ok());
  EXPECT_EQ(t.unix_nanos(), 1);
  ASSERT_TRUE(ParseRfc3339Fast("0001-01-01T00:00:00Z", "f", &t).ok());
  EXPECT_TRUE(t.is_zero());
  EXPECT_EQ(ParseRfc3339Fast("2026-01-01 00:00:00", "f", &t).reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(ParseRfc3339Fast("2026-13-01T00:00:00Z", "f", &t).reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(ParseRfc3339Fast("3000-01-01T00:00:00Z", "f", &t).reason, core::RejectReason::kOutOfRange);
  EXPECT_EQ(ParseRfc3339Fast("2026-01-01T00:00:00Zjunk", "f", &t).reason, core::RejectReason::kInvalidValue);
  // Every digit position is checked, including bytes just below '0' ('/', '*').
  EXPECT_EQ(ParseRfc3339Fast("2026-01-01T00:00:0/Z", "f", &t).reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(ParseRfc3339Fast("202*-01-01T00:00:00Z", "f", &t).reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(ParseRfc3339Fast("2026-01-01T0:00:00Z", "f", &t).reason, core::RejectReason::kInvalidValue);
  // Digits past nanoseconds are read and ignored.
  ASSERT_TRUE(ParseRfc3339Fast("1970-01-01T00:00:01.1234567899Z", "f", &t).ok());
  EXPECT_EQ(t.unix_nanos(), 1'123'456'789);
}

// The 8-digits-at-a-time paths of ParseIntegerText: block boundaries, a non-digit inside a block,
// 19 and 20 digits.
TEST(JsonFieldsTest, IntegerTextEveryLength) {
  int64_t v = 0;
  bool overflow = false;
  std::string digits;
  int64_t want = 0;
  for (int n = 1; n <= 18; ++n) {
    digits.push_back(static_cast<char>('0' + n % 10));
    want = want * 10 + n % 10;
    ASSERT_TRUE(ParseInt64Text(digits, &v, &overflow)) << digits;
    EXPECT_EQ(v, want) << digits;
    ASSERT_TRUE(ParseInt64Text("-" + digits, &v, &overflow)) << digits;
    EXPECT_EQ(v, -want) << digits;
    for (size_t bad = 0; bad < digits.size(); ++bad) {
      std::string broken = digits;
      broken[bad] = bad % 2 == 0 ? ':' : '/';
      EXPECT_FALSE(ParseInt64Text(broken, &v, &overflow)) << broken;
      EXPECT_FALSE(overflow);
    }
  }
  // The 9-16 digit path (first and last 8 digits overlapping) with a sign and leading zeros.
  for (const auto& [text, value] : std::vector<std::pair<std::string, int64_t>>{
           {"+1767225600000", 1767225600000}, {"-1767225600123", -1767225600123}, {"000000001", 1},
           {"0000000000001234", 1234}, {"9999999999999999", 9999999999999999}, {"1000000000000000", 1000000000000000}}) {
    ASSERT_TRUE(ParseInt64Text(text, &v, &overflow)) << text;
    EXPECT_EQ(v, value) << text;
  }
  // The 17-19 digit path (up to 3 leading digits, then two groups of 8): nanosecond epochs.
  for (const auto& [text, value] : std::vector<std::pair<std::string, int64_t>>{
           {"1767225600000000500", 1767225600000000500}, {"-1767225600000000500", -1767225600000000500},
           {"+10000000000000000", 10000000000000000}, {"99999999999999999", 99999999999999999},
           {"00000000000000000012", 12}, {"-9223372036854775808", std::numeric_limits<int64_t>::min()}}) {
    ASSERT_TRUE(ParseInt64Text(text, &v, &overflow)) << text;
    EXPECT_EQ(v, value) << text;
  }
  // A non-digit in the leading digits, in either group of 8 or at the very end.
  for (const char* bad : {"1x67225600000000500", "176722560x000000500", "17672256000000x0500", "176722560000000050x",
                          "1767225600000000 00", "-"}) {
    EXPECT_FALSE(ParseInt64Text(bad, &v, &overflow)) << bad;
    EXPECT_FALSE(overflow) << bad;
  }
  ASSERT_TRUE(ParseInt64Text("9223372036854775807", &v, &overflow));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(ParseInt64Text("9223372036854775808", &v, &overflow));
  EXPECT_TRUE(overflow);
  uint64_t u = 0;
  ASSERT_TRUE(ParseUint64Text("18446744073709551615", &u, &overflow));
  EXPECT_EQ(u, std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(ParseUint64Text("18446744073709551616", &u, &overflow));
  EXPECT_TRUE(overflow);
  ASSERT_TRUE(ParseUint64Text("9999999999999999999", &u, &overflow));
  EXPECT_EQ(u, 9999999999999999999ULL);
  EXPECT_FALSE(ParseInt64Text("9999999999999999999", &v, &overflow));
  EXPECT_TRUE(overflow);
}

// ParseIntegerText's 9-15 digit path drops the low digits of its first 8-digit group with a
// multiply instead of a divide: checked against the divide for every k over a spread of x and
// at the edges (the exhaustive check over all x < 10^8, 7 x 10^8 values, was run once by hand).
TEST(JsonFieldsTest, DropDecimalDigitsEqualsDivision) {
  constexpr uint32_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  for (size_t k = 0; k < 8; ++k) {
    for (uint32_t x = 0; x < 100'000'000; x += 997) {
      ASSERT_EQ(internal::DropDecimalDigits(x, k), x / kPow10[k]) << x << " k=" << k;
    }
    for (uint32_t x : {0u, 9u, 10u, 99'999'999u, 99'999'990u, kPow10[k] - 1, kPow10[k], kPow10[k] + 1}) {
      ASSERT_EQ(internal::DropDecimalDigits(x, k), x / kPow10[k]) << x << " k=" << k;
    }
  }
}

TEST(JsonFieldsTest, Tags) {
  std::vector<std::pair<std::string, std::string>> got;
  ForEachTag(" env:prod, ,team:a:b,solo,:novalue", [&](std::string_view n, std::string_view v) {
    got.emplace_back(std::string(n), std::string(v));
  });
  std::vector<std::pair<std::string, std::string>> want = {{"env", "prod"}, {"team", "a:b"}, {"solo", ""}};
  EXPECT_EQ(got, want);
}

// What ForEachTag must give, the plain way.
std::vector<std::pair<std::string, std::string>> ReferenceTagSplit(std::string_view csv) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string_view::npos) comma = csv.size();
    std::string_view item = csv.substr(start, comma - start);
    size_t colon = item.find(':');
    std::string_view name = TrimSpaces(item.substr(0, colon));
    std::string_view value = colon == std::string_view::npos ? std::string_view() : TrimSpaces(item.substr(colon + 1));
    if (!name.empty()) out.emplace_back(std::string(name), std::string(value));
    start = comma + 1;
  }
  return out;
}

// ForEachTag scans 16-byte blocks, then one block overlapping the last (bytes, under 16): every
// length from 0 to 100, with delimiters at every position the generator reaches (block edges
// included), must split as a plain reference splitter does. The list is copied into an exactly
// sized buffer, so ASan catches a read past its end.
TEST(JsonFieldsTest, TagsEveryLengthMatchesAReferenceSplit) {
  auto reference = ReferenceTagSplit;
  // With spaces; without (lists of 16+ bytes then skip trimming); with tabs, CR/LF, DEL and UTF-8.
  const std::vector<std::string> patterns = {"env:prod,service:a:b, team :x,,solo,:v,k8s.pod.name:web-1 ,z",
                                             "env:prod,service:a:b,team:x,,solo,:v,k8s.pod.name:web-1,z",
                                             "env:\tprod,\xc3\xbc" "nic\xc3\xb6" "de:v\xc3\xa4" "lue\r\n,x:\x7f,y"};
  for (const std::string& pattern : patterns) {
    for (size_t len = 0; len <= 100; ++len) {
      for (size_t shift = 0; shift < 7; ++shift) {
        std::string text;
        while (text.size() < len) text += pattern.substr(shift);
        text.resize(len);
        std::unique_ptr<char[]> exact(new char[len + 1]);
        std::memcpy(exact.get(), text.data(), len);
        std::string_view csv(exact.get(), len);
        std::vector<std::pair<std::string, std::string>> got;
        ForEachTag(csv, [&](std::string_view n, std::string_view v) { got.emplace_back(std::string(n), std::string(v)); });
        EXPECT_EQ(got, reference(csv)) << "\"" << text << "\"";
      }
    }
  }
}

// The common list (1-64 bytes without spaces) is read with two 32-byte loads when they stay on its
// page. Lists that end at the last readable byte before an unmapped page, or up to 70 bytes before
// it, must split as the reference does: a page check that lets the loads cross faults here.
TEST(JsonFieldsTest, TagsEndingAtAnUnmappedPageMatchAReferenceSplit) {
  auto split = [](std::string_view csv) {
    std::vector<std::pair<std::string, std::string>> out;
    ForEachTag(csv, [&](std::string_view n, std::string_view v) { out.emplace_back(std::string(n), std::string(v)); });
    return out;
  };
  const std::string pattern = "env:prod,service:a:b,team:x,,solo,:v,k8s.pod.name:web-1,z,";
  quell::testing::PageEdge edge;
  for (size_t len = 1; len <= 70; ++len) {
    std::string text;
    while (text.size() < len) text += pattern;
    text.resize(len);
    const std::vector<std::pair<std::string, std::string>> want = ReferenceTagSplit(text);
    for (size_t gap = 0; gap <= 70; ++gap) {
      EXPECT_EQ(split(edge.PlaceAt(text, gap)), want) << "\"" << text << "\" " << gap << " bytes before the page end";
    }
  }
}

TEST(JsonFieldsTest, IntegersAsStringOrNumber) {
  simdjson::ondemand::parser p;
  simdjson::padded_string json(std::string_view(
      R"({"a":"123","b":456,"c":"9223372036854775808","d":1.0,"e":1.5,"f":"x","g":true,"h":18446744073709551615})"));
  auto doc = p.iterate(json);
  auto get = [&](const char* k) {
    simdjson::ondemand::value v;
    EXPECT_FALSE(doc[k].get(v));
    return v;
  };
  simdjson::ondemand::value va, vb, vc, vd, ve, vf, vg, vh;
  int64_t v = 0;
  EXPECT_TRUE(ReadInt64((va = get("a")), "a", &v).ok());
  EXPECT_EQ(v, 123);
  EXPECT_TRUE(ReadInt64((vb = get("b")), "b", &v).ok());
  EXPECT_EQ(v, 456);
  EXPECT_EQ(ReadInt64((vc = get("c")), "c", &v).reason, core::RejectReason::kOutOfRange);
  EXPECT_TRUE(ReadInt64((vd = get("d")), "d", &v).ok());
  EXPECT_EQ(v, 1);
  EXPECT_EQ(ReadInt64((ve = get("e")), "e", &v).reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(ReadInt64((vf = get("f")), "f", &v).reason, core::RejectReason::kInvalidValue);
  EXPECT_EQ(ReadInt64((vg = get("g")), "g", &v).reason, core::RejectReason::kWrongType);
  uint64_t u = 0;
  EXPECT_TRUE(ReadUint64((vh = get("h")), "h", &u).ok());
  EXPECT_EQ(u, std::numeric_limits<uint64_t>::max());
}

TEST(JsonFieldsTest, SkipJsonValueAndUtf8) {
  EXPECT_EQ(SkipJsonValue(R"({"a":[1,"]"],"b":{}} tail)", 0), 20u);
  EXPECT_EQ(SkipJsonValue(R"({"a":[1})", 0), std::string::npos);
  EXPECT_EQ(SkipJsonValue(R"("a\"b" x)", 0), 6u);
  EXPECT_EQ(SkipJsonValue("123,", 0), 3u);
  EXPECT_EQ(FirstInvalidUtf8("ok\xc3\xa9"), 4u);
  EXPECT_EQ(FirstInvalidUtf8("ok\xc3"), 2u);
  EXPECT_EQ(FirstInvalidUtf8("a\xed\xa0\x80"), 1u);  // Surrogate.
  std::string esc;
  AppendJsonEscaped(&esc, "a\"\\\n\x01");
  EXPECT_EQ(esc, R"(a\"\\\n\u0001)");
}

}  // namespace
}  // namespace quell::ingest
