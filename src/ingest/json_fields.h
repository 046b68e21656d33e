// src/ingest/json_fields.h
//
// Field readers shared by every parser, over simdjson On-Demand values: strings with a size limit,
// 64-bit integers "as string or number" (OTLP/JSON and Datadog send both), doubles (with protojson's
// "NaN"/"Infinity" strings), epoch timestamps of unknown unit, RFC 3339 times, Datadog tag lists,
// hex ids, and the OTLP field-name rule (lowerCamelCase or snake_case). Nothing here allocates: a
// string read is a view into the simdjson parser's string buffer, valid until the next document;
// parsers copy what they keep into the batch arena.
//
// Every reader returns a FieldError: ok() when the value was read (or was JSON null, which counts
// as absent and leaves `*out` unchanged), else the reject reason and the static field name.
// Thread-safety: stateless functions.
#ifndef QUELL_INGEST_JSON_FIELDS_H_
#define QUELL_INGEST_JSON_FIELDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/dead_letter.h"
#include "core/event_time.h"
#include "ingest/parser.h"
#include "simdjson.h"

namespace quell::ingest {

namespace od = simdjson::ondemand;

// Why a field (and so its record) could not be read. `field` is a static string.
struct FieldError {
  bool failed = false;
  core::RejectReason reason = core::RejectReason::kMalformedJson;
  const char* field = "";

  bool ok() const { return !failed; }
  static FieldError Ok() { return {}; }
  static FieldError Fail(core::RejectReason r, const char* field) { return {true, r, field}; }
};

// Evaluates a FieldError expression; returns it from the enclosing function when failed.
#define QUELL_TRY_FIELD(expr)                   \
  do {                                          \
    ::quell::ingest::FieldError quell_fe_ = (expr); \
    if (quell_fe_.failed) return quell_fe_;     \
  } while (0)

// The reject reason for a simdjson error met while reading a value.
core::RejectReason ReasonForSimdjsonError(simdjson::error_code e);
inline FieldError FromSimdjson(simdjson::error_code e, const char* field) {
  return FieldError::Fail(ReasonForSimdjsonError(e), field);
}

// The key of an object field without unescaping when it has no escapes (the common case);
// keys with escapes are unescaped into the parser's string buffer.
FieldError KeyOf(od::field& f, std::string_view* key);

// True iff `key` names `camel` in lowerCamelCase or in snake_case ("timeUnixNano" matches
// "timeUnixNano" and "time_unix_nano"). REQUIRES: `camel` is ASCII lowerCamelCase.
bool OtlpKeyIs(std::string_view key, std::string_view camel);

// A string (null = absent). Fails kWrongType for other types, kTooLarge over `max_bytes`,
// kInvalidUtf8 for a bad escape (e.g. a lone surrogate).
FieldError ReadString(od::value& v, size_t max_bytes, const char* field, std::string_view* out);
// A string or a scalar (number, bool) as its JSON text; objects and arrays fail kWrongType.
FieldError ReadScalarText(od::value& v, size_t max_bytes, const char* field, std::string_view* out);
// A 64-bit integer from a JSON number or a decimal string. A double with an integral value is
// accepted. Out of range -> kOutOfRange, other text -> kInvalidValue.
FieldError ReadInt64(od::value& v, const char* field, int64_t* out);
FieldError ReadUint64(od::value& v, const char* field, uint64_t* out);
// A double from a number or a string ("1.5", "NaN", "Infinity", "-Infinity").
FieldError ReadDouble(od::value& v, const char* field, double* out);
// A JSON boolean (or the strings "true"/"false").
FieldError ReadBool(od::value& v, const char* field, bool* out);

// Decimal text -> int64; false on anything else (sign allowed, no spaces). `*overflow` is set when
// the text is digits but out of range.
bool ParseInt64Text(std::string_view text, int64_t* out, bool* overflow);
bool ParseUint64Text(std::string_view text, uint64_t* out, bool* overflow);

// An epoch timestamp of unknown unit, as Datadog sends them (seconds in events, milliseconds in
// webhooks, sometimes micro/nanoseconds): |v| < 1e10 -> seconds, < 1e13 -> ms, < 1e16 -> us,
// else ns. 0 or negative -> unset (EventTime{}). Returns false when the result overflows.
bool EpochAutoUnit(int64_t v, core::EventTime* out);
// Reads a number or string epoch of unknown unit (EpochAutoUnit).
FieldError ReadEpochAuto(od::value& v, const char* field, core::EventTime* out);

// RFC 3339 ("2026-01-01T00:00:00Z", fraction optional, "Z" or +hh:mm), without allocation.
// Year 1 (Go's zero time, amtool's "0001-01-01T00:00:00Z") -> unset (EventTime{}). Returns
// kInvalidValue for bad text and kOutOfRange outside years 1678-2261.
FieldError ParseRfc3339Fast(std::string_view text, const char* field, core::EventTime* out);

// Calls f(name, value) for each comma-separated tag of a Datadog tag list ("env:prod, team:a, b"),
// names and values trimmed of spaces; the value is everything after the first ':' and is empty
// for a valueless tag ("b"). Empty items are skipped.
template <typename F>
void ForEachTag(std::string_view csv, F&& f);
// Splits one tag "k:v" into name and value (value empty when there is no ':').
void SplitTag(std::string_view tag, std::string_view* name, std::string_view* value);
std::string_view TrimSpaces(std::string_view s);

// True iff `s` is exactly `n` lowercase/uppercase hex digits.
bool IsHex(std::string_view s, size_t n);

// Appends `s` JSON-escaped (without quotes): ", \, control characters as \n, \t or \u00XX. Bytes
// >= 0x80 are copied as they are (callers pass valid UTF-8).
void AppendJsonEscaped(std::string* out, std::string_view s);

// The offset of the first byte of `s` that is not part of valid UTF-8, or s.size() if none.
size_t FirstInvalidUtf8(std::string_view s);

// Given `text` and `pos` at the first byte of a JSON value (after whitespace), returns the offset
// one past its end, or std::string::npos when it is not a complete value (strings must not hold
// raw control characters). A structural check only: numbers and literals are not validated.
size_t SkipJsonValue(std::string_view text, size_t pos);

// Appends `v` re-serialized as compact JSON (strings re-escaped). Nesting deeper than
// `depth_left` fails kTooDeep; output beyond `max_bytes` fails kTooLarge.
FieldError AppendJsonValue(od::value& v, int depth_left, size_t max_bytes, const char* field, std::string* out);

// Appends a double the way JSON would print it (shortest round-trip; "NaN"/"Infinity" quoted
// forms are not produced: non-finite values print as NaN, Infinity, -Infinity).
void AppendDouble(std::string* out, double v);

// ---- implementation of templates ----

template <typename F>
void ForEachTag(std::string_view csv, F&& f) {
  while (!csv.empty()) {
    size_t comma = csv.find(',');
    std::string_view item = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    item = TrimSpaces(item);
    if (item.empty()) continue;
    std::string_view name, value;
    SplitTag(item, &name, &value);
    if (name.empty()) continue;
    f(name, value);
  }
}

}  // namespace quell::ingest

#endif  // QUELL_INGEST_JSON_FIELDS_H_
