#include "ingest/datadog_markdown.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/testing/page_edge.h"

namespace quell::ingest {
namespace {

TEST(StripMarkdownFencesTest, DropsFencesAndTheSpacesAroundThem) {
  EXPECT_EQ(StripMarkdownFences("%%%\nDisk full on db-1\n%%%"), "Disk full on db-1");
  EXPECT_EQ(StripMarkdownFences(" \r\n%%% \t a\nb \n%%%\n"), "a\nb");
  EXPECT_EQ(StripMarkdownFences("no fences "), "no fences");
  EXPECT_EQ(StripMarkdownFences("%%%"), "");
  EXPECT_EQ(StripMarkdownFences("%%%%"), "%");
  EXPECT_EQ(StripMarkdownFences("%% x %%"), "%% x %%");
  EXPECT_EQ(StripMarkdownFences(""), "");
}

// The JSON string `json_text` (between its quotes) decoded, as simdjson decodes it.
std::string Decode(std::string_view json_text) {
  simdjson::dom::parser parser;
  std::string doc = "\"" + std::string(json_text) + "\"";
  std::string_view s;
  if (parser.parse(doc).get(s) != simdjson::SUCCESS) return "<invalid>";
  return std::string(s);
}

TEST(StripEscapedMarkdownFencesTest, DatadogsShapeIsAViewIntoTheText) {
  const std::string_view text = R"(%%%\nDisk full on db-1\n%%%)";
  std::string_view message;
  ASSERT_TRUE(StripEscapedMarkdownFences(text, &message));
  EXPECT_EQ(message, "Disk full on db-1");
  EXPECT_GE(message.data(), text.data());
  EXPECT_LE(message.data() + message.size(), text.data() + text.size());
}

TEST(StripEscapedMarkdownFencesTest, DeclinesAnEscapeInsideTheMessage) {
  std::string_view message = "unchanged";
  EXPECT_FALSE(StripEscapedMarkdownFences(R"(%%%\nline 1\nline 2\n%%%)", &message));
  EXPECT_FALSE(StripEscapedMarkdownFences(R"(%%%\n\"quoted\"\n%%%)", &message));
  EXPECT_FALSE(StripEscapedMarkdownFences(R"(%%%\n\u00e9t\u00e9\n%%%)", &message));
  // An escaped backslash, then n, is not a newline: trimming it would drop a real character.
  EXPECT_FALSE(StripEscapedMarkdownFences(R"(%%%\nends with a backslash\\n%%%)", &message));
  EXPECT_FALSE(StripEscapedMarkdownFences(R"(\\n%%%\nx\n%%%)", &message));
  EXPECT_EQ(message, "unchanged");
}

// Every combination of these edges and middles: wherever StripEscapedMarkdownFences answers, it
// answers what decoding and then StripMarkdownFences gives; and it answers for every text whose
// message holds no escape.
TEST(StripEscapedMarkdownFencesTest, AgreesWithDecodingFirst) {
  const std::vector<std::string> edges = {"",       " ",     R"(\n)",   R"(\r\n)",  R"(\t)",    "%%%",
                                          R"(\\)",  R"(\\n)", R"(\u0020)", R"(\")",   R"(%%%\n)", R"(\n%%%)",
                                          R"( %%% )", R"(\n\n%%%\n\n)", "%",  R"(\\\n)", "\t"};
  const std::vector<std::string> middles = {"", "a", "Disk full on db-1", R"(a\nb)", R"(x\\)", "%", "%%%%", " x ",
                                            R"(\u00e9)", "n", R"(\)"};
  int answered = 0, checked = 0;
  for (const std::string& left : edges) {
    for (const std::string& middle : middles) {
      for (const std::string& right : edges) {
        const std::string text = left + middle + right;
        const std::string decoded = Decode(text);
        if (decoded == "<invalid>") continue;  // Not a JSON string (a lone backslash).
        ++checked;
        const std::string want(StripMarkdownFences(decoded));
        std::string_view got;
        if (StripEscapedMarkdownFences(text, &got)) {
          ++answered;
          EXPECT_EQ(got, want) << "text: " << text;
        } else {
          // Declined only where the message (or an edge that is not a space) holds an escape.
          EXPECT_NE(text.find('\\'), std::string::npos) << "text: " << text;
        }
      }
    }
  }
  EXPECT_GT(checked, 2000);
  EXPECT_GT(answered, 800);
}

// The backslash check reads 64 bytes at once where they stay on the text's page: texts that end
// where readable memory ends fault if that check is wrong.
TEST(StripEscapedMarkdownFencesTest, TextsAtThePageEdge) {
  quell::testing::PageEdge edge;
  for (size_t n = 0; n <= 70; ++n) {
    std::string body(n, 'x');
    const std::string text = R"(%%%\n)" + body + R"(\n%%%)";
    std::string_view message;
    ASSERT_TRUE(StripEscapedMarkdownFences(edge.Place(text), &message)) << n;
    EXPECT_EQ(message, body);
    std::string with_escape = text;
    with_escape[text.size() / 2] = '\\';
    if (n >= 2) {
      EXPECT_FALSE(StripEscapedMarkdownFences(edge.Place(with_escape), &message)) << n;
    }
  }
}

}  // namespace
}  // namespace quell::ingest
