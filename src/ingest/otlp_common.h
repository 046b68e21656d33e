// src/ingest/otlp_common.h
//
// Pieces shared by the three OTLP/JSON parsers: AnyValue reading, attribute lists, the resource
// (service, environment, host, version, color and the k8s identity), and the parser skeleton that
// walks resource -> scope -> records with either field-name spelling (lowerCamelCase or
// snake_case) and in any field order: an entry is read in one pass when its resource (scope)
// comes before its scopeLogs (logRecords), as every exporter writes them, and in two passes
// (object::reset()) when the records come first.
//
// Trace and span ids: OTLP/JSON writes them as case-insensitive hex (not base64); Quell keeps
// them lowercase (as W3C traceparent writes them), so that one trace's logs and spans carry the
// same id whatever case each exporter used.
//
// AnyValue rendering (docs/signal-model.md): stringValue as is; intValue in decimal; doubleValue
// shortest round-trip; boolValue true/false; bytesValue as the base64 text received; arrayValue
// and kvlistValue as compact JSON ([1,"a"], {"k":"v"}), nested to ParserLimits::max_depth (deeper
// -> too_deep). An empty AnyValue is an empty string.
//
// Resource attributes: service.name -> service, service.version -> version,
// deployment.environment.name (or deployment.environment) -> env, host.name -> host,
// ParserOptions::color_attribute -> color; labels: service, env, host, service.namespace,
// k8s.namespace.name, k8s.deployment.name; every resource attribute also becomes an annotation.
//
// Not thread-safe: one per parser.
#ifndef QUELL_INGEST_OTLP_COMMON_H_
#define QUELL_INGEST_OTLP_COMMON_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/label.h"
#include "core/signal_batch.h"
#include "ingest/json_document.h"
#include "ingest/json_fields.h"
#include "ingest/parser.h"
#include "ingest/record_parser.h"
#include "ingest/signal_draft.h"

namespace quell::ingest {

// One AnyValue, read. `text` views the simdjson string buffer or the caller's scratch string:
// copy it before the next read.
struct AnyValueText {
  std::string_view text;
  bool is_int = false;
  int64_t int_value = 0;
};

// An OTLP enum field, by number or by its protojson name (ReadOtlpEnum; `names[i]` is value i's
// name). proto3 enums are open: every int32 is a value, also one past `names` (a sender's SDK may
// be newer than Quell's tables, and the Collector keeps such values), so `*known` tells whether
// `*out` is one of `names`, and the caller reads an unknown value as unspecified. A number that is
// no int32 -> kOutOfRange; a name that is not in `names` -> kInvalidValue (protojson and the
// Collector refuse unknown names too).
FieldError ReadOtlpOpenEnum(od::value& v, const char* field, std::span<const std::string_view> names, int64_t* out,
                            bool* known);

// Reads an AnyValue object. null -> empty.
FieldError ReadAnyValue(od::value& v, int depth_left, size_t max_bytes, std::string* scratch, AnyValueText* out);

// Calls fn(std::string_view key, const AnyValueText& value) -> FieldError for each KeyValue of an
// attributes array (null = none). Keys view the simdjson string buffer.
template <typename Fn>
FieldError ForEachAttribute(od::value& attrs, int depth_left, size_t max_bytes, std::string* scratch, Fn&& fn) {
  od::json_type t;
  if (auto e = attrs.type().get(t)) return FromSimdjson(e, "attributes");
  if (t == od::json_type::null) return FieldError::Ok();
  if (t != od::json_type::array) return FieldError::Fail(core::RejectReason::kWrongType, "attributes");
  od::array arr;
  if (auto e = attrs.get_array().get(arr)) return FromSimdjson(e, "attributes");
  for (auto kv_r : arr) {
    od::object kv;
    if (auto e = kv_r.get_object().get(kv)) return FromSimdjson(e, "attributes");
    std::string_view key;
    AnyValueText value;
    bool has_key = false;
    for (auto f_r : kv) {
      if (auto e = f_r.error()) return FromSimdjson(e, "attributes");
      od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
      std::string_view k;
      QUELL_TRY_FIELD(KeyOf(f, &k));
      if (k == "key") {
        QUELL_TRY_FIELD(ReadString(f.value(), max_bytes, "attributes.key", &key));
        has_key = true;
      } else if (k == "value") {
        QUELL_TRY_FIELD(ReadAnyValue(f.value(), depth_left, max_bytes, scratch, &value));
      }
    }
    if (!has_key || key.empty()) return FieldError::Fail(core::RejectReason::kMissingField, "attributes.key");
    QUELL_TRY_FIELD(fn(key, value));
  }
  return FieldError::Ok();
}

// The resource of one resourceLogs/resourceSpans/resourceMetrics entry, strings in the arena.
struct OtlpResource {
  std::string_view service, env, host, version;
  core::DeployColor color = core::DeployColor::kNone;
  std::vector<core::Label> labels;       // Identity labels (see above).
  std::vector<core::Label> annotations;  // Every resource attribute.

  void Clear();
  // Reads a `resource` object into this (cleared first).
  FieldError Read(od::value& resource, const ParserOptions& options, JsonDocument& doc, std::string* scratch);
  // Starts `draft` from this resource: fields, labels and annotations.
  void ApplyTo(SignalDraft* draft) const;
};

// Common state of an OTLP parser: the document, the draft, the resource, the per-call context.
class OtlpParserBase : public Parser {
 public:
  core::Format format() const override { return format_; }
  ParseResult Parse(std::string_view body, size_t padded_capacity, core::SourceKind source, core::EventTime observed,
                    core::SignalBatch* out) final;

 protected:
  // `resource_key` / `scope_key` / `records_key` in lowerCamelCase: "resourceLogs", "scopeLogs",
  // "logRecords".
  OtlpParserBase(core::Format format, const ParserOptions& options, const char* resource_key, const char* scope_key,
                 const char* records_key);

  // Reads one record (log record, span, or metric) and emits its signal(s). For metrics one
  // record is one metric, whose data points each become a signal (or a rejection): it returns
  // Ok after emitting/rejecting per point, or a failure to reject the metric as one record.
  virtual RecordStatus ParseRecord(od::value& record, uint32_t index, uint32_t offset) = 0;

  // A draft with the resource's labels (and the scope's name). With `share_resource_labels` (the
  // log records, which add no label of their own) the labels are the resource's shared set
  // (ADR 0035), prepared at the first record of each resource; traces and metrics add labels per
  // record, which would only drop the sharing, so they pass false and prepare nothing.
  SignalDraft& StartDraft(uint32_t offset, bool share_resource_labels);
  std::string_view Copy(std::string_view s) { return doc_.Keep(s); }
  const ParserOptions& options() const { return options_; }
  size_t max_string() const { return options_.limits.max_string_bytes; }
  int max_depth() const { return static_cast<int>(options_.limits.max_depth); }
  core::SignalBatch* out() { return out_; }
  core::EventTime observed() const { return observed_; }
  JsonDocument& doc() { return doc_; }
  ParseResult* result() { return result_; }
  std::string_view scope_name() const { return scope_name_; }
  // Rejects one record (not counted as the current record's status). `units`: Rejection::units.
  void RejectRecord(core::RejectReason reason, const char* field, uint32_t offset, uint32_t index,
                    uint32_t units = 1);
  // What a whole entry holds: a resource entry (resourceLogs[i]), a scope entry (scopeLogs[j]) or
  // one record (for metrics: a metric and its data points).
  enum class EntryLevel { kResource, kScope, kRecord };
  // Rejects the entry at `offset` as one record (number `index`) that stands for every item (log record, span, data
  // point) it holds, less those already emitted or rejected from it since `signals_before` and
  // `rejections_before` (the batch's sizes when the entry began), at least 1.
  void RejectEntry(const FieldError& why, uint32_t offset, uint32_t index, EntryLevel level, size_t signals_before,
                   size_t rejections_before);
  // Records seen so far in this body (for max_records).
  uint32_t records_seen_ = 0;
  bool broken_ = false;  // The document became unreadable; the remainder was rejected once.
  od::document* doc_ptr_ = nullptr;  // The document ParseOpened walks (for DocAlive).
  std::string scratch_;
  std::string repair_;  // CloseAtLastCompleteEntry's output (capacity kept).
  SignalDraft draft_;
  OtlpResource resource_;
  // resource_'s labels, sorted and fingerprinted once for the records that carry no label of
  // their own (log records): made by StartDraft, dropped whenever resource_ changes.
  core::SignalBatch::SortedLabels resource_labels_;
  bool resource_labels_ready_ = false;

 private:
  // A body cut short (or broken) past its first complete entries: `*repaired` is the body up to
  // the end of its last complete record, scope entry or resource entry (the elements of the
  // arrays at JSON depth 2, 4 and 6: resourceLogs[i], scopeLogs[j], logRecords[k]), closed with
  // the brackets still open there; `*rest_offset` is where the unreadable rest starts. False
  // when the body has no such point.
  static bool CloseAtLastCompleteEntry(std::string_view body, std::string* repaired, size_t* rest_offset);
  ParseResult ParseOpened(od::document& d, ParseResult result);
  // simdjson abandons its iterator on some structural errors (a cut or corrupt body): after that
  // nothing may iterate, skip or reset a value of the document. Checked after every entry.
  bool DocAlive() { return doc_ptr_ == nullptr || doc_ptr_->is_alive(); }
  FieldError ParseResourceEntry(od::value& entry);
  FieldError ParseScopeArray(od::value& scopes);
  FieldError ParseScopeEntry(od::value& entry);
  FieldError ParseRecordArray(od::value& records);
  FieldError ReadScope(od::value& scope);
  // The items in the entry at `offset` of the body (a DOM parse of its bytes: rejected entries
  // only), or 1 when its bytes cannot be read.
  uint64_t ItemsIn(uint32_t offset, EntryLevel level);
  uint64_t CountItems(const simdjson::dom::element& e, EntryLevel level) const;

  core::Format format_;
  ParserOptions options_;
  const char* resource_key_;
  const char* scope_key_;
  const char* records_key_;
  JsonDocument doc_;
  core::SignalBatch* out_ = nullptr;
  ParseResult* result_ = nullptr;
  core::SourceKind source_ = core::SourceKind::kUnknown;
  core::EventTime observed_;
  std::string_view scope_name_;
  std::unique_ptr<simdjson::dom::parser> items_parser_;  // ItemsIn's; made on first use.
};

// A trace id (n = 32) or span id (n = 16) in its canonical lowercase form, kept in the batch:
// `*out` views `text` when it has no uppercase digit, else a lowercased copy. False when `text` is
// not exactly n hex digits.
bool KeepHexId(JsonDocument& doc, std::string_view text, size_t n, std::string_view* out);

// Applies one record-level attribute to a draft: annotation (key copied), and http status / color
// when the key names them.
void ApplyRecordAttribute(std::string_view key, const AnyValueText& value, const ParserOptions& options,
                          JsonDocument& doc, SignalDraft* draft);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_OTLP_COMMON_H_
