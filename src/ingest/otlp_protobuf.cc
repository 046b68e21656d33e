// src/ingest/otlp_protobuf.cc
#include "ingest/otlp_protobuf.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <span>

#include "absl/strings/escaping.h"
#include "core/rpc_status.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "ingest/json_fields.h"
#include "simdjson.h"

namespace quell::ingest {
namespace {

// ---- Schema: opentelemetry-proto v1, the messages of the three export requests. ----

enum M : uint8_t {
  kLogsRequest, kResourceLogs, kScopeLogs, kLogRecord,
  kTracesRequest, kResourceSpans, kScopeSpans, kSpan, kSpanEvent, kSpanLink, kSpanStatus,
  kMetricsRequest, kResourceMetrics, kScopeMetrics, kMetric, kGauge, kSum, kHistogram, kExpHistogram, kSummary,
  kNumberPoint, kHistogramPoint, kExpHistogramPoint, kBuckets, kSummaryPoint, kQuantile, kExemplar,
  kResource, kEntityRef, kScope, kKeyValue, kAnyValue, kArrayValue, kKeyValueList,
  kMessageCount,
};

// How a field is read off the wire and written as JSON.
enum class T : uint8_t {
  kString,    // length-delimited -> JSON string
  kHex,       // bytes (trace and span ids) -> lowercase hex string
  kBase64,    // bytes -> base64 string
  kBool,      // varint -> true/false
  kInt64,     // varint, two's complement -> decimal string
  kUint64,    // varint -> decimal string
  kUint32,    // varint -> number
  kEnum,      // varint, int32 -> number
  kSint32,    // varint, zigzag -> number
  kFixed64,   // 8 bytes -> decimal string
  kSfixed64,  // 8 bytes, signed -> decimal string
  kFixed32,   // 4 bytes -> number
  kDouble,    // 8 bytes -> number ("NaN", "Infinity", "-Infinity" as strings)
  kMessage,   // length-delimited -> object
};

struct Field {
  uint32_t number;
  std::string_view name;  // JSON name (lowerCamelCase).
  T type;
  bool repeated = false;
  M message = kMessageCount;
};

constexpr bool kRep = true;

constexpr Field kLogsRequestFields[] = {{1, "resourceLogs", T::kMessage, kRep, kResourceLogs}};
constexpr Field kResourceLogsFields[] = {
    {1, "resource", T::kMessage, false, kResource},
    {2, "scopeLogs", T::kMessage, kRep, kScopeLogs},
    {3, "schemaUrl", T::kString},
};
constexpr Field kScopeLogsFields[] = {
    {1, "scope", T::kMessage, false, kScope},
    {2, "logRecords", T::kMessage, kRep, kLogRecord},
    {3, "schemaUrl", T::kString},
};
constexpr Field kLogRecordFields[] = {
    {1, "timeUnixNano", T::kFixed64},
    {11, "observedTimeUnixNano", T::kFixed64},
    {2, "severityNumber", T::kEnum},
    {3, "severityText", T::kString},
    {5, "body", T::kMessage, false, kAnyValue},
    {6, "attributes", T::kMessage, kRep, kKeyValue},
    {7, "droppedAttributesCount", T::kUint32},
    {8, "flags", T::kFixed32},
    {9, "traceId", T::kHex},
    {10, "spanId", T::kHex},
    {12, "eventName", T::kString},
};

constexpr Field kTracesRequestFields[] = {{1, "resourceSpans", T::kMessage, kRep, kResourceSpans}};
constexpr Field kResourceSpansFields[] = {
    {1, "resource", T::kMessage, false, kResource},
    {2, "scopeSpans", T::kMessage, kRep, kScopeSpans},
    {3, "schemaUrl", T::kString},
};
constexpr Field kScopeSpansFields[] = {
    {1, "scope", T::kMessage, false, kScope},
    {2, "spans", T::kMessage, kRep, kSpan},
    {3, "schemaUrl", T::kString},
};
constexpr Field kSpanFields[] = {
    {1, "traceId", T::kHex},
    {2, "spanId", T::kHex},
    {3, "traceState", T::kString},
    {4, "parentSpanId", T::kHex},
    {16, "flags", T::kFixed32},
    {5, "name", T::kString},
    {6, "kind", T::kEnum},
    {7, "startTimeUnixNano", T::kFixed64},
    {8, "endTimeUnixNano", T::kFixed64},
    {9, "attributes", T::kMessage, kRep, kKeyValue},
    {10, "droppedAttributesCount", T::kUint32},
    {11, "events", T::kMessage, kRep, kSpanEvent},
    {12, "droppedEventsCount", T::kUint32},
    {13, "links", T::kMessage, kRep, kSpanLink},
    {14, "droppedLinksCount", T::kUint32},
    {15, "status", T::kMessage, false, kSpanStatus},
};
constexpr Field kSpanEventFields[] = {
    {1, "timeUnixNano", T::kFixed64},
    {2, "name", T::kString},
    {3, "attributes", T::kMessage, kRep, kKeyValue},
    {4, "droppedAttributesCount", T::kUint32},
};
constexpr Field kSpanLinkFields[] = {
    {1, "traceId", T::kHex},
    {2, "spanId", T::kHex},
    {3, "traceState", T::kString},
    {4, "attributes", T::kMessage, kRep, kKeyValue},
    {5, "droppedAttributesCount", T::kUint32},
    {6, "flags", T::kFixed32},
};
constexpr Field kSpanStatusFields[] = {{2, "message", T::kString}, {3, "code", T::kEnum}};

constexpr Field kMetricsRequestFields[] = {{1, "resourceMetrics", T::kMessage, kRep, kResourceMetrics}};
constexpr Field kResourceMetricsFields[] = {
    {1, "resource", T::kMessage, false, kResource},
    {2, "scopeMetrics", T::kMessage, kRep, kScopeMetrics},
    {3, "schemaUrl", T::kString},
};
constexpr Field kScopeMetricsFields[] = {
    {1, "scope", T::kMessage, false, kScope},
    {2, "metrics", T::kMessage, kRep, kMetric},
    {3, "schemaUrl", T::kString},
};
constexpr Field kMetricFields[] = {
    {1, "name", T::kString},
    {2, "description", T::kString},
    {3, "unit", T::kString},
    {5, "gauge", T::kMessage, false, kGauge},
    {7, "sum", T::kMessage, false, kSum},
    {9, "histogram", T::kMessage, false, kHistogram},
    {10, "exponentialHistogram", T::kMessage, false, kExpHistogram},
    {11, "summary", T::kMessage, false, kSummary},
    {12, "metadata", T::kMessage, kRep, kKeyValue},
};
constexpr Field kGaugeFields[] = {{1, "dataPoints", T::kMessage, kRep, kNumberPoint}};
constexpr Field kSumFields[] = {
    {1, "dataPoints", T::kMessage, kRep, kNumberPoint},
    {2, "aggregationTemporality", T::kEnum},
    {3, "isMonotonic", T::kBool},
};
constexpr Field kHistogramFields[] = {
    {1, "dataPoints", T::kMessage, kRep, kHistogramPoint},
    {2, "aggregationTemporality", T::kEnum},
};
constexpr Field kExpHistogramFields[] = {
    {1, "dataPoints", T::kMessage, kRep, kExpHistogramPoint},
    {2, "aggregationTemporality", T::kEnum},
};
constexpr Field kSummaryFields[] = {{1, "dataPoints", T::kMessage, kRep, kSummaryPoint}};
constexpr Field kNumberPointFields[] = {
    {7, "attributes", T::kMessage, kRep, kKeyValue},
    {2, "startTimeUnixNano", T::kFixed64},
    {3, "timeUnixNano", T::kFixed64},
    {4, "asDouble", T::kDouble},
    {6, "asInt", T::kSfixed64},
    {5, "exemplars", T::kMessage, kRep, kExemplar},
    {8, "flags", T::kUint32},
};
constexpr Field kHistogramPointFields[] = {
    {9, "attributes", T::kMessage, kRep, kKeyValue},
    {2, "startTimeUnixNano", T::kFixed64},
    {3, "timeUnixNano", T::kFixed64},
    {4, "count", T::kFixed64},
    {5, "sum", T::kDouble},
    {6, "bucketCounts", T::kFixed64, kRep},
    {7, "explicitBounds", T::kDouble, kRep},
    {8, "exemplars", T::kMessage, kRep, kExemplar},
    {10, "flags", T::kUint32},
    {11, "min", T::kDouble},
    {12, "max", T::kDouble},
};
constexpr Field kExpHistogramPointFields[] = {
    {1, "attributes", T::kMessage, kRep, kKeyValue},
    {2, "startTimeUnixNano", T::kFixed64},
    {3, "timeUnixNano", T::kFixed64},
    {4, "count", T::kFixed64},
    {5, "sum", T::kDouble},
    {6, "scale", T::kSint32},
    {7, "zeroCount", T::kFixed64},
    {8, "positive", T::kMessage, false, kBuckets},
    {9, "negative", T::kMessage, false, kBuckets},
    {10, "flags", T::kUint32},
    {11, "exemplars", T::kMessage, kRep, kExemplar},
    {12, "min", T::kDouble},
    {13, "max", T::kDouble},
    {14, "zeroThreshold", T::kDouble},
};
constexpr Field kBucketsFields[] = {{1, "offset", T::kSint32}, {2, "bucketCounts", T::kUint64, kRep}};
constexpr Field kSummaryPointFields[] = {
    {7, "attributes", T::kMessage, kRep, kKeyValue},
    {2, "startTimeUnixNano", T::kFixed64},
    {3, "timeUnixNano", T::kFixed64},
    {4, "count", T::kFixed64},
    {5, "sum", T::kDouble},
    {6, "quantileValues", T::kMessage, kRep, kQuantile},
    {8, "flags", T::kUint32},
};
constexpr Field kQuantileFields[] = {{1, "quantile", T::kDouble}, {2, "value", T::kDouble}};
constexpr Field kExemplarFields[] = {
    {7, "filteredAttributes", T::kMessage, kRep, kKeyValue},
    {2, "timeUnixNano", T::kFixed64},
    {3, "asDouble", T::kDouble},
    {6, "asInt", T::kSfixed64},
    {4, "spanId", T::kHex},
    {5, "traceId", T::kHex},
};

constexpr Field kResourceFields[] = {
    {1, "attributes", T::kMessage, kRep, kKeyValue},
    {2, "droppedAttributesCount", T::kUint32},
    {3, "entityRefs", T::kMessage, kRep, kEntityRef},
};
constexpr Field kEntityRefFields[] = {
    {1, "schemaUrl", T::kString},
    {2, "type", T::kString},
    {3, "idKeys", T::kString, kRep},
    {4, "descriptionKeys", T::kString, kRep},
};
constexpr Field kScopeFields[] = {
    {1, "name", T::kString},
    {2, "version", T::kString},
    {3, "attributes", T::kMessage, kRep, kKeyValue},
    {4, "droppedAttributesCount", T::kUint32},
};
constexpr Field kKeyValueFields[] = {{1, "key", T::kString}, {2, "value", T::kMessage, false, kAnyValue}};
constexpr Field kAnyValueFields[] = {
    {1, "stringValue", T::kString},
    {2, "boolValue", T::kBool},
    {3, "intValue", T::kInt64},
    {4, "doubleValue", T::kDouble},
    {5, "arrayValue", T::kMessage, false, kArrayValue},
    {6, "kvlistValue", T::kMessage, false, kKeyValueList},
    {7, "bytesValue", T::kBase64},
};
constexpr Field kArrayValueFields[] = {{1, "values", T::kMessage, kRep, kAnyValue}};
constexpr Field kKeyValueListFields[] = {{1, "values", T::kMessage, kRep, kKeyValue}};

constexpr std::span<const Field> kSchema[kMessageCount] = {
    kLogsRequestFields, kResourceLogsFields, kScopeLogsFields, kLogRecordFields,
    kTracesRequestFields, kResourceSpansFields, kScopeSpansFields, kSpanFields, kSpanEventFields, kSpanLinkFields,
    kSpanStatusFields,
    kMetricsRequestFields, kResourceMetricsFields, kScopeMetricsFields, kMetricFields, kGaugeFields, kSumFields,
    kHistogramFields, kExpHistogramFields, kSummaryFields,
    kNumberPointFields, kHistogramPointFields, kExpHistogramPointFields, kBucketsFields, kSummaryPointFields,
    kQuantileFields, kExemplarFields,
    kResourceFields, kEntityRefFields, kScopeFields, kKeyValueFields, kAnyValueFields, kArrayValueFields,
    kKeyValueListFields,
};

// The wire type a field of type t is written with (repeated scalars may also come packed, as 2).
uint8_t WireTypeOf(T t) {
  switch (t) {
    case T::kBool:
    case T::kInt64:
    case T::kUint64:
    case T::kUint32:
    case T::kEnum:
    case T::kSint32: return 0;
    case T::kFixed64:
    case T::kSfixed64:
    case T::kDouble: return 1;
    case T::kFixed32: return 5;
    case T::kString:
    case T::kHex:
    case T::kBase64:
    case T::kMessage: return 2;
  }
  return 2;
}

// ---- Wire format ----

using core::ReadProtobufVarint;

uint64_t LoadLittleEndian(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// ---- JSON output ----

// json_fields' AppendJsonEscaped, not core::JsonWriter::AppendEscapedTo: the latter replaces
// invalid UTF-8 with U+FFFD, and a protobuf string that is not UTF-8 must be refused (by the JSON
// parser's validation), not altered; AppendJsonEscaped copies bytes >= 0x80 as they are.
void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendJsonEscaped(out, s);
  out->push_back('"');
}

void AppendHex(std::string* out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[130];  // Quotes and 64 bytes' digits at a time (trace ids are 16 bytes).
  size_t n = 0;
  buf[n++] = '"';
  for (unsigned char c : bytes) {
    if (n + 2 > sizeof buf) {
      out->append(buf, n);
      n = 0;
    }
    buf[n++] = kHex[c >> 4];
    buf[n++] = kHex[c & 0xf];
  }
  if (n + 1 > sizeof buf) {
    out->append(buf, n);
    n = 0;
  }
  buf[n++] = '"';
  out->append(buf, n);
}

// An integer as JSON, quoted (64-bit types, as the OTLP JSON encoding writes them) or not.
template <typename I>
void AppendInteger(std::string* out, I v, bool quoted) {
  char buf[24];
  char* p = buf;
  if (quoted) *p++ = '"';
  p = std::to_chars(p, buf + sizeof buf - 1, v).ptr;
  if (quoted) *p++ = '"';
  out->append(buf, static_cast<size_t>(p - buf));
}

void AppendBase64(std::string* out, std::string_view bytes) {
  out->push_back('"');
  out->append(absl::Base64Escape(core::ToAbsl(bytes)));  // bytesValue only: rare, so a copy is fine.
  out->push_back('"');
}

void AppendDouble(std::string* out, double d) {
  if (std::isnan(d)) {
    out->append("\"NaN\"");
  } else if (std::isinf(d)) {
    out->append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", d);
  }
}

// A scalar of type t (wire types 0, 1, 5) with the raw value v.
void AppendScalar(std::string* out, T t, uint64_t v) {
  switch (t) {
    case T::kBool: out->append(v != 0 ? "true" : "false"); break;
    case T::kInt64:
    case T::kSfixed64: AppendInteger(out, static_cast<int64_t>(v), true); break;
    case T::kUint64:
    case T::kFixed64: AppendInteger(out, v, true); break;
    case T::kUint32:
    case T::kFixed32: AppendInteger(out, static_cast<uint32_t>(v), false); break;
    case T::kEnum: AppendInteger(out, static_cast<int32_t>(static_cast<uint32_t>(v)), false); break;
    case T::kSint32: {
      const uint32_t u = static_cast<uint32_t>(v);
      AppendInteger(out, static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1)), false);
      break;
    }
    case T::kDouble: {
      double d;
      std::memcpy(&d, &v, sizeof d);
      AppendDouble(out, d);
      break;
    }
    default: break;
  }
}

}  // namespace

bool OtlpProtobufTranscoder::Fail(uint32_t offset, std::string reason) {
  error_->reason = std::move(reason);
  error_->offset = offset;
  return false;
}

bool OtlpProtobufTranscoder::Transcode(OtlpRequestKind kind, std::string_view body, size_t max_json_bytes,
                                       std::string* json, ProtobufError* error) {
  if (body.size() > UINT32_MAX) {
    error->reason = "body over 4 GiB";
    error->offset = 0;
    return false;
  }
  body_ = body;
  out_ = json;
  out_limit_ = json->size() + max_json_bytes;
  error_ = error;
  error_->too_large = false;
  entries_.clear();
  const M request = kind == OtlpRequestKind::kLogs     ? kLogsRequest
                    : kind == OtlpRequestKind::kTraces ? kTracesRequest
                                                       : kMetricsRequest;
  return Message(request, 0, static_cast<uint32_t>(body.size()), 1);
}

bool OtlpProtobufTranscoder::Message(uint8_t message, uint32_t begin, uint32_t end, int depth) {
  if (depth > kMaxDepth) return Fail(begin, fmt::format("messages nested deeper than {}", kMaxDepth));
  const std::span<const Field> schema = kSchema[message];
  const auto* const base = reinterpret_cast<const unsigned char*>(body_.data());

  // 1. The message's fields, in wire order, onto the entry stack.
  const size_t first = entries_.size();
  const unsigned char* p = base + begin;
  const unsigned char* const stop = base + end;
  while (p < stop) {
    const auto at = static_cast<uint32_t>(p - base);
    uint64_t tag;
    if (!ReadProtobufVarint(&p, stop, &tag)) return Fail(at, "truncated or over-long field tag");
    const uint64_t number = tag >> 3;
    const auto wire = static_cast<uint8_t>(tag & 7);
    if (number == 0 || number > 0x1fffffff) return Fail(at, fmt::format("invalid field number {}", number));
    Entry e{static_cast<uint32_t>(number), wire, 0, 0, 0};
    switch (wire) {
      case 0:
        if (!ReadProtobufVarint(&p, stop, &e.value)) return Fail(at, fmt::format("field {}: truncated varint", number));
        break;
      case 1:
      case 5: {
        const int n = wire == 1 ? 8 : 4;
        if (stop - p < n) return Fail(at, fmt::format("field {}: truncated {}-byte value", number, n));
        e.value = LoadLittleEndian(p, n);
        p += n;
        break;
      }
      case 2: {
        uint64_t len;
        if (!ReadProtobufVarint(&p, stop, &len)) return Fail(at, fmt::format("field {}: truncated length", number));
        if (len > static_cast<uint64_t>(stop - p)) {
          return Fail(at, fmt::format("field {}: length {} runs past the end of its message (ends at byte {})",
                                      number, len, end));
        }
        e.offset = static_cast<uint32_t>(p - base);
        e.length = static_cast<uint32_t>(len);
        p += len;
        break;
      }
      case 3:
      case 4: return Fail(at, fmt::format("field {}: groups (wire type {}) are not used by OTLP", number, wire));
      default: return Fail(at, fmt::format("field {}: invalid wire type {}", number, wire));
    }
    entries_.push_back(e);
  }
  const size_t last = entries_.size();

  // 2. The object: each known field once, where it first occurs; a repeated one as an array of
  // all its occurrences, a singular one with its last occurrence.
  out_->push_back('{');
  uint64_t written = 0;  // Bit i: schema[i] written (no message has more than 64 fields).
  bool comma = false;
  for (size_t i = first; i < last; ++i) {
    if (out_->size() > out_limit_) {
      error_->too_large = true;
      return Fail(entries_[i].offset, "the JSON transcoding is too large");
    }
    const uint32_t number = entries_[i].number;
    size_t f = 0;
    while (f < schema.size() && schema[f].number != number) ++f;
    if (f == schema.size() || (written >> f) & 1) continue;  // Unknown, or written already.
    const Field& field = schema[f];
    const uint8_t wire = WireTypeOf(field.type);
    const bool packable = field.repeated && wire != 2;
    auto usable = [&](const Entry& e) { return e.wire == wire || (packable && e.wire == 2); };
    size_t chosen = last;
    for (size_t j = i; j < last; ++j) {
      if (entries_[j].number == number && usable(entries_[j])) chosen = j;
    }
    if (chosen == last) continue;  // Every occurrence has a foreign wire type: skipped, as unknown.
    written |= uint64_t{1} << f;
    if (comma) out_->push_back(',');
    comma = true;
    {
      char key[64];  // "name": (the longest name is 22 bytes).
      key[0] = '"';
      std::memcpy(key + 1, field.name.data(), field.name.size());
      key[field.name.size() + 1] = '"';
      key[field.name.size() + 2] = ':';
      out_->append(key, field.name.size() + 3);
    }

    // Writes one occurrence (all the values of a packed one, each preceded by a comma but the
    // first of the array).
    bool first_value = true;
    auto value = [&](size_t j) -> bool {
      const Entry e = entries_[j];  // By value: nested messages grow the stack.
      const std::string_view bytes = body_.substr(e.offset, e.length);
      if (e.wire != 2 || field.type == T::kString || field.type == T::kHex || field.type == T::kBase64 ||
          field.type == T::kMessage) {
        if (!first_value) out_->push_back(',');
        first_value = false;
        switch (field.type) {
          case T::kString: AppendJsonString(out_, bytes); return true;
          case T::kHex: AppendHex(out_, bytes); return true;
          case T::kBase64: AppendBase64(out_, bytes); return true;
          case T::kMessage: {
            const size_t mark = entries_.size();
            const bool ok = Message(field.message, e.offset, e.offset + e.length, depth + 1);
            entries_.resize(mark);
            return ok;
          }
          default: AppendScalar(out_, field.type, e.value); return true;
        }
      }
      // Packed scalars.
      const unsigned char* q = base + e.offset;
      const unsigned char* const qend = q + e.length;
      while (q < qend) {
        uint64_t v;
        if (wire == 0) {
          if (!ReadProtobufVarint(&q, qend, &v)) {
            return Fail(static_cast<uint32_t>(q - base), fmt::format("field {}: truncated packed varint", number));
          }
        } else {
          const int n = wire == 1 ? 8 : 4;
          if (qend - q < n) {
            return Fail(static_cast<uint32_t>(q - base), fmt::format("field {}: truncated packed value", number));
          }
          v = LoadLittleEndian(q, n);
          q += n;
        }
        if (!first_value) out_->push_back(',');
        first_value = false;
        AppendScalar(out_, field.type, v);
      }
      return true;
    };

    if (field.repeated) {
      out_->push_back('[');
      for (size_t j = i; j < last; ++j) {
        if (entries_[j].number == number && usable(entries_[j]) && !value(j)) return false;
      }
      out_->push_back(']');
    } else if (!value(chosen)) {
      return false;
    }
  }
  out_->push_back('}');
  if (out_->size() > out_limit_) {
    error_->too_large = true;
    return Fail(begin, "the JSON transcoding is too large");
  }
  return true;
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class JsonToProtobuf {
 public:
  absl::Status Message(M message, simdjson::dom::element v, std::string* out) {
    simdjson::dom::object obj;
    if (v.get_object().get(obj)) return absl::InvalidArgumentError("expected an object");
    const std::span<const Field> schema = kSchema[message];
    for (auto [key, value] : obj) {
      const Field* field = nullptr;
      for (const Field& f : schema) {
        if (OtlpKeyIs(key, f.name)) field = &f;  // lowerCamelCase or snake_case
      }
      if (field == nullptr) continue;  // Dropped, as protobuf's JSON readers discard unknown fields.
      if (field->repeated) {
        simdjson::dom::array arr;
        if (value.get_array().get(arr)) return absl::InvalidArgumentError(fmt::format("{}: expected an array", key));
        for (simdjson::dom::element e : arr) {
          if (absl::Status st = Value(*field, e, out); !st.ok()) return st;
        }
      } else if (absl::Status st = Value(*field, value, out); !st.ok()) {
        return st;
      }
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status Bad(const Field& f, std::string_view what) {
    return absl::InvalidArgumentError(fmt::format("{}: {}", f.name, what));
  }

  // A number, or a string holding one (the OTLP JSON encoding writes 64-bit integers as strings).
  static bool Integer(simdjson::dom::element v, bool is_signed, uint64_t* out) {
    if (v.is_string()) {
      std::string_view s = v.get_string().value_unsafe();
      bool neg = !s.empty() && s[0] == '-';
      if (neg) s.remove_prefix(1);
      if (s.empty() || (neg && !is_signed)) return false;
      uint64_t x = 0;
      for (char c : s) {
        if (c < '0' || c > '9' || __builtin_mul_overflow(x, uint64_t{10}, &x) ||
            __builtin_add_overflow(x, static_cast<uint64_t>(c - '0'), &x)) {
          return false;
        }
      }
      *out = neg ? 0 - x : x;
      return true;
    }
    int64_t i;
    if (v.get_int64().get(i) == simdjson::SUCCESS) {
      if (i < 0 && !is_signed) return false;
      *out = static_cast<uint64_t>(i);
      return true;
    }
    uint64_t u;
    if (v.get_uint64().get(u) == simdjson::SUCCESS && !is_signed) {
      *out = u;
      return true;
    }
    return false;
  }

  static bool Double(simdjson::dom::element v, double* out) {
    if (v.is_string()) {
      std::string_view s = v.get_string().value_unsafe();
      if (s == "NaN") *out = std::numeric_limits<double>::quiet_NaN();
      else if (s == "Infinity") *out = std::numeric_limits<double>::infinity();
      else if (s == "-Infinity") *out = -std::numeric_limits<double>::infinity();
      else {
        const std::string text(s);
        char* end = nullptr;
        *out = std::strtod(text.c_str(), &end);
        return !text.empty() && end == text.c_str() + text.size();
      }
      return true;
    }
    return v.get_double().get(*out) == simdjson::SUCCESS;
  }

  absl::Status Value(const Field& f, simdjson::dom::element v, std::string* out) {
    auto tag = [&](int wire) { core::AppendProtobufVarint(out, (uint64_t{f.number} << 3) | static_cast<uint64_t>(wire)); };
    auto fixed = [&](uint64_t x, int n) {
      for (int i = 0; i < n; ++i) out->push_back(static_cast<char>(x >> (8 * i)));
    };
    switch (f.type) {
      case T::kString: {
        std::string_view s;
        if (v.get_string().get(s)) return Bad(f, "expected a string");
        core::AppendProtobufBytes(out, f.number, s);
        return absl::OkStatus();
      }
      case T::kHex:
      case T::kBase64: {
        std::string_view s;
        if (v.get_string().get(s)) return Bad(f, "expected a string");
        std::string bytes;
        if (f.type == T::kHex) {
          if (s.size() % 2 != 0) return Bad(f, "odd number of hex digits");
          for (size_t i = 0; i < s.size(); i += 2) {
            const int hi = HexDigit(s[i]), lo = HexDigit(s[i + 1]);
            if (hi < 0 || lo < 0) return Bad(f, "not hex");
            bytes.push_back(static_cast<char>(hi * 16 + lo));
          }
        } else if (!absl::Base64Unescape(core::ToAbsl(s), &bytes) &&
                   !absl::WebSafeBase64Unescape(core::ToAbsl(s), &bytes)) {
          return Bad(f, "not base64");
        }
        core::AppendProtobufBytes(out, f.number, bytes);
        return absl::OkStatus();
      }
      case T::kBool: {
        bool b;
        if (v.get_bool().get(b)) return Bad(f, "expected true or false");
        tag(0);
        core::AppendProtobufVarint(out, b ? 1 : 0);
        return absl::OkStatus();
      }
      case T::kInt64:
      case T::kUint64:
      case T::kUint32:
      case T::kEnum:
      case T::kSint32:
      case T::kFixed64:
      case T::kSfixed64:
      case T::kFixed32: {
        const bool is_signed = f.type == T::kInt64 || f.type == T::kEnum || f.type == T::kSint32 ||
                               f.type == T::kSfixed64;
        uint64_t x;
        if (!Integer(v, is_signed, &x)) return Bad(f, "expected an integer");
        if (f.type == T::kFixed64 || f.type == T::kSfixed64) {
          tag(1);
          fixed(x, 8);
        } else if (f.type == T::kFixed32) {
          tag(5);
          fixed(x, 4);
        } else if (f.type == T::kSint32) {
          const auto i = static_cast<int32_t>(x);
          tag(0);
          core::AppendProtobufVarint(out, (static_cast<uint32_t>(i) << 1) ^ static_cast<uint32_t>(i >> 31));
        } else {
          tag(0);
          core::AppendProtobufVarint(out, f.type == T::kEnum ? static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(x))) : x);
        }
        return absl::OkStatus();
      }
      case T::kDouble: {
        double d;
        if (!Double(v, &d)) return Bad(f, "expected a number");
        uint64_t x;
        std::memcpy(&x, &d, sizeof x);
        tag(1);
        fixed(x, 8);
        return absl::OkStatus();
      }
      case T::kMessage: {
        std::string child;
        if (absl::Status st = Message(f.message, v, &child); !st.ok()) {
          return absl::InvalidArgumentError(fmt::format("{}: {}", f.name, std::string(st.message())));
        }
        core::AppendProtobufBytes(out, f.number, child);
        return absl::OkStatus();
      }
    }
    return Bad(f, "unknown type");
  }
};

}  // namespace

absl::StatusOr<std::string> OtlpJsonToProtobuf(OtlpRequestKind kind, std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(std::string(json)).get(root)) return absl::InvalidArgumentError(simdjson::error_message(e));
  const M request = kind == OtlpRequestKind::kLogs     ? kLogsRequest
                    : kind == OtlpRequestKind::kTraces ? kTracesRequest
                                                       : kMetricsRequest;
  std::string out;
  if (absl::Status st = JsonToProtobuf().Message(request, root, &out); !st.ok()) return st;
  return out;
}

std::string OtlpProtobufExportResponse(int64_t rejected, std::string_view error_message) {
  if (rejected == 0 && error_message.empty()) return {};
  std::string partial;
  if (rejected != 0) {
    core::AppendProtobufVarint(&partial, (1 << 3) | 0);
    core::AppendProtobufVarint(&partial, static_cast<uint64_t>(rejected));
  }
  if (!error_message.empty()) core::AppendProtobufBytes(&partial, 2, error_message);
  std::string out;
  core::AppendProtobufBytes(&out, 1, partial);
  return out;
}

std::string OtlpProtobufStatus(int32_t code, std::string_view message) {
  return core::RpcStatusProtobuf(code, message);
}

}  // namespace quell::ingest
