// fuzz/content_encoding_fuzz.cc: request-body decoding (server/content_encoding.h) against arbitrary
// bytes. The first byte picks the encoding (gzip, deflate, zstd, identity); the rest is the body.
// Checked: decoding never crashes or exceeds the cap; a success leaves the promised padding; a
// failure is one of the three documented codes and leaves no output; and the same bytes taken as a
// plain body round-trip through EncodeBody/DecodeBody. Seed corpus: fuzz/corpus/content_encoding/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/content_encoding.h"

namespace {

using quell::server::ContentEncoding;

constexpr size_t kCap = 1 << 20;
constexpr size_t kPadding = 64;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr ContentEncoding kEncodings[] = {ContentEncoding::kGzip, ContentEncoding::kDeflate,
                                                   ContentEncoding::kZstd, ContentEncoding::kIdentity};
  const ContentEncoding enc = kEncodings[data[0] % 4];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string out = "stale";
  absl::Status s = quell::server::DecodeBody(enc, body, kCap, &out, kPadding);
  if (s.ok()) {
    Check(out.size() <= kCap);
    Check(out.capacity() - out.size() >= kPadding);
    if (enc == ContentEncoding::kIdentity) Check(out == body);
  } else {
    Check(s.code() == absl::StatusCode::kResourceExhausted || s.code() == absl::StatusCode::kInvalidArgument);
    Check(out.empty());
  }

  // The same bytes as a plain body: what EncodeBody writes, DecodeBody reads back.
  const std::string wire = quell::server::EncodeBody(enc, body);
  std::string back;
  Check(quell::server::DecodeBody(enc, wire, kCap, &back, kPadding).ok());
  Check(back == body);
  return 0;
}
