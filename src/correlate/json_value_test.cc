#include "correlate/json_value.h"

#include "gtest/gtest.h"

namespace quell::correlate {
namespace {

std::string Dump(const JsonValue& v) {
  std::string out;
  v.AppendTo(&out);
  return out;
}

TEST(JsonValueTest, AppendToWritesCompactJsonThatParsesBackTheSame) {
  const std::string text =
      R"({"s":"a\"b\\c\n\u0001é","n":-9223372036854775808,"big":18446744073709551615,"f":1.5e-3,)"
      R"("t":true,"f2":false,"z":null,"a":[1,[],{}],"o":{"k":"v","":""}})";
  auto v = JsonValue::Parse(text);
  ASSERT_TRUE(v.ok()) << v.status();
  const std::string dumped = Dump(*v);
  // Members keep their order and numbers their text (64-bit integers are not rounded via double).
  EXPECT_EQ(dumped,
            R"({"s":"a\"b\\c\n\u0001é","n":-9223372036854775808,"big":18446744073709551615,"f":1.5e-3,)"
            R"("t":true,"f2":false,"z":null,"a":[1,[],{}],"o":{"k":"v","":""}})");
  auto again = JsonValue::Parse(dumped);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Dump(*again), dumped);
  EXPECT_EQ(again->Find("n")->AsInt64(), INT64_MIN);
}

TEST(JsonValueTest, AppendToOfScalars) {
  for (const char* text : {"0", "\"\"", "true", "null", "[]", "{}"}) {
    auto v = JsonValue::Parse(text);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(Dump(*v), text);
  }
}

}  // namespace
}  // namespace quell::correlate
