#include "ingest/otlp_common.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "core/unaligned.h"
#include "fmt/format.h"
#include "ingest/key_table.h"

namespace quell::ingest {

using core::RejectReason;

namespace {

enum AnyKey { kStringValue, kBytesValue, kIntValue, kDoubleValue, kBoolValue, kArrayValue, kKvlistValue };

// True iff `token` (a JSON number, validated by simdjson: no leading zeros, no '+') is an integer
// printed as "{}" prints it: digits with an optional '-', and not "-0".
bool IsCanonicalJsonInteger(std::string_view token) {
  if (token.empty() || token == "-0") return false;
  size_t i = token[0] == '-' ? 1 : 0;
  if (i == token.size()) return false;
  for (; i < token.size(); ++i) {
    if (token[i] < '0' || token[i] > '9') return false;
  }
  return true;
}

// The AnyValue variant a key names, or -1. "stringValue", most values by far, is matched inline
// with two word compares (reads stay inside the key); the table lookup (a call and a guarded
// static) cost ~3% of an OTLP logs parse.
int AnyValueKindSlow(std::string_view key);
inline int AnyValueKind(std::string_view key) {
  static constexpr std::string_view kString = "stringValue";
  if (key.size() == kString.size() && core::Load64(key.data()) == core::Load64(kString.data()) &&
      core::Load64(key.data() + 3) == core::Load64(kString.data() + 3)) {
    return kStringValue;
  }
  return AnyValueKindSlow(key);
}
int AnyValueKindSlow(std::string_view key) {
  static const KeyTable* const keys = [] {
    auto* t = new KeyTable();
    t->AddOtlp("stringValue", kStringValue);
    t->AddOtlp("bytesValue", kBytesValue);
    t->AddOtlp("intValue", kIntValue);
    t->AddOtlp("doubleValue", kDoubleValue);
    t->AddOtlp("boolValue", kBoolValue);
    t->AddOtlp("arrayValue", kArrayValue);
    t->AddOtlp("kvlistValue", kKvlistValue);
    return t;
  }();
  return keys->Find(key);
}

FieldError AppendAnyJson(od::value& v, int depth_left, size_t max_bytes, std::string* out);

// Appends the "values" of an ArrayValue ([v,...]) or KeyValueList ({"k":v,...}) object as JSON.
FieldError AppendAnyList(od::value& list, bool is_kv, int depth_left, size_t max_bytes, std::string* out) {
  if (depth_left <= 0) return FieldError::Fail(RejectReason::kTooDeep, "value");
  od::json_type t;
  if (auto e = list.type().get(t)) return FromSimdjson(e, "value");
  out->push_back(is_kv ? '{' : '[');
  if (t != od::json_type::null) {
    od::object inner;
    if (auto e = list.get_object().get(inner)) return FromSimdjson(e, "value");
    for (auto g_r : inner) {
      if (auto e = g_r.error()) return FromSimdjson(e, "value");
      od::field& g = g_r.value_unsafe();  // No copy (see json_fields.h).
      std::string_view gk;
      QUELL_TRY_FIELD(KeyOf(g, &gk));
      if (gk != "values") continue;
      od::value& gv = g.value();
      od::json_type gt;
      if (auto e = gv.type().get(gt)) return FromSimdjson(e, "value");
      if (gt == od::json_type::null) continue;
      od::array items;
      if (auto e = gv.get_array().get(items)) return FromSimdjson(e, "value");
      bool first = true;
      for (auto item_r : items) {
        od::value item;
        if (auto e = std::move(item_r).get(item)) return FromSimdjson(e, "value");
        if (!first) out->push_back(',');
        first = false;
        if (!is_kv) {
          QUELL_TRY_FIELD(AppendAnyJson(item, depth_left - 1, max_bytes, out));
          continue;
        }
        od::object kv;
        if (auto e = item.get_object().get(kv)) return FromSimdjson(e, "value");
        std::string_view key;
        od::value kv_key;
        if (auto e = kv.find_field_unordered("key").get(kv_key)) return FromSimdjson(e, "key");
        QUELL_TRY_FIELD(ReadString(kv_key, max_bytes, "key", &key));
        out->push_back('"');
        AppendJsonEscaped(out, key);
        out->append("\":");
        od::value kv_value;
        auto vr = kv.find_field_unordered("value");
        if (vr.error() == simdjson::NO_SUCH_FIELD) {
          out->append("null");
        } else if (auto e = vr.get(kv_value)) {
          return FromSimdjson(e, "value");
        } else {
          QUELL_TRY_FIELD(AppendAnyJson(kv_value, depth_left - 1, max_bytes, out));
        }
        if (out->size() > max_bytes) return FieldError::Fail(RejectReason::kTooLarge, "value");
      }
    }
  }
  out->push_back(is_kv ? '}' : ']');
  return FieldError::Ok();
}

// Appends an AnyValue as JSON (strings quoted), for array/kvlist rendering.
FieldError AppendAnyJson(od::value& v, int depth_left, size_t max_bytes, std::string* out) {
  if (depth_left <= 0) return FieldError::Fail(RejectReason::kTooDeep, "value");
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, "value");
  if (t == od::json_type::null) {
    out->append("null");
    return FieldError::Ok();
  }
  od::object obj;
  if (auto e = v.get_object().get(obj)) return FromSimdjson(e, "value");
  bool any = false;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "value");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    od::value& fv = f.value();
    if (any) continue;  // Exactly one variant is allowed; extra ones are ignored.
    const int kind = AnyValueKind(k);
    if (kind == kStringValue || kind == kBytesValue) {
      std::string_view s;
      QUELL_TRY_FIELD(ReadString(fv, max_bytes, "value", &s));
      out->push_back('"');
      AppendJsonEscaped(out, s);
      out->push_back('"');
    } else if (kind == kIntValue) {
      int64_t i = 0;
      QUELL_TRY_FIELD(ReadInt64(fv, "intValue", &i));
      fmt::format_to(std::back_inserter(*out), "{}", i);
    } else if (kind == kDoubleValue) {
      double d = 0;
      QUELL_TRY_FIELD(ReadDouble(fv, "doubleValue", &d));
      AppendDouble(out, d);
    } else if (kind == kBoolValue) {
      bool b = false;
      QUELL_TRY_FIELD(ReadBool(fv, "boolValue", &b));
      out->append(b ? "true" : "false");
    } else if (kind == kArrayValue) {
      QUELL_TRY_FIELD(AppendAnyList(fv, false, depth_left - 1, max_bytes, out));
    } else if (kind == kKvlistValue) {
      QUELL_TRY_FIELD(AppendAnyList(fv, true, depth_left - 1, max_bytes, out));
    } else {
      continue;
    }
    any = true;
    if (out->size() > max_bytes) return FieldError::Fail(RejectReason::kTooLarge, "value");
  }
  if (!any) out->append("null");
  return FieldError::Ok();
}

}  // namespace

FieldError ReadOtlpOpenEnum(od::value& v, const char* field, std::span<const std::string_view> names, int64_t* out,
                            bool* known) {
  int64_t n = 0;
  QUELL_TRY_FIELD(ReadOtlpEnum(v, field, names, &n));
  if (n < INT32_MIN || n > INT32_MAX) return FieldError::Fail(core::RejectReason::kOutOfRange, field);
  *out = n;
  *known = n >= 0 && static_cast<uint64_t>(n) < names.size();
  return FieldError::Ok();
}

FieldError ReadAnyValue(od::value& v, int depth_left, size_t max_bytes, std::string* scratch, AnyValueText* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, "value");
  if (t == od::json_type::null) return FieldError::Ok();
  if (t != od::json_type::object) return FieldError::Fail(RejectReason::kWrongType, "value");
  od::object obj;
  if (auto e = v.get_object().get(obj)) return FromSimdjson(e, "value");
  bool any = false;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "value");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    od::value& fv = f.value();
    if (any) continue;
    const int kind = AnyValueKind(k);
    if (kind == kStringValue || kind == kBytesValue) {
      QUELL_TRY_FIELD(ReadString(fv, max_bytes, "value", &out->text));
    } else if (kind == kIntValue) {
      int64_t i = 0;
      std::string_view token = TrimSpaces(fv.raw_json_token());
      QUELL_TRY_FIELD(ReadInt64(fv, "intValue", &i));
      if (IsCanonicalJsonInteger(token)) {
        out->text = token;  // As fmt would print it: a view into the body, no formatting.
      } else {
        scratch->clear();
        fmt::format_to(std::back_inserter(*scratch), "{}", i);
        out->text = *scratch;
      }
      out->is_int = true;
      out->int_value = i;
    } else if (kind == kDoubleValue) {
      double d = 0;
      QUELL_TRY_FIELD(ReadDouble(fv, "doubleValue", &d));
      scratch->clear();
      AppendDouble(scratch, d);
      out->text = *scratch;
    } else if (kind == kBoolValue) {
      bool b = false;
      QUELL_TRY_FIELD(ReadBool(fv, "boolValue", &b));
      out->text = b ? "true" : "false";
    } else if (kind == kArrayValue || kind == kKvlistValue) {
      scratch->clear();
      QUELL_TRY_FIELD(AppendAnyList(fv, kind == kKvlistValue, depth_left, max_bytes, scratch));
      if (scratch->size() > max_bytes) return FieldError::Fail(RejectReason::kTooLarge, "value");
      out->text = *scratch;
    } else {
      continue;
    }
    any = true;
  }
  return FieldError::Ok();
}

void OtlpResource::Clear() {
  service = env = host = version = {};
  color = core::DeployColor::kNone;
  labels.clear();
  annotations.clear();
}

FieldError OtlpResource::Read(od::value& resource, const ParserOptions& options, JsonDocument& doc,
                              std::string* scratch) {
  Clear();
  od::json_type t;
  if (auto e = resource.type().get(t)) return FromSimdjson(e, "resource");
  if (t == od::json_type::null) return FieldError::Ok();
  od::object obj;
  if (auto e = resource.get_object().get(obj)) return FromSimdjson(e, "resource");
  std::string_view env_old;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, "resource");
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    if (k != "attributes") continue;
    QUELL_TRY_FIELD(ForEachAttribute(
        f.value(), static_cast<int>(options.limits.max_depth), options.limits.max_string_bytes, scratch,
        [&](std::string_view key, const AnyValueText& value) {
          std::string_view name = doc.Keep(key);
          std::string_view val = doc.Keep(value.text);
          annotations.push_back(core::Label{name, val});
          if (key == "service.name") {
            service = val;
          } else if (key == "service.version") {
            version = val;
          } else if (key == "deployment.environment.name") {
            env = val;
          } else if (key == "deployment.environment") {
            env_old = val;
          } else if (key == "host.name") {
            host = val;
          } else if (key == "service.namespace" || key == "k8s.namespace.name" || key == "k8s.deployment.name") {
            labels.push_back(core::Label{name, val});
          }
          if (key == options.color_attribute) {
            core::DeployColor c;
            if (core::ParseDeployColor(val, &c)) color = c;
          }
          return FieldError::Ok();
        }));
  }
  if (env.empty()) env = env_old;
  return FieldError::Ok();
}

void OtlpResource::ApplyTo(SignalDraft* d) const {
  d->signal.service = service;
  d->signal.env = env;
  d->signal.host = host;
  d->signal.version = version;
  d->signal.color = color;
  // In name order: without identity labels (the usual resource) the record's labels are already
  // sorted, and SignalBatch::Append takes its no-sort path.
  d->Label("env", env);
  d->Label("host", host);
  d->Label("service", service);
  for (const core::Label& l : labels) d->Label(l.name, l.value);
  for (const core::Label& a : annotations) d->Annotate(a.name, a.value);
}

namespace {

#if defined(__SSE2__)
// Masks of the 16 bytes at `p` that are not hex digits and that are 'A'-'F': unsigned range
// tests (x - lo <= hi - lo) on whole vectors, where the byte loop cost ~4% of an OTLP logs parse.
inline void HexMasks16(const char* p, unsigned* bad, unsigned* upper) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  auto in_range = [](__m128i v, char lo, char width) {
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(width)), t);
  };
  const __m128i hex = _mm_or_si128(in_range(x, '0', 9), in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 5));
  *bad |= ~static_cast<unsigned>(_mm_movemask_epi8(hex)) & 0xFFFFu;
  *upper |= static_cast<unsigned>(_mm_movemask_epi8(in_range(x, 'A', 5)));
}
#endif

}  // namespace

bool KeepHexId(JsonDocument& doc, std::string_view text, size_t n, std::string_view* out) {
  if (text.size() != n || n > 32) return false;
  unsigned bad = 0, upper = 0;
#if defined(__SSE2__)
  if (n == 16 || n == 32) {  // Span and trace ids: one or two 16-byte tests.
    HexMasks16(text.data(), &bad, &upper);
    if (n == 32) HexMasks16(text.data() + 16, &bad, &upper);
  } else
#endif
  {
    for (char ch : text) {  // Branch-free over the whole id.
      const unsigned c = static_cast<unsigned char>(ch);
      bad |= static_cast<unsigned>(c - '0' > 9) & static_cast<unsigned>((c | 0x20) - 'a' > 5);
      upper |= static_cast<unsigned>(c - 'A' <= 5);
    }
  }
  if (bad != 0) return false;
  if (upper == 0) {
    *out = doc.Keep(text);
    return true;
  }
  char lower[32];
  for (size_t i = 0; i < n; ++i) lower[i] = static_cast<char>(text[i] | 0x20);  // Digits keep their bit.
  *out = doc.Keep(std::string_view(lower, n));  // Not a view of the body: copied into the batch.
  return true;
}

void ApplyRecordAttribute(std::string_view key, const AnyValueText& value, const ParserOptions& options,
                          JsonDocument& doc, SignalDraft* d) {
  if (key == "http.response.status_code" || key == "http.status_code") {
    int64_t code = value.int_value;
    bool overflow;
    if (!value.is_int && !ParseInt64Text(value.text, &code, &overflow)) code = 0;
    if (code > 0 && code < 1000) d->signal.http_status = static_cast<uint16_t>(code);
  }
  std::string_view val = doc.Keep(value.text);
  if (key == options.color_attribute) {
    core::DeployColor c;
    if (core::ParseDeployColor(val, &c)) d->signal.color = c;
  }
  d->Annotate(doc.Keep(key), val);
}

OtlpParserBase::OtlpParserBase(core::Format format, const ParserOptions& options, const char* resource_key,
                               const char* scope_key, const char* records_key)
    : format_(format),
      options_(options),
      resource_key_(resource_key),
      scope_key_(scope_key),
      records_key_(records_key),
      doc_(options.limits) {}

SignalDraft& OtlpParserBase::StartDraft(uint32_t offset, bool share_resource_labels) {
  draft_.Reset(format_, source_, observed_, offset);
  resource_.ApplyTo(&draft_);
  if (share_resource_labels) {
    if (!resource_labels_ready_) {
      core::SignalBatch::SortLabels(draft_.labels(), &resource_labels_);
      resource_labels_ready_ = true;
    }
    draft_.ShareLabels(&resource_labels_);
  }
  if (!scope_name_.empty()) draft_.Annotate("otel.scope.name", scope_name_);
  return draft_;
}

void OtlpParserBase::RejectRecord(RejectReason reason, const char* field, uint32_t offset, uint32_t index,
                                  uint32_t units) {
  core::Rejection r;
  r.reason = reason;
  r.field = field;
  r.offset = offset;
  r.record_index = index;
  r.units = units;
  out_->Reject(r);
  ++result_->rejected;
}

namespace {
// Gets an array from an optional field value; null -> empty (returns false with ok status).
FieldError GetArray(od::value& v, const char* field, od::array* arr, bool* present) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  *present = false;
  if (t == od::json_type::null) return FieldError::Ok();
  if (t != od::json_type::array) return FieldError::Fail(RejectReason::kWrongType, field);
  if (auto e = v.get_array().get(*arr)) return FromSimdjson(e, field);
  *present = true;
  return FieldError::Ok();
}
}  // namespace

FieldError OtlpParserBase::ReadScope(od::value& value) {
  od::json_type t;
  if (auto e = value.type().get(t)) return FromSimdjson(e, "scope");
  if (t == od::json_type::null) return FieldError::Ok();
  od::object scope;
  if (auto e = value.get_object().get(scope)) return FromSimdjson(e, "scope");
  for (auto s_r : scope) {
    if (auto e = s_r.error()) return FromSimdjson(e, "scope");
    od::field& s = s_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view sk;
    QUELL_TRY_FIELD(KeyOf(s, &sk));
    if (sk == "name") {
      std::string_view name;
      QUELL_TRY_FIELD(ReadString(s.value(), max_string(), "scope.name", &name));
      scope_name_ = Copy(name);
    }
  }
  return FieldError::Ok();
}

FieldError OtlpParserBase::ParseRecordArray(od::value& records) {
  od::array arr;
  bool present = false;
  QUELL_TRY_FIELD(GetArray(records, records_key_, &arr, &present));
  if (!present) return FieldError::Ok();
  uint32_t last_offset = doc_.OffsetOf(records, 0);
  for (auto rec_r : arr) {
    od::value rec;
    if (auto e = std::move(rec_r).get(rec)) {
      broken_ = true;
      RejectRecord(ReasonForSimdjsonError(e) == RejectReason::kInvalidUtf8 ? RejectReason::kInvalidUtf8
                                                                            : RejectReason::kMalformedJson,
                   "", last_offset, records_seen_);
      return FieldError::Ok();
    }
    uint32_t offset = doc_.OffsetOf(rec, last_offset);
    last_offset = offset;
    uint32_t index = records_seen_++;
    if (index >= options_.limits.max_records) {
      RejectRecord(RejectReason::kTooManyRecords, "", offset, index);
      continue;
    }
    // A metric rejected whole stands for its data points (a log record or span for itself): the
    // batch's sizes before it, to leave out the points it emitted or rejected already.
    size_t signals_before = 0, rejections_before = 0;
    if (format_ == core::Format::kOtlpMetrics) {
      signals_before = out_->size();
      rejections_before = out_->rejections().size();
    }
    RecordStatus st = ParseRecord(rec, index, offset);
    if (st.failed) {
      if (format_ == core::Format::kOtlpMetrics) {
        RejectEntry(st, offset, index, EntryLevel::kRecord, signals_before, rejections_before);
      } else {
        RejectRecord(st.reason, st.field, offset, index);
      }
    }
    if (!DocAlive()) {
      if (!st.failed) RejectRecord(RejectReason::kMalformedJson, "", offset, records_seen_);
      broken_ = true;
      return FieldError::Ok();
    }
  }
  return FieldError::Ok();
}

FieldError OtlpParserBase::ParseScopeEntry(od::value& entry) {
  od::object obj;
  if (auto e = entry.get_object().get(obj)) return FromSimdjson(e, scope_key_);
  // One pass while the scope comes first; records met before it are read in a second pass.
  scope_name_ = {};
  bool scope_seen = false, deferred = false;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, scope_key_);
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    if (k == "scope" || k == "instrumentationLibrary" || k == "instrumentation_library") {
      QUELL_TRY_FIELD(ReadScope(f.value()));
      scope_seen = true;
    } else if (OtlpKeyIs(k, records_key_)) {
      if (!scope_seen) {
        deferred = true;
        continue;
      }
      QUELL_TRY_FIELD(ParseRecordArray(f.value()));
      if (broken_) return FieldError::Ok();
    }
  }
  if (!deferred) return FieldError::Ok();
  if (!DocAlive()) return FieldError::Fail(RejectReason::kMalformedJson, scope_key_);
  if (auto e = obj.reset().error()) return FromSimdjson(e, scope_key_);
  bool past_scope = false;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, scope_key_);
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    if (k == "scope" || k == "instrumentationLibrary" || k == "instrumentation_library") past_scope = true;
    if (past_scope && scope_seen) break;  // Records after the scope were read in the first pass.
    if (!OtlpKeyIs(k, records_key_)) continue;
    QUELL_TRY_FIELD(ParseRecordArray(f.value()));
    if (broken_) return FieldError::Ok();
  }
  return FieldError::Ok();
}

FieldError OtlpParserBase::ParseScopeArray(od::value& scopes) {
  od::array arr;
  bool present = false;
  QUELL_TRY_FIELD(GetArray(scopes, scope_key_, &arr, &present));
  if (!present) return FieldError::Ok();
  uint32_t last_offset = doc_.OffsetOf(scopes, 0);
  for (auto se_r : arr) {
    od::value se;
    if (std::move(se_r).get(se)) {
      broken_ = true;
      RejectRecord(RejectReason::kMalformedJson, "", last_offset, records_seen_);
      return FieldError::Ok();
    }
    uint32_t offset = doc_.OffsetOf(se, last_offset);
    last_offset = offset;
    const size_t signals_before = out_->size(), rejections_before = out_->rejections().size();
    FieldError st = ParseScopeEntry(se);
    if (broken_) return FieldError::Ok();
    // A scope entry that cannot be read is one rejection, for every item it held.
    if (st.failed) RejectEntry(st, offset, records_seen_++, EntryLevel::kScope, signals_before, rejections_before);
    if (!DocAlive()) {
      broken_ = true;
      return FieldError::Ok();
    }
  }
  return FieldError::Ok();
}

FieldError OtlpParserBase::ParseResourceEntry(od::value& entry) {
  od::object obj;
  if (auto e = entry.get_object().get(obj)) return FromSimdjson(e, resource_key_);
  // One pass while the resource comes first; scopes met before it are read in a second pass.
  resource_.Clear();
  resource_labels_ready_ = false;
  bool resource_seen = false, deferred = false;
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, resource_key_);
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    if (k == "resource") {
      resource_labels_ready_ = false;  // Even a Read that fails half-way changed resource_.
      QUELL_TRY_FIELD(resource_.Read(f.value(), options_, doc_, &scratch_));
      resource_seen = true;
    } else if (OtlpKeyIs(k, scope_key_)) {
      if (!resource_seen) {
        deferred = true;
        continue;
      }
      QUELL_TRY_FIELD(ParseScopeArray(f.value()));
      if (broken_) return FieldError::Ok();
    }
  }
  if (!deferred) return FieldError::Ok();
  if (!DocAlive()) return FieldError::Fail(RejectReason::kMalformedJson, resource_key_);
  if (auto e = obj.reset().error()) return FromSimdjson(e, resource_key_);
  for (auto f_r : obj) {
    if (auto e = f_r.error()) return FromSimdjson(e, resource_key_);
    od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view k;
    QUELL_TRY_FIELD(KeyOf(f, &k));
    if (k == "resource" && resource_seen) break;  // Scopes after the resource were read in the first pass.
    if (!OtlpKeyIs(k, scope_key_)) continue;
    QUELL_TRY_FIELD(ParseScopeArray(f.value()));
    if (broken_) return FieldError::Ok();
  }
  return FieldError::Ok();
}

ParseResult OtlpParserBase::Parse(std::string_view body, size_t padded_capacity, core::SourceKind source,
                                  core::EventTime observed, core::SignalBatch* out) {
  ParseResult result;
  od::document d;
  doc_.KeepIn(out);
  out_ = out;
  source_ = source;
  observed_ = observed;
  RejectReason reason;
  uint32_t offset;
  bool opened = doc_.TryOpen(body, padded_capacity, &d, &reason, &offset);
  if (opened) {
    od::json_type type;
    if (d.type().get(type)) {
      JsonDocument::RejectBody(out, &result, RejectReason::kMalformedJson, 0);
      return result;
    }
    if (type != od::json_type::object) {
      const RejectReason why = TopLevelMismatchReason(d, type);
      JsonDocument::RejectBody(out, &result, why, 0,
                               why == RejectReason::kWrongType ? "top level (object expected)" : "");
      return result;
    }
    // On-Demand checks up front that the root object is closed: a truncated body fails here.
    od::object root;
    if (d.get_object().get(root) == simdjson::SUCCESS) {
      d.rewind();
      return ParseOpened(d, result);
    }
    reason = RejectReason::kMalformedJson;
    offset = 0;
  }
  // Truncated (stage 1 fails on the cut string, or the root is unclosed): parse the complete
  // entries before the cut and reject the rest once, at its offset.
  size_t rest_offset = 0;
  if (reason == RejectReason::kMalformedJson && CloseAtLastCompleteEntry(body, &repair_, &rest_offset)) {
    repair_.reserve(repair_.size() + simdjson::SIMDJSON_PADDING);
    od::document rd;
    RejectReason rreason;
    uint32_t roffset;
    if (doc_.TryOpen(repair_, repair_.capacity(), &rd, &rreason, &roffset)) {
      result = ParseOpened(rd, result);
      if (!broken_) {
        core::Rejection r;
        r.reason = RejectReason::kMalformedJson;
        r.offset = static_cast<uint32_t>(rest_offset);
        r.record_index = records_seen_;
        out->Reject(r);
        ++result.rejected;
        result.body_rejected = false;
      }
      return result;
    }
  }
  JsonDocument::RejectBody(out, &result, reason, offset);
  return result;
}

bool OtlpParserBase::CloseAtLastCompleteEntry(std::string_view body, std::string* repaired, size_t* rest_offset) {
  char stack[8];  // Open brackets of the deepest cut point we care about (depth <= 6).
  char cut_stack[8];
  size_t depth = 0, cut = 0, cut_depth = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '"') {
      size_t end = SkipJsonValue(body, i);
      if (end == std::string::npos) break;  // Cut inside a string.
      i = end - 1;
      continue;
    }
    if (c == '{' || c == '[') {
      if (depth < sizeof(stack)) stack[depth] = c;
      ++depth;
      continue;
    }
    if (c != '}' && c != ']') continue;
    if (depth == 0) break;
    --depth;
    if (depth < sizeof(stack) && (stack[depth] == '{') != (c == '}')) break;  // Mismatched: broken here.
    // An entry just ended: the element of the array at depth 2, 4 or 6.
    if (c == '}' && (depth == 2 || depth == 4 || depth == 6) && stack[depth - 1] == '[') {
      cut = i + 1;
      cut_depth = depth;
      std::memcpy(cut_stack, stack, depth);
    }
  }
  if (cut == 0) return false;
  repaired->assign(body.substr(0, cut));
  for (size_t k = cut_depth; k > 0; --k) repaired->push_back(cut_stack[k - 1] == '{' ? '}' : ']');
  size_t rest = cut;
  while (rest < body.size() && (body[rest] == ' ' || body[rest] == '\n' || body[rest] == '\r' ||
                                body[rest] == '\t' || body[rest] == ','))
    ++rest;
  *rest_offset = rest;
  return true;
}

ParseResult OtlpParserBase::ParseOpened(od::document& d, ParseResult result) {
  core::SignalBatch* out = out_;
  result_ = &result;
  records_seen_ = 0;
  broken_ = false;
  doc_ptr_ = &d;
  const size_t before = out->size();
  od::object root;
  if (auto e = d.get_object().get(root)) {
    JsonDocument::RejectBody(out, &result, ReasonForSimdjsonError(e), 0);
    result_ = nullptr;
    return result;
  }
  uint32_t last_offset = 0;
  for (auto f_r : root) {
    od::field f;
    if (std::move(f_r).get(f)) {
      RejectRecord(RejectReason::kMalformedJson, "", last_offset, records_seen_);
      broken_ = true;
      break;
    }
    std::string_view k;
    FieldError kst = KeyOf(f, &k);
    if (kst.failed) {
      RejectRecord(kst.reason, kst.field, last_offset, records_seen_);
      broken_ = true;
      break;
    }
    if (!OtlpKeyIs(k, resource_key_)) continue;
    od::array arr;
    bool present = false;
    FieldError st = GetArray(f.value(), resource_key_, &arr, &present);
    if (st.failed) {
      RejectRecord(st.reason, st.field, doc_.OffsetOf(f.value(), 0), records_seen_++);
      continue;
    }
    if (!present) continue;
    last_offset = doc_.OffsetOf(f.value(), 0);
    for (auto re_r : arr) {
      od::value re;
      if (std::move(re_r).get(re)) {
        RejectRecord(RejectReason::kMalformedJson, "", last_offset, records_seen_);
        broken_ = true;
        break;
      }
      uint32_t offset = doc_.OffsetOf(re, last_offset);
      last_offset = offset;
      const size_t signals_before = out->size(), rejections_before = out->rejections().size();
      FieldError rst = ParseResourceEntry(re);
      if (broken_) break;
      if (rst.failed) {
        RejectEntry(rst, offset, records_seen_++, EntryLevel::kResource, signals_before, rejections_before);
      }
      if (!DocAlive()) {
        broken_ = true;
        break;
      }
    }
    if (broken_) break;
  }
  result.accepted = static_cast<uint32_t>(out->size() - before);
  if (!broken_) RejectTrailingContent(doc_, d, records_seen_, out, &result);
  if (result.accepted == 0 && result.rejected > 0 && records_seen_ == 0) result.body_rejected = true;
  result_ = nullptr;
  doc_ptr_ = nullptr;
  return result;
}

// ---- cold: what a rejected entry stood for ----

void OtlpParserBase::RejectEntry(const FieldError& why, uint32_t offset, uint32_t index, EntryLevel level,
                                 size_t signals_before, size_t rejections_before) {
  uint64_t items = ItemsIn(offset, level);
  uint64_t done = out_->size() - signals_before;
  const auto rejections = out_->rejections();
  for (size_t i = rejections_before; i < rejections.size(); ++i) done += rejections[i].units;
  const uint64_t left = items > done ? items - done : 1;
  RejectRecord(why.reason, why.field, offset, index, static_cast<uint32_t>(std::min<uint64_t>(left, UINT32_MAX)));
}

uint64_t OtlpParserBase::ItemsIn(uint32_t offset, EntryLevel level) {
  const std::string_view body = doc_.body();
  const size_t end = SkipJsonValue(body, offset);
  if (end == std::string::npos) return 1;
  if (!items_parser_) items_parser_ = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element e;
  if (items_parser_->parse(body.data() + offset, end - offset).get(e) != simdjson::SUCCESS) return 1;
  return std::max<uint64_t>(1, CountItems(e, level));
}

uint64_t OtlpParserBase::CountItems(const simdjson::dom::element& e, EntryLevel level) const {
  if (level == EntryLevel::kRecord && format_ != core::Format::kOtlpMetrics) return 1;
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return level == EntryLevel::kRecord ? 1 : 0;
  uint64_t n = 0;
  for (auto field : obj) {
    simdjson::dom::array arr;
    switch (level) {
      case EntryLevel::kResource:
        if (OtlpKeyIs(field.key, scope_key_) && field.value.get_array().get(arr) == simdjson::SUCCESS) {
          for (simdjson::dom::element s : arr) n += CountItems(s, EntryLevel::kScope);
        }
        break;
      case EntryLevel::kScope:
        if (OtlpKeyIs(field.key, records_key_) && field.value.get_array().get(arr) == simdjson::SUCCESS) {
          for (simdjson::dom::element r : arr) n += CountItems(r, EntryLevel::kRecord);
        }
        break;
      case EntryLevel::kRecord: {  // A metric: the data points of its data (gauge, sum, ...).
        simdjson::dom::object data;
        if (field.value.get_object().get(data) != simdjson::SUCCESS) break;
        for (auto g : data) {
          if (OtlpKeyIs(g.key, "dataPoints") && g.value.get_array().get(arr) == simdjson::SUCCESS) n += arr.size();
        }
        break;
      }
    }
  }
  return n;
}

}  // namespace quell::ingest
