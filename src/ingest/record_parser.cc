#include "ingest/record_parser.h"

namespace quell::ingest {

using core::RejectReason;

RecordParser::RecordParser(core::Format format, const ParserOptions& options, TopLevel top_level)
    : format_(format), options_(options), top_level_(top_level), doc_(options.limits) {}

SignalDraft& RecordParser::StartDraft(uint32_t offset) {
  draft_.Reset(format_, source_, observed_, offset);
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

bool RecordParser::FindCompleteRecords(std::string_view body, Repair* repair) {
  auto skip_ws = [&](size_t p) {
    while (p < body.size() && (body[p] == ' ' || body[p] == '\n' || body[p] == '\r' || body[p] == '\t')) ++p;
    return p;
  };
  size_t pos = skip_ws(0);
  if (pos >= body.size() || body[pos] != '[') return false;
  size_t prefix_end = pos + 1;
  uint32_t n = 0;
  pos = skip_ws(pos + 1);
  bool closed = false;
  while (pos < body.size()) {
    if (n == 0 && body[pos] == ']') {
      closed = true;
      break;
    }
    size_t end = SkipJsonValue(body, pos);
    if (end == std::string::npos) break;
    ++n;
    prefix_end = end;
    pos = skip_ws(end);
    if (pos < body.size() && body[pos] == ',') {
      pos = skip_ws(pos + 1);
      continue;
    }
    if (pos < body.size() && body[pos] == ']') closed = true;
    break;
  }
  if (closed) {
    pos = skip_ws(pos + 1);
    if (pos >= body.size()) return false;  // Complete and nothing follows: not a truncation.
  }
  if (n == 0 && !closed) return false;     // Nothing readable.
  repair->used = true;
  repair->closed = closed;
  repair->prefix_end = prefix_end;
  repair->rest_offset = pos;
  return true;
}

ParseResult RecordParser::ParseRepaired(std::string_view body, const Repair& repair, core::SignalBatch* out) {
  ParseResult result;
  repair_.assign(body.substr(0, repair.prefix_end));
  repair_.push_back(']');
  repair_.reserve(repair_.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::array arr;
  if (!doc_.Open(repair_, repair_.capacity(), out, &result, &doc)) return result;
  if (doc.get_array().get(arr)) {
    JsonDocument::RejectBody(out, &result, RejectReason::kMalformedJson, 0);
    return result;
  }
  const size_t before = out->size();
  bool broken = false, broken_in_record = false;
  uint32_t n = ForEachRecord(&broken, &broken_in_record, doc_, arr, options_.limits.max_records, out, &result,
                             [&](od::value& v, uint32_t, uint32_t offset) { return ParseRecord(v, offset); });
  result.accepted = static_cast<uint32_t>(out->size() - before);
  if (broken_in_record) {
    RejectRemainder(doc_, doc, n, out, &result);
  } else if (!broken) {
    core::Rejection r;
    r.reason = RejectReason::kMalformedJson;
    r.offset = static_cast<uint32_t>(repair.rest_offset);
    r.record_index = n;
    r.field = repair.closed ? "trailing content" : "";
    out->Reject(r);
    ++result.rejected;
  }
  return result;
}

bool RecordParser::ParseWithoutInvalidRecords(std::string_view body, core::SignalBatch* out, ParseResult* result) {
  auto skip_ws = [&](size_t p) {
    while (p < body.size() && (body[p] == ' ' || body[p] == '\n' || body[p] == '\r' || body[p] == '\t')) ++p;
    return p;
  };
  size_t pos = skip_ws(0);
  if (pos >= body.size() || body[pos] != '[') return false;
  bad_records_.clear();
  repair_.assign(body);
  pos = skip_ws(pos + 1);
  while (pos < body.size() && body[pos] != ']') {
    size_t end = SkipJsonValue(body, pos);
    if (end == std::string::npos) break;
    size_t bad = FirstInvalidUtf8(body.substr(pos, end - pos));
    if (bad < end - pos) {
      bad_records_.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + bad)});
      repair_.replace(pos, end - pos, end - pos, ' ');
      repair_.replace(pos, 4, "null");  // A value is at least 2 bytes ("{}"); pad keeps offsets.
    }
    pos = skip_ws(end);
    if (pos < body.size() && body[pos] == ',') pos = skip_ws(pos + 1);
  }
  if (bad_records_.empty() || FirstInvalidUtf8(repair_) != repair_.size()) return false;
  repair_.reserve(repair_.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::array arr;
  core::RejectReason reason;
  uint32_t offset;
  if (!doc_.TryOpen(repair_, repair_.capacity(), &doc, &reason, &offset) || doc.get_array().get(arr)) return false;
  const size_t before = out->size(), rejections_before = out->rejections().size();
  bool broken = false, broken_in_record = false;
  uint32_t n = ForEachRecord(&broken, &broken_in_record, doc_, arr, options_.limits.max_records, out, result,
                             [&](od::value& v, uint32_t, uint32_t off) -> RecordStatus {
                               for (const BadRecord& b : bad_records_) {
                                 if (b.begin == off) return FieldError::Fail(RejectReason::kInvalidUtf8, "");
                               }
                               return ParseRecord(v, off);
                             });
  result->accepted = static_cast<uint32_t>(out->size() - before);
  // Report each bad record at its first invalid byte.
  auto rs = out->mutable_rejections();
  for (size_t i = rejections_before; i < rs.size(); ++i) {
    if (rs[i].reason != RejectReason::kInvalidUtf8) continue;
    for (const BadRecord& b : bad_records_) {
      if (b.begin == rs[i].offset) {
        rs[i].record_begin = b.begin;
        rs[i].offset = b.bad;
      }
    }
  }
  if (broken_in_record) {
    RejectRemainder(doc_, doc, n, out, result);
  } else if (!broken) {
    RejectTrailingContent(doc_, doc, n, out, result);
  }
  return true;
}

core::RejectReason TopLevelMismatchReason(od::document& doc, od::json_type type) {
  bool valid = false;
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      valid = doc.get_string().get(s) == simdjson::SUCCESS;
      break;
    }
    case od::json_type::number: {
      od::number n;
      valid = doc.get_number().get(n) == simdjson::SUCCESS;
      break;
    }
    case od::json_type::boolean: {
      bool b;
      valid = doc.get_bool().get(b) == simdjson::SUCCESS;
      break;
    }
    case od::json_type::null: {
      bool is = false;
      valid = doc.is_null().get(is) == simdjson::SUCCESS && is;
      break;
    }
    default: valid = true; break;  // An object or array the format does not take here.
  }
  return valid ? RejectReason::kWrongType : RejectReason::kMalformedJson;
}

[[gnu::hot]] ParseResult RecordParser::Parse(std::string_view body, size_t padded_capacity, core::SourceKind source,
                                core::EventTime observed, core::SignalBatch* out) {
  ParseResult result = ParseBody(body, padded_capacity, source, observed, out);
  if (const uint32_t dropped = draft_.TakeDroppedAnnotations(); dropped != 0) out->AddDroppedAnnotations(dropped);
  return result;
}

[[gnu::hot]] ParseResult RecordParser::ParseBody(std::string_view body, size_t padded_capacity,
                                                 core::SourceKind source, core::EventTime observed,
                                                 core::SignalBatch* out) {
  ParseResult result;
  od::document doc;
  out_ = out;
  doc_.KeepIn(out);
  source_ = source;
  observed_ = observed;
  core::RejectReason open_reason;
  uint32_t open_offset;
  if (!doc_.TryOpen(body, padded_capacity, &doc, &open_reason, &open_offset)) {
    // A truncated array (e.g. an unclosed string at the cut) fails stage 1: recover its complete
    // records when there are some.
    Repair repair;
    if (open_reason == RejectReason::kMalformedJson && top_level_ != TopLevel::kObject &&
        FindCompleteRecords(body, &repair)) {
      return ParseRepaired(body, repair, out);
    }
    // Invalid UTF-8 inside some records of an array: only those records are rejected.
    if (open_reason == RejectReason::kInvalidUtf8 && top_level_ != TopLevel::kObject &&
        ParseWithoutInvalidRecords(body, out, &result)) {
      return result;
    }
    JsonDocument::RejectBody(out, &result, open_reason, open_offset);
    return result;
  }
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
    simdjson::error_code e = doc.get_array().get(arr);
    // A truncated array, or content after it, fails up front (On-Demand checks the last token):
    // re-parse the complete records alone and reject the rest once.
    Repair repair;
    if (e && FindCompleteRecords(body, &repair)) return ParseRepaired(body, repair, out);
    if (e) {
      JsonDocument::RejectBody(out, &result, ReasonForSimdjsonError(e) == RejectReason::kWrongType
                                                 ? RejectReason::kMalformedJson
                                                 : ReasonForSimdjsonError(e),
                               0);
      return result;
    }
    bool broken = false, broken_in_record = false;
    uint32_t n = ForEachRecord(&broken, &broken_in_record, doc_, arr, options_.limits.max_records, out, &result,
                               [&](od::value& v, uint32_t, uint32_t offset) { return ParseRecord(v, offset); });
    result.accepted = static_cast<uint32_t>(out->size() - before);
    if (broken_in_record) {
      RejectRemainder(doc_, doc, n, out, &result);
    } else if (!broken) {
      RejectTrailingContent(doc_, doc, n, out, &result);
    }
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
  const RejectReason reason = TopLevelMismatchReason(doc, type);
  JsonDocument::RejectBody(out, &result, reason, 0,
                           reason == RejectReason::kMalformedJson ? ""
                           : top_level_ == TopLevel::kArray       ? "top level (array expected)"
                           : top_level_ == TopLevel::kObject      ? "top level (object expected)"
                                                                  : "top level (object or array expected)");
  return result;
}

}  // namespace quell::ingest
