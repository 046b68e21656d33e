// src/server/content_encoding.h
//
// Request-body Content-Encoding: the HTTP server undoes `gzip`, `deflate` (zlib-wrapped, and raw
// deflate as some clients send it) and `zstd` (RFC 8878: what the Datadog Agent, Vector and the
// OpenTelemetry Collector can send) before any handler sees the body, with a cap on the
// decompressed size so a small compressed body cannot expand without bound (zip bombs -> 413).
// A zstd frame may not ask for a window over max(8 MiB, the cap), so a decoder's memory stays
// bounded; concatenated frames decode as one body. Likewise a gzip body may be a series of members
// (RFC 1952 2.2; log shippers append compressed chunks): every member decodes, in order, into one
// body, the cap counting all of them. A zlib or raw deflate body is a single stream. After the last
// gzip member or the deflate stream only zero bytes (padding some writers add) may follow, after the
// last zstd frame nothing; anything else is refused as trailing data, never silently dropped.
// Pure functions of their arguments: thread-safe.
#ifndef QUELL_SERVER_CONTENT_ENCODING_H_
#define QUELL_SERVER_CONTENT_ENCODING_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace quell::server {

enum class ContentEncoding { kIdentity, kGzip, kDeflate, kZstd, kUnsupported };

// Parses a Content-Encoding header value, case-insensitively. Empty and "identity" are kIdentity;
// "x-gzip" is kGzip. Anything else (br, snappy, a list of several codings) is kUnsupported.
ContentEncoding ParseContentEncoding(std::string_view header);

// Decodes `in` into `*out` (replacing its contents). `*out` gets at least `padding` spare bytes of
// capacity past its size, so simdjson can parse it in place.
// Errors: ResourceExhausted when the decoded body would exceed `max_decoded_bytes` (answer 413);
// InvalidArgument for a corrupt or truncated stream or trailing data after it, e.g.
// "content-encoding: gzip: 4 bytes of trailing data after the last member" (answer 400);
// Unimplemented for kUnsupported (answer 415). Messages never quote body bytes.
[[nodiscard]] absl::Status DecodeBody(ContentEncoding encoding, std::string_view in, size_t max_decoded_bytes,
                                      std::string* out, size_t padding = 64);

// Compresses `in` (gzip, zlib-wrapped deflate or zstd). For tests, benchmarks and clients; kIdentity copies.
// REQUIRES: encoding is not kUnsupported.
std::string EncodeBody(ContentEncoding encoding, std::string_view in);

}  // namespace quell::server

#endif  // QUELL_SERVER_CONTENT_ENCODING_H_
