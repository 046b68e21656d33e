#include "core/json_writer.h"

#include "core/label_set.h"
#include "gtest/gtest.h"

namespace quell::core {
namespace {

TEST(JsonWriterTest, WritesNestedDocumentsWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("status", "firing");
  w.Field("count", int64_t{3});
  w.Key("alerts");
  w.BeginArray();
  w.BeginObject();
  w.Key("labels");
  w.Labels(LabelSet{{"b", "2"}, {"a", "1"}}.view());
  w.EndObject();
  w.Int(7);
  w.EndArray();
  w.Field("ok", true);
  w.Key("none");
  w.Null();
  w.EndObject();
  EXPECT_EQ(out, R"({"status":"firing","count":3,"alerts":[{"labels":{"a":"1","b":"2"}},7],"ok":true,"none":null})");
}

TEST(JsonWriterTest, EscapesControlQuotesAndInvalidUtf8) {
  std::string out;
  JsonWriter::AppendEscapedTo(&out, std::string_view("a\"b\\c\n\x01 \xC3\xA9 \xFF end", 16));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001 \xC3\xA9 \xEF\xBF\xBD end\"");
}

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Double(1.5);
  w.Double(std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(out, "[1.5,null]");
}

TEST(JsonWriterTest, OptionalDoubleIsTheValueOrNull) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("a", std::optional<double>(0.25));
  w.Field("b", std::optional<double>());
  w.Field("c", 1.5);  // A plain double still takes the double overload.
  w.EndObject();
  EXPECT_EQ(out, R"({"a":0.25,"b":null,"c":1.5})");
}

}  // namespace
}  // namespace quell::core
