#include "server/content_encoding.h"

#include <zstd.h>

#include <algorithm>
#include <string>
#include <string_view>

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

// One zstd frame written as streaming senders write it: the input fed in pieces, so the frame
// header carries no content size and the window is the level's (or `window_log`).
std::string StreamedZstdFrame(std::string_view plain, int window_log = 0) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
  if (window_log != 0) ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log);
  std::string frame(ZSTD_compressBound(plain.size()) + 1024, '\0');
  ZSTD_outBuffer o{frame.data(), frame.size(), 0};
  for (size_t at = 0; at < plain.size(); at += 4096) {
    ZSTD_inBuffer in{plain.data() + at, std::min<size_t>(4096, plain.size() - at), 0};
    while (in.pos < in.size) ZSTD_compressStream2(c, &o, &in, ZSTD_e_continue);
  }
  ZSTD_inBuffer none{nullptr, 0, 0};
  while (ZSTD_compressStream2(c, &o, &none, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(c);
  frame.resize(o.pos);
  return frame;
}

TEST(ContentEncodingTest, ParsesHeader) {
  EXPECT_EQ(ParseContentEncoding(""), ContentEncoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding("identity"), ContentEncoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding(" GZIP "), ContentEncoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("x-gzip"), ContentEncoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("Deflate"), ContentEncoding::kDeflate);
  EXPECT_EQ(ParseContentEncoding("zstd"), ContentEncoding::kZstd);
  EXPECT_EQ(ParseContentEncoding("ZSTD"), ContentEncoding::kZstd);
  EXPECT_EQ(ParseContentEncoding("br"), ContentEncoding::kUnsupported);
  EXPECT_EQ(ParseContentEncoding("gzip, deflate"), ContentEncoding::kUnsupported);
}

TEST(ContentEncodingTest, RoundTripsEveryEncodingWithPadding) {
  const std::string plain = Sample();
  for (ContentEncoding enc :
       {ContentEncoding::kGzip, ContentEncoding::kDeflate, ContentEncoding::kZstd, ContentEncoding::kIdentity}) {
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
  for (ContentEncoding enc : {ContentEncoding::kGzip, ContentEncoding::kDeflate, ContentEncoding::kZstd}) {
    SCOPED_TRACE(static_cast<int>(enc));
    // 64 MiB of zeros compresses to ~64 KiB (zstd: ~2 KiB); the cap is 1 MiB.
    std::string bomb = EncodeBody(enc, std::string(64 << 20, '\0'));
    ASSERT_LT(bomb.size(), 100u << 10);
    std::string out;
    EXPECT_THAT(DecodeBody(enc, bomb, 1 << 20, &out),
                StatusIs(absl::StatusCode::kResourceExhausted, ::testing::HasSubstr("exceeds 1048576 bytes")));
    EXPECT_TRUE(out.empty());
    // Exactly at the cap is fine.
    std::string exact = EncodeBody(enc, std::string(1 << 20, 'a'));
    EXPECT_THAT(DecodeBody(enc, exact, 1 << 20, &out), IsOk());
    EXPECT_EQ(out.size(), 1u << 20);
  }
  std::string out;
  // Identity bodies obey the cap too.
  EXPECT_THAT(DecodeBody(ContentEncoding::kIdentity, std::string(11, 'x'), 10, &out),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

// What streaming senders write: frames without a content size, several back to back.
TEST(ContentEncodingTest, ZstdStreamedAndConcatenatedFrames) {
  const std::string a = Sample(), b = "[" + Sample() + "]";
  const std::string first = StreamedZstdFrame(a);
  ASSERT_EQ(ZSTD_getFrameContentSize(first.data(), first.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  const std::string wire = first + StreamedZstdFrame(b);
  std::string out;
  ASSERT_THAT(DecodeBody(ContentEncoding::kZstd, wire, 1 << 20, &out, 64), IsOk());
  EXPECT_EQ(out, a + b);
  EXPECT_GE(out.capacity() - out.size(), 64u);
  // The cap counts the frames together: each fits, both do not.
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, wire, a.size() + b.size() - 1, &out),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, wire, a.size() + b.size(), &out), IsOk());
}

TEST(ContentEncodingTest, ZstdBombAndBadStreams) {
  std::string out;
  // A bomb without a content size in its frame header (ZipBombIsResourceExhausted has one with).
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, StreamedZstdFrame(std::string(8 << 20, '\0')), 1 << 20, &out),
              StatusIs(absl::StatusCode::kResourceExhausted));
  const std::string wire = EncodeBody(ContentEncoding::kZstd, Sample());
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, wire.substr(0, wire.size() / 2), 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("truncated")));
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, "definitely not zstd", 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("zstd")));
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, "", 1 << 20, &out), StatusIs(absl::StatusCode::kInvalidArgument));
  // A frame that asks for a 128 MiB window is refused, not allocated; an 8 MiB one decodes.
  const std::string plain = Sample();
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, StreamedZstdFrame(plain, 27), 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("zstd")));
  ASSERT_THAT(DecodeBody(ContentEncoding::kZstd, StreamedZstdFrame(plain, 23), 1 << 20, &out), IsOk());
  EXPECT_EQ(out, plain);
}

// RFC 1952 2.2: a gzip body is a series of members (log shippers append compressed chunks); every
// member decodes, into one body.
TEST(ContentEncodingTest, GzipMembersDecodeToTheirConcatenation) {
  const std::string a = R"([{"message":"m1"},)", b = R"({"message":"m2"}])";
  std::string out;
  ASSERT_THAT(DecodeBody(ContentEncoding::kGzip, EncodeBody(ContentEncoding::kGzip, a) +
                                                     EncodeBody(ContentEncoding::kGzip, b),
                         1 << 20, &out, 64),
              IsOk());
  EXPECT_EQ(out, a + b);
  EXPECT_GE(out.capacity() - out.size(), 64u);
}

TEST(ContentEncodingTest, GzipThreeMembersIncludingAnEmptyOne) {
  const std::string a = Sample(), c = "[" + Sample() + "]";
  const std::string wire = EncodeBody(ContentEncoding::kGzip, a) + EncodeBody(ContentEncoding::kGzip, "") +
                           EncodeBody(ContentEncoding::kGzip, c);
  std::string out;
  ASSERT_THAT(DecodeBody(ContentEncoding::kGzip, wire, 1 << 20, &out), IsOk());
  EXPECT_EQ(out, a + c);
}

TEST(ContentEncodingTest, GzipCapCountsAllMembers) {
  const std::string a = Sample(), b = "[" + Sample() + "]";
  const std::string wire = EncodeBody(ContentEncoding::kGzip, a) + EncodeBody(ContentEncoding::kGzip, b);
  std::string out;
  // Each member fits, both do not.
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, wire, a.size() + b.size() - 1, &out),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::HasSubstr("exceeds")));
  EXPECT_TRUE(out.empty());
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, wire, a.size() + 1, &out),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Exactly at the cap, the first member filling it at its last byte, is fine.
  ASSERT_THAT(DecodeBody(ContentEncoding::kGzip, wire, a.size() + b.size(), &out), IsOk());
  EXPECT_EQ(out, a + b);
  // A cap the first member alone fills, followed by an empty member, is fine too.
  ASSERT_THAT(DecodeBody(ContentEncoding::kGzip,
                         EncodeBody(ContentEncoding::kGzip, a) + EncodeBody(ContentEncoding::kGzip, ""), a.size(), &out),
              IsOk());
  EXPECT_EQ(out, a);
}

// Some writers pad the last member with zero bytes (as tar blocks are): the padding is skipped.
TEST(ContentEncodingTest, GzipMembersThenZeroPaddingAreAccepted) {
  const std::string a = Sample(), b = R"({"message":"m2"})";
  const std::string wire = EncodeBody(ContentEncoding::kGzip, a) + EncodeBody(ContentEncoding::kGzip, b);
  std::string out;
  for (size_t pad : {1, 7, 512}) {
    ASSERT_THAT(DecodeBody(ContentEncoding::kGzip, wire + std::string(pad, '\0'), 1 << 20, &out), IsOk());
    EXPECT_EQ(out, a + b);
  }
}

// Bytes after the last gzip member or the zlib stream that are neither a member nor zero padding
// are refused, as Python's gzip.decompress refuses them, not silently dropped.
TEST(ContentEncodingTest, TrailingDataIsInvalidArgument) {
  const std::string plain = Sample();
  std::string out;
  const std::string gz = EncodeBody(ContentEncoding::kGzip, plain);
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, gz + "junk", 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("gzip: 4 bytes of trailing data after the last member")));
  EXPECT_TRUE(out.empty());
  // Zero padding followed by junk is junk.
  EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, gz + std::string(3, '\0') + "x", 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("4 bytes of trailing data")));
  // A second member cut short is a truncated stream.
  const std::string gz2 = EncodeBody(ContentEncoding::kGzip, "[]");
  for (size_t keep : {size_t{1}, size_t{2}, gz2.size() - 1}) {
    EXPECT_THAT(DecodeBody(ContentEncoding::kGzip, gz + gz2.substr(0, keep), 1 << 20, &out),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("truncated")));
  }
  // A zlib stream has one member: a second one, or junk, after it is trailing data.
  const std::string zlib = EncodeBody(ContentEncoding::kDeflate, plain);
  EXPECT_THAT(DecodeBody(ContentEncoding::kDeflate, zlib + zlib, 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("deflate: " + std::to_string(zlib.size()) + " bytes of trailing data")));
  EXPECT_THAT(DecodeBody(ContentEncoding::kDeflate, zlib + "junk", 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("trailing data")));
  ASSERT_THAT(DecodeBody(ContentEncoding::kDeflate, zlib + std::string(4, '\0'), 1 << 20, &out), IsOk());
  EXPECT_EQ(out, plain);
  // zstd: bytes after the last frame that start no frame are refused too.
  EXPECT_THAT(DecodeBody(ContentEncoding::kZstd, EncodeBody(ContentEncoding::kZstd, plain) + "junk", 1 << 20, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("zstd")));
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
