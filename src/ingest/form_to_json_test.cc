#include "ingest/form_to_json.h"

#include <string>

#include "gtest/gtest.h"

namespace quell::ingest {
namespace {

std::string Json(std::string_view form) {
  std::string out;
  EXPECT_TRUE(FormToJson(form, 1 << 20, &out)) << form;
  return out;
}

TEST(FormToJsonTest, FieldsBecomeStringsInOrder) {
  EXPECT_EQ(Json("title=%5BTriggered%5D+CPU+high&alert_transition=Triggered&date=1767225600000"),
            R"({"title":"[Triggered] CPU high","alert_transition":"Triggered","date":"1767225600000"})");
}

TEST(FormToJsonTest, EmptyFieldsSkippedAndValuelessNamesEmpty) {
  EXPECT_EQ(Json("&a=1&&b&c=&"), R"({"a":"1","b":"","c":""})");
  EXPECT_EQ(Json(""), "{}");
}

TEST(FormToJsonTest, DecodedTextIsJsonEscapedAndOnlyWholeObjectsStayJson) {
  // %22 is a quote, %0A a newline, %5C a backslash; "a=b" inside a value keeps its '='.
  EXPECT_EQ(Json("body=%25%25%25%0Ahi+%22x%22%5C&q=a%3Db=c"), R"({"body":"%%%\nhi \"x\"\\","q":"a=b=c"})");
  EXPECT_EQ(Json("org=%7B%22id%22%3A1%2C%22name%22%3A%22acme%22%7D"), R"({"org":{"id":1,"name":"acme"}})");
  // Arrays, numbers, broken objects and titles in brackets stay strings.
  EXPECT_EQ(Json("t=%5B1%5D&n=5&o=%7Bbroken"), R"({"t":"[1]","n":"5","o":"{broken"})");
}

TEST(FormToJsonTest, MalformedEscapeIsKeptAsText) {
  // As the server decodes query strings (core/url_encoding.h): a '%' without two hex digits.
  EXPECT_EQ(Json("title=50%+off&x=%4"), R"({"title":"50% off","x":"%4"})");
}

TEST(FormToJsonTest, JsonOverTheLimitFails) {
  std::string out = "kept";
  EXPECT_FALSE(FormToJson("a=%01%01%01%01", 16, &out));  // Each control byte is 6 JSON bytes.
  EXPECT_EQ(out, "kept");  // Nothing appended.
  EXPECT_TRUE(FormToJson("a=%01", 16, &out));
  EXPECT_EQ(out, R"(kept{"a":"\u0001"})");
}

}  // namespace
}  // namespace quell::ingest
