// src/server/content_encoding.cc
#include "server/content_encoding.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/status_macros.h"
#include "core/strings.h"
#include "fmt/format.h"

namespace quell::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// window_bits: 15+16 gzip, 15 zlib, -15 raw deflate. A gzip body is a series of members (RFC 1952
// 2.2), decoded one after another into `*out` under one cap; a zlib or raw deflate body is one
// stream. After the last member or stream only zero bytes (padding some writers add) may follow.
absl::Status Inflate(std::string_view in, int window_bits, size_t max_decoded_bytes, std::string* out,
                     size_t padding) {
  const bool gzip = window_bits > 15;
  const char* const what = gzip ? "gzip" : "deflate";
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    return absl::InternalError("content-encoding: zlib init failed");
  }
  auto fail = [&zs, out](absl::Status status) {
    inflateEnd(&zs);
    out->clear();
    return status;
  };
  out->clear();
  // Start with a guess (compressed text/JSON inflates ~4-10x), grow geometrically up to the cap.
  size_t cap = std::min(max_decoded_bytes, std::max<size_t>(in.size() * 4, 4096));
  out->resize(cap + padding);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  while (true) {
    if (produced == cap && cap < max_decoded_bytes) {
      cap = std::min(max_decoded_bytes, cap * 2);
      out->resize(cap + padding);
    }
    // Full at the cap: decode into a one-byte probe; one more byte of output means the body is over
    // the limit (the rest of a member may still be its trailer, or an empty member may follow).
    const bool at_cap = produced == cap;
    char probe;
    zs.next_out = reinterpret_cast<Bytef*>(at_cap ? &probe : out->data() + produced);
    zs.avail_out = at_cap ? 1 : static_cast<uInt>(cap - produced);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (at_cap && zs.avail_out == 0) {
      return fail(absl::ResourceExhaustedError(
          fmt::format("content-encoding: decoded body exceeds {} bytes", max_decoded_bytes)));
    }
    if (!at_cap) produced = cap - zs.avail_out;
    if (rc == Z_STREAM_END) {
      const std::string_view rest(reinterpret_cast<const char*>(zs.next_in), zs.avail_in);
      if (rest.empty() || std::all_of(rest.begin(), rest.end(), [](char c) { return c == '\0'; })) break;
      // The start of another member (a lone 0x1f too: inflate then reports it truncated).
      if (gzip && rest[0] == '\x1f' && (rest.size() == 1 || rest[1] == '\x8b')) {
        if (inflateReset(&zs) != Z_OK) return fail(absl::InternalError("content-encoding: zlib reset failed"));
        continue;
      }
      return fail(absl::InvalidArgumentError(fmt::format("content-encoding: {}: {} bytes of trailing data after {}",
                                                         what, rest.size(),
                                                         gzip ? "the last member" : "the stream")));
    }
    // Z_BUF_ERROR with input left means the output is full: grow (or probe) and go on.
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_in != 0)) continue;
    // Z_BUF_ERROR with no input left is a truncated stream; anything else a corrupt one.
    return fail(absl::InvalidArgumentError(fmt::format("content-encoding: corrupt or truncated {} stream", what)));
  }
  inflateEnd(&zs);
  out->resize(produced);
  if (out->capacity() - out->size() < padding) out->reserve(out->size() + padding);
  return absl::OkStatus();
}

absl::Status ZstdTruncated() {
  return absl::InvalidArgumentError("content-encoding: corrupt or truncated zstd stream");
}

absl::Status ZstdCorrupt(size_t rc) {
  return absl::InvalidArgumentError(fmt::format("content-encoding: corrupt zstd stream ({})", ZSTD_getErrorName(rc)));
}

// RFC 8878 frames (one or several, back to back) with the same cap and padding as Inflate.
absl::Status Unzstd(std::string_view in, size_t max_decoded_bytes, std::string* out, size_t padding) {
  struct FreeDCtx {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx(ZSTD_createDCtx());
  if (dctx == nullptr) return absl::InternalError("content-encoding: zstd init failed");
  ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_and_parameters);
  // The decoder allocates the window a frame asks for: at most 8 MiB (what zstd levels 1-19 use
  // when streaming, as senders do), or the cap if larger. A frame asking for more is refused
  // before anything is allocated.
  int window_log = 23;
  while (window_log < 31 && (size_t{1} << window_log) < max_decoded_bytes) ++window_log;
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log);
  out->clear();
  size_t cap = std::min(max_decoded_bytes, std::max<size_t>(in.size() * 4, 4096));
  out->resize(cap + padding);
  auto fail = [out](absl::Status status) {
    out->clear();
    return status;
  };
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t produced = 0;
  while (true) {
    if (produced == cap && cap >= max_decoded_bytes) {
      // Full at the cap: one more byte of output means the body is over the limit.
      char probe;
      ZSTD_outBuffer p{&probe, 1, 0};
      const size_t rc = ZSTD_decompressStream(dctx.get(), &p, &src);
      if (ZSTD_isError(rc)) return fail(ZstdCorrupt(rc));
      if (p.pos != 0) {
        return fail(absl::ResourceExhaustedError(
            fmt::format("content-encoding: decoded body exceeds {} bytes", max_decoded_bytes)));
      }
      if (rc == 0 && src.pos == src.size) break;
      if (src.pos == src.size) return fail(ZstdTruncated());
      continue;
    }
    if (produced == cap) {
      cap = std::min(max_decoded_bytes, cap * 2);
      out->resize(cap + padding);
    }
    ZSTD_outBuffer dst{out->data(), cap, produced};
    const size_t rc = ZSTD_decompressStream(dctx.get(), &dst, &src);
    if (ZSTD_isError(rc)) return fail(ZstdCorrupt(rc));
    produced = dst.pos;
    if (rc == 0 && src.pos == src.size) break;  // The last frame is complete.
    if (src.pos == src.size && dst.pos < dst.size) {
      // All input read, output to spare, and the frame wants more: truncated (or empty).
      return fail(ZstdTruncated());
    }
  }
  out->resize(produced);
  if (out->capacity() - out->size() < padding) out->reserve(out->size() + padding);
  return absl::OkStatus();
}

}  // namespace

ContentEncoding ParseContentEncoding(std::string_view header) {
  std::string_view v = Trim(header);
  if (v.empty() || core::EqualsIgnoreCase(v, "identity")) return ContentEncoding::kIdentity;
  if (core::EqualsIgnoreCase(v, "gzip") || core::EqualsIgnoreCase(v, "x-gzip")) return ContentEncoding::kGzip;
  if (core::EqualsIgnoreCase(v, "deflate")) return ContentEncoding::kDeflate;
  if (core::EqualsIgnoreCase(v, "zstd")) return ContentEncoding::kZstd;
  return ContentEncoding::kUnsupported;
}

absl::Status DecodeBody(ContentEncoding encoding, std::string_view in, size_t max_decoded_bytes, std::string* out,
                        size_t padding) {
  switch (encoding) {
    case ContentEncoding::kIdentity:
      if (in.size() > max_decoded_bytes) {
        return absl::ResourceExhaustedError(fmt::format("body: exceeds {} bytes", max_decoded_bytes));
      }
      out->reserve(in.size() + padding);
      out->assign(in.data(), in.size());
      return absl::OkStatus();
    case ContentEncoding::kGzip:
      return Inflate(in, 15 + 16, max_decoded_bytes, out, padding);
    case ContentEncoding::kDeflate: {
      // RFC 9110 deflate is zlib-wrapped; some clients send raw deflate. A zlib stream starts with a
      // header whose first two bytes are a multiple of 31 with CM=8.
      bool zlib_header = in.size() >= 2 && (static_cast<uint8_t>(in[0]) & 0x0f) == 8 &&
                         ((static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1])) % 31 == 0;
      return Inflate(in, zlib_header ? 15 : -15, max_decoded_bytes, out, padding);
    }
    case ContentEncoding::kZstd:
      return Unzstd(in, max_decoded_bytes, out, padding);
    case ContentEncoding::kUnsupported:
      break;
  }
  return absl::UnimplementedError("content-encoding: unsupported (accepted: gzip, deflate, zstd, identity)");
}

std::string EncodeBody(ContentEncoding encoding, std::string_view in) {
  if (encoding == ContentEncoding::kIdentity) return std::string(in);
  QUELL_CHECK(encoding != ContentEncoding::kUnsupported, "EncodeBody: unsupported encoding");
  if (encoding == ContentEncoding::kZstd) {
    std::string out(ZSTD_compressBound(in.size()), '\0');
    const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
    QUELL_CHECK(!ZSTD_isError(n), "EncodeBody: zstd compress failed");
    out.resize(n);
    return out;
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  int bits = encoding == ContentEncoding::kGzip ? 15 + 16 : 15;
  QUELL_CHECK(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) == Z_OK,
              "EncodeBody: deflateInit2");
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  QUELL_CHECK(rc == Z_STREAM_END, "EncodeBody: deflate did not finish");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace quell::server
