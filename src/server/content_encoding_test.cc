#include "server/content_encoding.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace quell::server {
namespace {

using ::quell::testing::IsOk;
using ::quell::testing::StatusIs;

std::string Sample() {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += R"({"labels":{"alertname":"HighLatency","i":")" + std::to_string(i) + "\"}},";
  return s;
}

TEST(ContentEncodingTest, ParsesHeader) {
  EXPECT_EQ(ParseContentEncoding(""), ContentEncoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding("identity"), ContentEncoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding(" GZIP "), ContentEncoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("x-gzip"), ContentEncoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("Deflate"), ContentEncoding::kDeflate);
  EXPECT_EQ(ParseContentEncoding("br"), ContentEncoding::kUnsupported);
  EXPECT_EQ(ParseContentEncoding("gzip, deflate"), ContentEncoding::kUnsupported);
}

TEST(ContentEncodingTest, RoundTripsGzipAndDeflateWithPadding) {
  const std::string plain = Sample();
  for (ContentEncoding enc : {ContentEncoding::kGzip, ContentEncoding::kDeflate, ContentEncoding::kIdentity}) {
    std::string wire = EncodeBody(enc, plain);
    if (enc != ContentEncoding::kIdentity) {
      EXPECT_LT(wire.size(), plain.size() / 4);
    }
    std::string out;
    ASSERT_THAT(DecodeBody(enc, wire, 1 << 20, &out, 64), IsOk());
    EXPECT_EQ(out, plain);
    EXPECT_GE(out.capacity() - out.size(), 64u);
  }
}

TEST(ContentEncodingTest, AcceptsRawDeflate) {
  // Raw deflate (no zlib header), as some clients send for "deflate": strip EncodeBody's 2-byte
  // header and 4-byte Adler-32 trailer.
  const std::string plain = Sample();
  std::string zlib = EncodeBody(ContentEncoding::kDeflate, plain);
  std::string raw = zlib.substr(2, zlib.size() - 6);
  std::string out;
  ASSERT_THAT(DecodeBody(ContentEncoding::kDeflate, raw, 1 << 20, &out), IsOk());
  EXPECT_EQ(out, plain);
}

TEST(ContentEncodingTest, ZipBombIsResourceExhausted) {
  // 64 MiB of zeros compresses to ~64 KiB; the cap is 1 MiB.
  std::string bomb = EncodeBody(ContentEncoding::kGzip, std::string(64 << 20, '\0'));
  ASSERT_LT(bomb.size(), 100u << 10);
  std::string out;
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, bomb, 1 << 20, &out),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::HasSubstr("exceeds 1048576 bytes")));
  EXPECT_TRUE(out.empty());
  // Exactly at the cap is fine.
  std::string exact = EncodeBody(ContentEncoding::kGzip, std::string(1 << 20, 'a'));
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, exact, 1 << 20, &out), IsOk());
  EXPECT_EQ(out.size(), 1u << 20);
  // Identity bodies obey the cap too.
  EXPECT_THAT(DecodeBody(ContentEncoding::kIdentity, std::string(11, 'x'), 10, &out),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(ContentEncodingTest, CorruptAndTruncatedAreInvalidArgument) {
  std::string out;
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, "definitely not gzip", 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string wire = EncodeBody(ContentEncoding::kGzip, Sample());
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, wire.substr(0, wire.size() / 2), 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("truncated")));
  EXPECT_THAT(DecodeBody(ContentEncoding::kUnsupported, "x", 10, &out), StatusIs(absl::StatusCode::kUnimplemented));
}

}  // namespace
}  // namespace quell::server
