// src/ingest/otlp_protobuf_parser.h
//
// OtlpProtobufParser: a Parser for OTLP bodies in binary protobuf (an ExportLogsServiceRequest,
// ExportTraceServiceRequest or ExportMetricsServiceRequest, as the OpenTelemetry Collector's Kafka
// exporter writes them with its default `otlp_proto` encoding). It transcodes the body to OTLP JSON
// (otlp_protobuf.h) and hands that to the OTLP JSON parser it wraps, so the signals are those of
// the JSON encoding. Rejections of records carry offsets into the JSON transcoding; a broken wire
// format is one body-level `malformed_protobuf` rejection at its offset in the protobuf bytes, and
// a transcoding over 4x the parser's body limit one `too_large`.
//
// The HTTP intake transcodes inline instead (it keeps the JSON as the request's body); both use
// OtlpProtobufTranscoder. Not thread-safe: one per thread, as every Parser.
#ifndef QUELL_INGEST_OTLP_PROTOBUF_PARSER_H_
#define QUELL_INGEST_OTLP_PROTOBUF_PARSER_H_

#include <memory>
#include <string>

#include "ingest/otlp_protobuf.h"
#include "ingest/parser.h"

namespace quell::ingest {

class OtlpProtobufParser final : public Parser {
 public:
  // How much larger than the body limit the JSON transcoding may be.
  static constexpr size_t kJsonExpansion = 4;

  // nullptr unless `format` is kOtlpLogs, kOtlpTraces or kOtlpMetrics. The JSON parser it wraps
  // takes kJsonExpansion times options.limits.max_body_bytes.
  static std::unique_ptr<Parser> Make(core::Format format, const ParserOptions& options);
  // Wraps an OTLP JSON parser (e.g. one from a source's parser factory), whose own body limit
  // then bounds the transcoding. nullptr when `json_parser` is null or not an OTLP format.
  static std::unique_ptr<Parser> Wrap(std::unique_ptr<Parser> json_parser,
                                      size_t max_json_bytes = kJsonExpansion * ParserLimits().max_body_bytes);

  core::Format format() const override { return json_parser_->format(); }
  ParseResult Parse(std::string_view body, size_t padded_capacity, core::SourceKind source,
                    core::EventTime observed, core::SignalBatch* out) override;

 private:
  OtlpProtobufParser(std::unique_ptr<Parser> json_parser, OtlpRequestKind kind, size_t max_json_bytes)
      : json_parser_(std::move(json_parser)), kind_(kind), max_json_bytes_(max_json_bytes) {}

  std::unique_ptr<Parser> json_parser_;
  OtlpRequestKind kind_;
  size_t max_json_bytes_;
  OtlpProtobufTranscoder transcoder_;
  std::string json_;  // Reused: no allocation once grown to the largest body.
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_OTLP_PROTOBUF_PARSER_H_
