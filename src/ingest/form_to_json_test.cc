#include "ingest/form_to_json.h"

#include <string>

#include "gtest/gtest.h"

namespace quell::ingest {
namespace {

std::string Json(std::string_view form) {
  std::string out;
  FormError err;
  EXPECT_TRUE(FormToJson(form, 1 << 20, &out, &err)) << form << ": " << err.reason;
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

TEST(FormToJsonTest, BadPercentEscapeFailsWithItsOffset) {
  std::string out = "kept";
  FormError err;
  EXPECT_FALSE(FormToJson("a=1&title=50%+off", 1 << 20, &out, &err));
  EXPECT_EQ(err.offset, 12u);  // The '%' of "50%+".
  EXPECT_EQ(err.reason, "bad percent-escape \"%+o\"");
  EXPECT_EQ(out, "kept");  // Nothing appended.
  EXPECT_FALSE(FormToJson("a=%4", 1 << 20, &out, &err));
  EXPECT_EQ(err.offset, 2u);
}

TEST(FormToJsonTest, JsonOverTheLimitFails) {
  std::string out;
  FormError err;
  EXPECT_FALSE(FormToJson("a=%01%01%01%01", 16, &out, &err));  // Each control byte is 6 JSON bytes.
  EXPECT_EQ(err.reason, "its JSON exceeds 16 bytes");
  EXPECT_TRUE(out.empty());
}

TEST(FormToJsonTest, ContentType) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormContentType("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
  EXPECT_FALSE(IsFormContentType("application/json"));
  EXPECT_FALSE(IsFormContentType("multipart/form-data"));
  EXPECT_FALSE(IsFormContentType(""));
}

}  // namespace
}  // namespace quell::ingest
