#include "ingest/record_parser.h"

namespace quell::ingest {

using core::RejectReason;

RecordParser::RecordParser(core::Format format, const ParserOptions& options, TopLevel top_level)
    : format_(format), options_(options), top_level_(top_level), doc_(options.limits) {}

SignalDraft& RecordParser::StartDraft(uint32_t offset) {
  core::Signal proto;
  proto.format = format_;
  proto.source = source_;
  proto.observed_time = observed_;
  proto.record_offset = offset;
  draft_.Reset(proto);
  return draft_;
}

void RejectTrailingContent(JsonDocument& jd, od::document& doc, uint32_t index, core::SignalBatch* out,
                           ParseResult* result) {
  auto loc = doc.current_location();
  if (loc.error()) return;  // At the end: nothing follows.
  const char* p = loc.value_unsafe();
  std::string_view body = jd.body();
  uint32_t off = jd.Offset(p);
  for (size_t i = off; i < body.size(); ++i) {
    char c = body[i];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      core::Rejection r;
      r.reason = RejectReason::kMalformedJson;
      r.offset = static_cast<uint32_t>(i);
      r.record_index = index;
      r.field = "trailing content";
      out->Reject(r);
      ++result->rejected;
      return;
    }
  }
}

ParseResult RecordParser::Parse(std::string_view body, size_t padded_capacity, core::SourceKind source,
                                core::EventTime observed, core::SignalBatch* out) {
  ParseResult result;
  od::document doc;
  if (!doc_.Open(body, padded_capacity, out, &result, &doc)) return result;
  out_ = out;
  source_ = source;
  observed_ = observed;
  od::json_type type;
  if (auto e = doc.type().get(type)) {
    JsonDocument::RejectBody(out, &result, ReasonForSimdjsonError(e) == RejectReason::kInvalidUtf8
                                               ? RejectReason::kInvalidUtf8
                                               : RejectReason::kMalformedJson,
                             0);
    return result;
  }
  const size_t before = out->size();
  if (type == od::json_type::array && top_level_ != TopLevel::kObject) {
    od::array arr;
    if (auto e = doc.get_array().get(arr)) {
      JsonDocument::RejectBody(out, &result, ReasonForSimdjsonError(e), 0);
      return result;
    }
    uint32_t n = ForEachRecord(doc_, arr, options_.limits.max_records, out, &result,
                               [&](od::value& v, uint32_t, uint32_t offset) { return ParseRecord(v, offset); });
    result.accepted = static_cast<uint32_t>(out->size() - before);
    RejectTrailingContent(doc_, doc, n, out, &result);
    return result;
  }
  if (type == od::json_type::object && top_level_ != TopLevel::kArray) {
    od::value v;
    if (auto e = doc.get_value().get(v)) {
      JsonDocument::RejectBody(out, &result, ReasonForSimdjsonError(e), 0);
      return result;
    }
    RecordStatus st = ParseRecord(v, 0);
    if (st.failed) {
      core::Rejection r;
      r.reason = st.reason;
      r.offset = 0;
      r.record_index = 0;
      r.field = st.field;
      out->Reject(r);
      ++result.rejected;
    }
    result.accepted = static_cast<uint32_t>(out->size() - before);
    if (!st.failed) RejectTrailingContent(doc_, doc, 1, out, &result);
    return result;
  }
  JsonDocument::RejectBody(out, &result, RejectReason::kWrongType, 0,
                           top_level_ == TopLevel::kArray ? "top level (array expected)" : "top level (object expected)");
  return result;
}

}  // namespace quell::ingest
