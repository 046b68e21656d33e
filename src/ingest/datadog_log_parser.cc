#include "ingest/datadog_log_parser.h"

#include <algorithm>

#include "ingest/datadog_tags.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

using core::RejectReason;

namespace {
ParserOptions WithEntryLimit(ParserOptions o) {
  o.limits.max_records = std::min<uint32_t>(o.limits.max_records, DatadogLogParser::kMaxEntries);
  o.limits.max_string_bytes = std::min(o.limits.max_string_bytes, DatadogLogParser::kMaxLogBytes);
  return o;
}

// The longest prefix of `s` of at most `n` bytes that does not end inside a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n]: the first byte cut.
  return s.substr(0, n);
}
}  // namespace

DatadogLogParser::DatadogLogParser(const ParserOptions& options)
    : RecordParser(core::Format::kDatadogLog, WithEntryLimit(options), TopLevel::kObjectOrArray) {}

RecordStatus DatadogLogParser::Flatten(od::object obj, int depth, size_t* bytes) {
  if (depth >= static_cast<int>(options().limits.max_depth)) return FieldError::Fail(RejectReason::kTooDeep, "attributes");
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "attributes");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view key;
    QUELL_TRY_FIELD(KeyOf(f, &key));
    if (*bytes >= kMaxLogBytes) {  // Over the log's budget: the rest is left out (skipped unread).
      attributes_truncated_ = true;
      continue;
    }
    QUELL_TRY_FIELD(AddAttribute(key, f.value(), depth, bytes));
  }
  return FieldError::Ok();
}

RecordStatus DatadogLogParser::AddAttribute(std::string_view key, od::value& v, int depth, size_t* bytes) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, "attributes");
  size_t saved = path_.size();
  if (!path_.empty()) path_.push_back('.');
  path_.append(key);
  FieldError st;
  SignalDraft& d = draft();
  switch (t) {
    case od::json_type::object: {
      od::object obj;
      if (auto e = v.get_object().get(obj)) {
        st = FromSimdjson(e, "attributes");
      } else {
        st = Flatten(obj, depth + 1, bytes);
      }
      break;
    }
    case od::json_type::array: {
      scratch_.clear();
      int depth_left = static_cast<int>(options().limits.max_depth) - depth - 1;
      st = AppendJsonValue(v, depth_left, max_string(), "attributes", &scratch_);
      if (st.ok()) {
        *bytes += scratch_.size();
        d.Annotate(Copy(path_), Copy(scratch_));
      }
      break;
    }
    case od::json_type::null: break;
    default: {
      std::string_view text;
      st = ReadScalarText(v, max_string(), "attributes", &text);
      if (!st.ok()) break;
      *bytes += text.size();
      if (path_ == "http.status_code" || path_ == "http.response.status_code") {
        int64_t code = 0;
        bool overflow;
        if (ParseInt64Text(text, &code, &overflow) && code > 0 && code < 1000)
          d.signal.http_status = static_cast<uint16_t>(code);
      }
      d.Annotate(Copy(path_), Copy(text));
      break;
    }
  }
  path_.resize(saved);
  return st;
}

RecordStatus DatadogLogParser::ParseRecord(od::value& record, uint32_t offset) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "record");
  SignalDraft& d = StartDraft(offset);
  core::Signal& s = d.signal;
  s.kind = core::SignalKind::kLog;
  const size_t max = max_string();
  const std::string_view color_attr = options().color_attribute;
  if (!batch_tags_.empty()) ApplyDatadogTagList(batch_tags_, color_attr, doc(), &d);
  std::string_view status, level, source;
  core::EventTime ts;
  size_t bytes = 0;
  bool message_truncated = false;
  attributes_truncated_ = false;
  path_.clear();
  for (auto field_r : obj) {
    if (auto e = field_r.error()) return FromSimdjson(e, "");
    od::field& field = field_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view key;
    QUELL_TRY_FIELD(KeyOf(field, &key));
    od::value& v = field.value();
    std::string_view text;
    if (key == "message") {
      // As Datadog's intake: a message over kMaxLogBytes is taken, cut there (not rejected).
      QUELL_TRY_FIELD(ReadScalarText(v, kMaxMessageRead, "message", &text));
      if (text.size() > kMaxLogBytes) {
        text = Utf8Prefix(text, kMaxLogBytes);
        message_truncated = true;
      }
      s.message = Copy(text);
      bytes += text.size();
    } else if (key == "ddsource") {
      QUELL_TRY_FIELD(ReadString(v, max, "ddsource", &text));
      source = Copy(text);
    } else if (key == "ddtags") {
      QUELL_TRY_FIELD(ReadString(v, max, "ddtags", &text));
      ApplyDatadogTagList(text, color_attr, doc(), &d);
      bytes += text.size();
    } else if (key == "hostname") {
      QUELL_TRY_FIELD(ReadString(v, max, "hostname", &text));
      s.host = Copy(text);
    } else if (key == "service") {
      QUELL_TRY_FIELD(ReadString(v, max, "service", &text));
      s.service = Copy(text);
    } else if (key == "status") {
      QUELL_TRY_FIELD(ReadString(v, max, "status", &text));
      status = Copy(text);
    } else if (key == "level" || key == "severity") {
      od::json_type t;
      if (auto e = v.type().get(t)) return FromSimdjson(e, "level");
      if (t == od::json_type::string) {
        QUELL_TRY_FIELD(ReadString(v, max, "level", &text));
        level = Copy(text);
        d.Annotate(key == "level" ? "level" : "severity", level);
      } else {
        QUELL_TRY_FIELD(AddAttribute(key, v, 0, &bytes));
      }
    } else if (key == "timestamp") {
      od::json_type t;
      if (auto e = v.type().get(t)) return FromSimdjson(e, "timestamp");
      if (t == od::json_type::string) {
        QUELL_TRY_FIELD(ReadString(v, max, "timestamp", &text));
        int64_t n;
        bool overflow;
        if (ParseInt64Text(text, &n, &overflow)) {
          if (!EpochAutoUnit(n, &ts)) return FieldError::Fail(RejectReason::kOutOfRange, "timestamp");
        } else {
          QUELL_TRY_FIELD(ParseRfc3339Fast(text, "timestamp", &ts));
        }
      } else {
        QUELL_TRY_FIELD(ReadEpochAuto(v, "timestamp", &ts));
      }
    } else if (bytes >= kMaxLogBytes) {  // Over the log's budget: the rest is left out (skipped unread).
      attributes_truncated_ = true;
    } else {
      QUELL_TRY_FIELD(AddAttribute(key, v, 0, &bytes));
    }
  }
  if (message_truncated || attributes_truncated_) {
    d.Annotate("quell.truncated", message_truncated && attributes_truncated_ ? "message,attributes"
                                  : message_truncated                        ? "message"
                                                                             : "attributes");
  }
  s.severity = core::SeverityFromDatadogStatus(status.empty() ? level : status);
  s.event_time = ts.is_zero() ? observed() : ts;
  d.Label("source", source);
  d.Label("service", s.service);
  d.Label("host", s.host);
  if (!status.empty()) d.Annotate("status", status);
  d.Emit(out());
  return FieldError::Ok();
}

}  // namespace quell::ingest
