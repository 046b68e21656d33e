// src/ingest/otlp_protobuf.h
//
// OTLP/HTTP with binary protobuf bodies (Content-Type: application/x-protobuf), the default of the
// OpenTelemetry SDKs (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) and of the Collector's otlphttp
// exporter. Quell does not map protobuf messages to signals a second time: OtlpProtobufTranscoder
// rewrites an ExportLogsServiceRequest, ExportTraceServiceRequest or ExportMetricsServiceRequest
// into the OTLP JSON encoding, and the OTLP JSON parsers read that, so both encodings give the same
// signals, rejections and dead letters (docs/adr/0013-otlp-protobuf-transcoding.md).
//
// The JSON is what the OTLP JSON encoding specifies: lowerCamelCase names; int64, uint64, fixed64
// and sfixed64 as decimal strings; trace and span ids as lowercase hex; other bytes as base64;
// enums as numbers; doubles in their shortest round-trip form, NaN and infinities as the strings
// "NaN", "Infinity", "-Infinity" (proto3's JSON mapping).
//
// The schema is opentelemetry-proto v1 (common, resource, logs, trace, metrics), written out as
// tables in the .cc. As any protobuf parser does, the transcoder skips fields the schema does not
// name and fields whose wire type does not match their declared type, takes the last occurrence of
// a singular field, and accepts repeated scalars packed or not and repeated fields interleaved.
//
// Errors fail the whole body (the caller answers 400): a truncated varint, tag or fixed-width
// value, a varint longer than 10 bytes, a length that runs past its message, field number 0, a
// group (wire types 3, 4) or a reserved wire type (6, 7), and messages nested deeper than
// kMaxDepth. Strings are copied as they are; invalid UTF-8 is then rejected by the JSON parser.
//
// Thread-compatible: one transcoder per thread; its scratch space is reused (no allocation once it
// has grown to the largest message seen).
#ifndef QUELL_INGEST_OTLP_PROTOBUF_H_
#define QUELL_INGEST_OTLP_PROTOBUF_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace quell::ingest {

enum class OtlpRequestKind : uint8_t { kLogs, kTraces, kMetrics };

struct ProtobufError {
  std::string reason;   // "length 70 runs past the end of its message (ends at byte 64)".
  uint32_t offset = 0;  // Byte offset in the protobuf body where it was found.
  bool too_large = false;  // The JSON would exceed max_json_bytes (not a wire-format error).
};

class OtlpProtobufTranscoder {
 public:
  // Message levels, counting from the request: a log record is at level 4, and each level of
  // nesting inside an attribute value adds three (KeyValue, AnyValue, KeyValueList/ArrayValue).
  // Deep enough that a value nested past the JSON parsers' ParserLimits::max_depth (64) is
  // transcoded and then rejected as that one record (too_deep, partial success), as the same
  // request in JSON is, instead of failing the whole body; bounded, as the transcoder recurses.
  static constexpr int kMaxDepth = 512;

  // Appends the OTLP JSON of `body` to *json, up to max_json_bytes of it. On failure returns
  // false, fills *error, and leaves *json holding a partial document.
  bool Transcode(OtlpRequestKind kind, std::string_view body, size_t max_json_bytes, std::string* json,
                 ProtobufError* error);

 private:
  struct Entry {
    uint32_t number;
    uint8_t wire;     // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
    uint32_t offset;  // Wire type 2: where the bytes start.
    uint32_t length;  // Wire type 2: how many.
    uint64_t value;   // Wire types 0, 1, 5: the value.
  };
  bool Message(uint8_t message, uint32_t begin, uint32_t end, int depth);
  bool Fail(uint32_t offset, std::string reason);

  std::string_view body_;
  std::string* out_ = nullptr;
  size_t out_limit_ = 0;  // out_->size() past which the transcoding fails as too large.
  ProtobufError* error_ = nullptr;
  std::vector<Entry> entries_;  // A stack: each message's fields above its parent's.
};

// The inverse, for tools and tests: the binary protobuf of an OTLP JSON request (names in
// lowerCamelCase or snake_case; 64-bit integers and doubles as numbers or strings; enums as
// numbers). Repeated scalars are written unpacked; keys the schema does not name are dropped.
// Fails on values of the wrong JSON type, bad hex or base64, and on JSON that is not an object.
absl::StatusOr<std::string> OtlpJsonToProtobuf(OtlpRequestKind kind, std::string_view json);

// The body of a successful ExportLogsServiceResponse, ExportTraceServiceResponse or
// ExportMetricsServiceResponse (the three have the same shape): empty when nothing was rejected,
// else partial_success {rejected_<items> = rejected, error_message}.
std::string OtlpProtobufExportResponse(int64_t rejected, std::string_view error_message);

// A google.rpc.Status {code, message}: the body of an OTLP/HTTP error answer to a protobuf request.
std::string OtlpProtobufStatus(int32_t code, std::string_view message);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_OTLP_PROTOBUF_H_
