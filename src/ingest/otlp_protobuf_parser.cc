// src/ingest/otlp_protobuf_parser.cc
#include "ingest/otlp_protobuf_parser.h"

#include "simdjson.h"

namespace quell::ingest {

std::unique_ptr<Parser> OtlpProtobufParser::Make(core::Format format, const ParserOptions& options) {
  ParserOptions json_options = options;
  json_options.limits.max_body_bytes *= kJsonExpansion;
  return Wrap(MakeParser(format, json_options), json_options.limits.max_body_bytes);
}

std::unique_ptr<Parser> OtlpProtobufParser::Wrap(std::unique_ptr<Parser> json_parser, size_t max_json_bytes) {
  if (json_parser == nullptr) return nullptr;
  OtlpRequestKind kind;
  switch (json_parser->format()) {
    case core::Format::kOtlpLogs: kind = OtlpRequestKind::kLogs; break;
    case core::Format::kOtlpTraces: kind = OtlpRequestKind::kTraces; break;
    case core::Format::kOtlpMetrics: kind = OtlpRequestKind::kMetrics; break;
    default: return nullptr;
  }
  return std::unique_ptr<Parser>(new OtlpProtobufParser(std::move(json_parser), kind, max_json_bytes));
}

ParseResult OtlpProtobufParser::Parse(std::string_view body, size_t, core::SourceKind source,
                                      core::EventTime observed, core::SignalBatch* out) {
  json_.clear();
  ProtobufError error;
  if (!transcoder_.Transcode(kind_, body, max_json_bytes_, &json_, &error)) {
    ParseResult r;
    r.body_rejected = true;
    r.rejected = 1;
    out->Reject(core::Rejection{error.too_large ? core::RejectReason::kTooLarge : core::RejectReason::kMalformedProtobuf,
                                error.offset, 0, ""});
    return r;
  }
  if (json_.capacity() - json_.size() < simdjson::SIMDJSON_PADDING) json_.reserve(json_.size() + simdjson::SIMDJSON_PADDING);
  return json_parser_->Parse(json_, json_.capacity(), source, observed, out);
}

}  // namespace quell::ingest
