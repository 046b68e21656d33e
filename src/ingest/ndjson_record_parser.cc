#include "ingest/ndjson_record_parser.h"

#include <limits>

#include "absl/strings/escaping.h"
#include "core/strings.h"

namespace quell::ingest {

using core::RejectReason;

namespace {
uint32_t Clamp32(uint64_t v) {
  return v > std::numeric_limits<uint32_t>::max() ? std::numeric_limits<uint32_t>::max() : static_cast<uint32_t>(v);
}
}  // namespace

NdjsonRecordParser::NdjsonRecordParser(const ParserOptions& options) : options_(options), envelope_(options.limits) {}

Parser* NdjsonRecordParser::InnerParser(core::Format f) {
  size_t i = static_cast<size_t>(f);
  if (i >= inner_.size() || f == core::Format::kQuell || f == core::Format::kUnknown) return nullptr;
  if (!inner_[i]) inner_[i] = MakeParser(f, options_);
  return inner_[i].get();
}

void NdjsonRecordParser::Reject(core::SignalBatch* out, ParseResult* result, RejectReason reason, const char* field,
                                uint64_t offset, uint32_t index) {
  core::Rejection r;
  r.reason = reason;
  r.field = field;
  r.offset = Clamp32(offset);
  r.record_index = index;
  out->Reject(r);
  ++result->rejected;
}

ParseResult NdjsonRecordParser::ParseLine(std::string_view line, uint32_t line_index, uint64_t line_offset,
                                          core::SourceKind source, core::EventTime observed, core::SignalBatch* out,
                                          core::EventTime* t) {
  ParseResult result;
  *t = observed;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // The envelope: use a scratch batch-free path, turning any body-level failure into a line rejection.
  od::document doc;
  core::SignalBatch* sink = out;
  size_t rejections_before = out->rejections().size();
  if (!envelope_.Open(line, line.size(), sink, &result, &doc)) {
    // Re-stamp the rejection Open appended with the line's index and absolute offset.
    auto rs = out->mutable_rejections();
    for (size_t i = rejections_before; i < rs.size(); ++i) {
      rs[i].offset = Clamp32(line_offset + rs[i].offset);
      rs[i].record_index = line_index;
    }
    result.body_rejected = false;
    return result;
  }
  od::object obj;
  od::json_type type = od::json_type::null;
  bool typed = !doc.type().get(type);
  if (!typed || type != od::json_type::object || doc.get_object().get(obj)) {
    // A JSON array or scalar is the wrong type; anything else is not JSON.
    std::string_view t = TrimSpaces(line);
    char c = t.empty() ? ' ' : t.front();
    bool json_like = typed && (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') ||
                               t == "true" || t == "false" || t == "null");
    Reject(out, &result, json_like ? RejectReason::kWrongType : RejectReason::kMalformedJson, "record", line_offset,
           line_index);
    return result;
  }
  core::Format format = core::Format::kUnknown;
  bool has_format = false;
  int64_t t_ns = 0;
  size_t body_begin = 0, body_end = 0;
  bool has_body = false, has_b64 = false;
  std::string_view b64, ddtags;
  int64_t in_checkpoint = 0;
  for (auto f_r : obj) {
    od::field f;
    if (auto e = std::move(f_r).get(f)) {
      Reject(out, &result, ReasonForSimdjsonError(e), "", line_offset, line_index);
      return result;
    }
    std::string_view k;
    FieldError st = KeyOf(f, &k);
    od::value& v = f.value();
    if (st.ok()) {
      if (k == "t") {
        st = ReadInt64(v, "t", &t_ns);
        if (st.ok() && t_ns < 0) st = FieldError::Fail(RejectReason::kOutOfRange, "t");
      } else if (k == "format") {
        std::string_view name;
        st = ReadString(v, 64, "format", &name);
        if (st.ok()) {
          has_format = core::ParseFormatName(name, &format);
          if (!has_format || format == core::Format::kQuell || format == core::Format::kUnknown)
            st = FieldError::Fail(RejectReason::kInvalidValue, "format");
        }
      } else if (k == "body") {
        uint32_t begin = envelope_.OffsetOf(v, 0);
        size_t end = SkipJsonValue(line, begin);
        if (end == std::string::npos) {
          st = FieldError::Fail(RejectReason::kMalformedJson, "body");
        } else {
          body_begin = begin;
          body_end = end;
          has_body = true;
        }
      } else if (k == "in_checkpoint") {
        st = ReadInt64(v, "in_checkpoint", &in_checkpoint);
        if (st.ok() && in_checkpoint < 0) st = FieldError::Fail(RejectReason::kOutOfRange, "in_checkpoint");
      } else if (k == "ddtags") {
        st = ReadString(v, options_.limits.max_body_bytes, "ddtags", &ddtags);
      } else if (k == "body_b64") {
        st = ReadString(v, options_.limits.max_body_bytes * 2, "body_b64", &b64);
        has_b64 = st.ok();
        if (has_b64) {
          decoded_.clear();
          std::string tmp;
          if (!absl::Base64Unescape(core::ToAbsl(b64), &tmp)) {
            st = FieldError::Fail(RejectReason::kInvalidValue, "body_b64");
          } else {
            decoded_ = std::move(tmp);
          }
        }
      }
    }
    if (st.failed) {
      Reject(out, &result, st.reason, st.field, line_offset, line_index);
      return result;
    }
  }
  if (!has_format) {
    Reject(out, &result, RejectReason::kMissingField, "format", line_offset, line_index);
    return result;
  }
  if (!has_body && !has_b64) {
    Reject(out, &result, RejectReason::kMissingField, "body", line_offset, line_index);
    return result;
  }
  if (t_ns > 0) *t = core::EventTime::FromUnixNanos(t_ns);
  if (in_checkpoint > 0 && static_cast<uint64_t>(in_checkpoint) <= skip_in_checkpoint_up_to_) {
    result.skipped = 1;  // In the restored state already.
    return result;
  }
  Parser* inner = InnerParser(format);
  if (inner == nullptr) {
    Reject(out, &result, RejectReason::kUnsupported, "format", line_offset, line_index);
    return result;
  }
  std::string_view body = has_body ? line.substr(body_begin, body_end - body_begin) : std::string_view(decoded_);
  uint64_t body_offset = line_offset + (has_body ? body_begin : 0);
  size_t signals_before = out->size();
  rejections_before = out->rejections().size();
  if (!ddtags.empty()) inner->SetBatchTags(ddtags);
  ParseResult inner_result = inner->Parse(body, body.size(), source, *t, out);
  if (!ddtags.empty()) inner->SetBatchTags("");
  auto rs = out->mutable_rejections();
  for (size_t i = rejections_before; i < rs.size(); ++i) {
    rs[i].offset = Clamp32(body_offset + rs[i].offset);
    rs[i].record_index = line_index;
  }
  auto ss = out->mutable_signals();
  for (size_t i = signals_before; i < ss.size(); ++i) ss[i].record_offset = Clamp32(body_offset + ss[i].record_offset);
  result.accepted += inner_result.accepted;
  result.rejected += inner_result.rejected;
  return result;
}

ParseResult NdjsonRecordParser::Parse(std::string_view body, size_t, core::SourceKind source, core::EventTime observed,
                                      core::SignalBatch* out) {
  ParseResult result;
  if (body.size() > options_.limits.max_body_bytes) {
    JsonDocument::RejectBody(out, &result, RejectReason::kTooLarge, 0);
    return result;
  }
  size_t pos = 0;
  uint32_t line_index = 0;
  bool any = false;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(pos, end - pos);
    if (!TrimSpaces(line).empty()) {
      any = true;
      core::EventTime t;
      ParseResult r = ParseLine(line, line_index, pos, source, observed, out, &t);
      result.accepted += r.accepted;
      result.rejected += r.rejected;
      result.skipped += r.skipped;
    }
    ++line_index;
    pos = end + 1;
  }
  if (!any) JsonDocument::RejectBody(out, &result, RejectReason::kEmptyBody, 0);
  return result;
}

}  // namespace quell::ingest
