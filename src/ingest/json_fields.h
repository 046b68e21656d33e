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

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/dead_letter.h"
#include "core/event_time.h"
#include "core/page_local_reads.h"
#include "ingest/key_order.h"
#include "ingest/key_table.h"
#include "ingest/parser.h"
#include "simdjson.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__AVX2__)
#include <immintrin.h>
#endif

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
    if (quell_fe_.failed) [[unlikely]] return quell_fe_; \
  } while (0)

// The reject reason for a simdjson error met while reading a value.
core::RejectReason ReasonForSimdjsonError(simdjson::error_code e);
inline FieldError FromSimdjson(simdjson::error_code e, const char* field) {
  return FieldError::Fail(ReasonForSimdjsonError(e), field);
}

namespace internal {
// Byte-splat vectors that the inlined scans read from memory (json_fields.cc). Defined out of
// line so that GCC cannot see their values: built in registers, each _mm_set1_epi8 was three
// instructions (mov, vmovd, vpbroadcastb) repeated at every inlined scan (34 per webhook in the
// webhook parser's record function); read from memory, it is an operand of the compare.
struct alignas(32) ByteSplats {
  char quote[32], backslash[32], comma[32], colon[32], space[32];
};
extern const ByteSplats kByteSplats;
#if defined(__SSE2__)
inline __m128i Splat16(const char (&bytes)[32]) { return _mm_load_si128(reinterpret_cast<const __m128i*>(bytes)); }
#if defined(__AVX2__)
inline __m256i Splat32(const char (&bytes)[32]) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(bytes)); }
#endif
#endif
}  // namespace internal

// Offset of the first '"' or '\\' at or after `p`. REQUIRES: one of them occurs before the end of
// the padded buffer `p` points into (true inside any JSON string of a simdjson document, whose
// buffer has SIMDJSON_PADDING (64) readable bytes after its end: the scan reads 32 bytes at a
// time with AVX2, 16 without). 32-byte steps: the webhook's strings of 16-31 bytes take one step
// instead of two (44 fewer instructions per webhook).
inline size_t FindQuoteOrBackslash(const char* p) {
#if defined(__AVX2__)
  const __m256i quote = internal::Splat32(internal::kByteSplats.quote);
  const __m256i backslash = internal::Splat32(internal::kByteSplats.backslash);
  for (size_t i = 0;; i += 32) {
    __m256i chunk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    unsigned mask = static_cast<unsigned>(
        _mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(chunk, quote), _mm256_cmpeq_epi8(chunk, backslash))));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#elif defined(__SSE2__)
  const __m128i quote = internal::Splat16(internal::kByteSplats.quote);
  const __m128i backslash = internal::Splat16(internal::kByteSplats.backslash);
  for (size_t i = 0;; i += 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#else
  size_t i = 0;
  while (p[i] != '"' && p[i] != '\\') ++i;
  return i;
#endif
}

FieldError KeyOfEscaped(od::field& f, std::string_view* key);

// Iterating an object's fields: take each field by reference from the iterator's result
//   for (auto f_r : obj) { if (auto e = f_r.error()) ...; od::field& f = f_r.value_unsafe(); ... }
// rather than moving it out with get(f): GCC 12 copies a moved-out field through the stack with
// two narrow stores and one 16-byte load, which defeats store-to-load forwarding (about 12
// cycles per field; 30% of the webhook parser's own samples, perf on parser_bench, 26 Nov 2026).

// The key of an object field without unescaping when it has no escapes (the common case): a
// view into the document's buffer. Keys with escapes are unescaped into the parser's string
// buffer.
inline FieldError KeyOf(od::field& f, std::string_view* key) {
  const char* p = f.key().raw();
  size_t n = FindQuoteOrBackslash(p);
  if (p[n] == '"') {
    *key = std::string_view(p, n);
    return FieldError::Ok();
  }
  return KeyOfEscaped(f, key);
}

// The key of `f` and its id in `table` (-1 if absent): predicted by `order` at position `*pos` when
// the record keeps the key order of the records before it (key_order.h), else read with KeyOf,
// looked up and learned.
inline FieldError KeyAndId(od::field& f, const KeyTable& table, KeyOrder& order, size_t* pos, std::string_view* key,
                           int* id) {
  const char* raw = f.key().raw();
  if (order.Next(pos, raw, key, id)) return FieldError::Ok();
  QUELL_TRY_FIELD(KeyOf(f, key));
  *id = table.Find(*key);
  order.Learn(pos, raw, *key, *id);
  return FieldError::Ok();
}

// True iff `key` names `camel` in lowerCamelCase or in snake_case ("timeUnixNano" matches
// "timeUnixNano" and "time_unix_nano"). REQUIRES: `camel` is ASCII lowerCamelCase.
bool OtlpKeyIs(std::string_view key, std::string_view camel);

// A string (null = absent). Fails kWrongType for other types, kTooLarge over `max_bytes`,
// kInvalidUtf8 for a bad escape (e.g. a lone surrogate). A string without escapes (the common
// case) is a view into the document's own buffer, found without unescaping; one with escapes
// is unescaped into the simdjson parser's string buffer. Both stay valid until the next
// document; JsonDocument::Keep copies either. Always inlined: GCC's own choice varies with the
// size of its callers, and an out-of-line copy cost the webhook parser ~3% (perf, session 20).
FieldError ReadStringSlow(od::value& v, size_t max_bytes, const char* field, std::string_view* out);
[[gnu::always_inline]] inline FieldError ReadString(od::value& v, size_t max_bytes, const char* field, std::string_view* out) {
  std::string_view tok = v.raw_json_token();  // Does not consume the value.
  if (!tok.empty() && tok.front() == '"') {
    const char* p = tok.data() + 1;
    size_t n = FindQuoteOrBackslash(p);
    if (p[n] == '"') {
      // Not consumed: the enclosing object or array iteration steps over the string token (as
      // it does for any value left unread), which costs less than get_raw_json_string's checks.
      if (n > max_bytes) return FieldError::Fail(core::RejectReason::kTooLarge, field);
      *out = std::string_view(p, n);
      return FieldError::Ok();
    }
  }
  return ReadStringSlow(v, max_bytes, field, out);
}
// A string or a scalar (number, bool) as its JSON text; objects and arrays fail kWrongType.
// Strings (the common case) take ReadString's inline path.
FieldError ReadScalarTextSlow(od::value& v, size_t max_bytes, const char* field, std::string_view* out);
inline FieldError ReadScalarText(od::value& v, size_t max_bytes, const char* field, std::string_view* out) {
  std::string_view tok = v.raw_json_token();
  if (!tok.empty() && tok.front() == '"') return ReadString(v, max_bytes, field, out);
  return ReadScalarTextSlow(v, max_bytes, field, out);
}
// A 64-bit integer from a JSON number or a decimal string. A double with an integral value is
// accepted. Out of range -> kOutOfRange, other text -> kInvalidValue.
FieldError ReadInt64(od::value& v, const char* field, int64_t* out);
FieldError ReadUint64(od::value& v, const char* field, uint64_t* out);
// A protobuf enum as OTLP/JSON senders write it: a number (or decimal string), or, as protojson
// writes by default (Go's protojson.Marshal), the value's name; `names[i]` is value i's name.
// An unknown name -> kInvalidValue.
FieldError ReadOtlpEnum(od::value& v, const char* field, std::span<const std::string_view> names, int64_t* out);
// A double from a number or a string ("1.5", "NaN", "Infinity", "-Infinity").
FieldError ReadDouble(od::value& v, const char* field, double* out);
// A JSON boolean (or the strings "true"/"false").
FieldError ReadBool(od::value& v, const char* field, bool* out);

// Decimal text -> int64/uint64; false on anything else (a leading '+' allowed, '-' for int64, no
// spaces). `*overflow` is set when the text is digits but out of range.
template <typename T>
bool ParseIntegerText(std::string_view text, T* out, bool* overflow);
inline bool ParseInt64Text(std::string_view text, int64_t* out, bool* overflow) {
  return ParseIntegerText(text, out, overflow);
}
inline bool ParseUint64Text(std::string_view text, uint64_t* out, bool* overflow) {
  return ParseIntegerText(text, out, overflow);
}

// An epoch timestamp of unknown unit, as Datadog sends them (seconds in events, milliseconds in
// webhooks, sometimes micro/nanoseconds): |v| < 1e10 -> seconds, < 1e13 -> ms, < 1e16 -> us,
// else ns. 0 or negative -> unset (EventTime{}). Returns false when the result overflows.
bool EpochAutoUnit(int64_t v, core::EventTime* out);
// Reads a number or string epoch of unknown unit (EpochAutoUnit).
// A decimal string (as Datadog's webhook template writes $DATE) is read inline, and a 13-digit one
// without a leading zero (milliseconds, the usual case) without a call. An empty (or all-space)
// string is an absent time, as null is: `*out` is left as it is (a template variable with nothing
// to say renders as "").
FieldError ReadEpochAutoSlow(od::value& v, const char* field, core::EventTime* out);
namespace internal {  // Defined below.
inline bool EightDigits(const char* p, uint32_t* out);
inline uint32_t DropDecimalDigits(uint32_t x, size_t k);
}  // namespace internal
inline FieldError ReadEpochAuto(od::value& v, const char* field, core::EventTime* out) {
  std::string_view tok = v.raw_json_token();
  if (tok.empty() || tok.front() != '"') return ReadEpochAutoSlow(v, field, out);
  std::string_view text;
  QUELL_TRY_FIELD(ReadString(v, ~size_t{0}, field, &text));
  if (text.size() == 13 && text[0] != '0') {  // Milliseconds, as Datadog writes $DATE: inline.
    uint32_t head, tail;
    if (internal::EightDigits(text.data(), &head) && internal::EightDigits(text.data() + 5, &tail)) {
      const int64_t ms = int64_t{internal::DropDecimalDigits(head, 3)} * 100'000'000 + tail;
      if (ms <= std::numeric_limits<int64_t>::max() / 1'000'000) {
        *out = core::EventTime::FromUnixNanos(ms * 1'000'000);
        return FieldError::Ok();
      }
    }
  }
  int64_t x = 0;
  bool overflow = false;
  if (!ParseIntegerText(text, &x, &overflow)) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return FieldError::Ok();  // Absent.
    return FieldError::Fail(overflow ? core::RejectReason::kOutOfRange : core::RejectReason::kInvalidValue, field);
  }
  if (!EpochAutoUnit(x, out)) return FieldError::Fail(core::RejectReason::kOutOfRange, field);
  return FieldError::Ok();
}

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
// Spaces, tabs, CR and LF off both ends. One compare per end in the common case (nothing to
// trim): every space byte is <= ' '.
inline std::string_view TrimSpaces(std::string_view s) {
  auto space = [](char c) {
    return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r');
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

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

namespace internal {

// The value of 8 ASCII digits at `p` (p[0] most significant), or false when one is not a digit.
// SWAR, as simdjson's number parser does (is_made_of_eight_digits_fast and
// parse_eight_digits_unrolled): a 13-digit millisecond epoch costs one such step and 5 loop turns.
inline bool EightDigits(const char* p, uint32_t* out) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if ((((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4))) != 0x3333333333333333)
    return false;
  v -= 0x3030303030303030;
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000FF000000FF) * 0x000F424000000064) + (((v >> 16) & 0x000000FF000000FF) * 0x0000271000000001)) >> 32;
  *out = static_cast<uint32_t>(v);
  return true;
}

// x / 10^k for x < 10^8 and k in [0, 7], by multiplying with ceil(2^64 / 10^k) and keeping the
// high word (exact for these x: the rounding error times x stays below 2^64), not by a divide.
inline uint32_t DropDecimalDigits(uint32_t x, size_t k) {
  static constexpr uint64_t kInversePow10[8] = {0, 0x199999999999999AULL, 0x028F5C28F5C28F5DULL,
                                                0x004189374BC6A7F0ULL, 0x00068DB8BAC710CCULL,
                                                0x0000A7C5AC471B48ULL, 0x000010C6F7A0B5EEULL,
                                                0x000001AD7F29ABCBULL};
  if (k == 0) return x;
  return static_cast<uint32_t>((static_cast<unsigned __int128>(x) * kInversePow10[k]) >> 64);
}

}  // namespace internal

template <typename T>
bool ParseIntegerText(std::string_view text, T* out, bool* overflow) {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>);
  *overflow = false;
  if (text.empty() || text.size() > 64) return false;
  size_t i = text[0] == '+' ? 1 : 0;
  bool negative = false;
  if constexpr (std::is_signed_v<T>) {
    if (i < text.size() && text[i] == '-') {
      negative = true;
      ++i;
    }
  }
  if (i == text.size()) return false;
  uint64_t v = 0;
  bool wrapped = false;
  if (const size_t r = text.size() - i; r >= 9 && r <= 16) {
    // 9-16 digits (millisecond and microsecond epochs): the first 8 and the last 8, overlapping,
    // each read at once; the first n - 8 digits are the first group divided by 10^(16 - n).
    uint32_t first, last;
    if (!internal::EightDigits(text.data() + i, &first) ||
        !internal::EightDigits(text.data() + text.size() - 8, &last)) {
      return false;
    }
    v = uint64_t{internal::DropDecimalDigits(first, 16 - r)} * 100'000'000 + last;
  } else if (r >= 17 && r <= 19) {
    // 17-19 digits (nanosecond epochs, as OTLP writes every timestamp): up to 3 leading digits,
    // then the last 16 as two groups of 8. 19 digits never wrap a uint64 (< 10^19 < 2^64).
    const size_t head_end = text.size() - 16;
    for (; i < head_end; ++i) {
      unsigned d = static_cast<unsigned>(static_cast<unsigned char>(text[i])) - '0';
      if (d > 9) return false;
      v = v * 10 + d;
    }
    uint32_t high, low;
    if (!internal::EightDigits(text.data() + head_end, &high) || !internal::EightDigits(text.data() + head_end + 8, &low))
      return false;
    v = v * 10'000'000'000'000'000 + uint64_t{high} * 100'000'000 + low;
  } else if (r <= 19) {  // 1-8 digits.
    for (uint32_t eight; text.size() - i >= 8 && internal::EightDigits(text.data() + i, &eight); i += 8) {
      v = v * 100'000'000 + eight;
    }
    for (; i < text.size(); ++i) {
      unsigned d = static_cast<unsigned>(static_cast<unsigned char>(text[i])) - '0';
      if (d > 9) return false;
      v = v * 10 + d;
    }
  } else {
    for (; i < text.size(); ++i) {
      unsigned d = static_cast<unsigned>(static_cast<unsigned char>(text[i])) - '0';
      if (d > 9) return false;
      wrapped |= __builtin_mul_overflow(v, uint64_t{10}, &v);
      wrapped |= __builtin_add_overflow(v, uint64_t{d}, &v);
    }
  }
  if constexpr (std::is_signed_v<T>) {
    constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|
    if (wrapped || v > kMaxMagnitude || (!negative && v == kMaxMagnitude)) {
      *overflow = true;
      return false;
    }
    *out = negative ? static_cast<T>(0 - v) : static_cast<T>(v);
  } else {
    if (wrapped) {
      *overflow = true;
      return false;
    }
    *out = v;
  }
  return true;
}

namespace internal {

// ForEachTag's step at a ',' or ':' at offset i (the list's end counts as a ','): an item ends
// at each ','; its name runs to its first ':'.
// With kTrim false the list holds no byte <= ' ', so there is nothing to trim.
template <bool kTrim = true, typename F>
inline void TagDelimiter(const char* p, size_t i, char c, size_t* start, size_t* colon, F& f) {
  if (c == ':') {
    if (*colon == std::string_view::npos) *colon = i;
    return;
  }
  auto trim = [](std::string_view s) { return kTrim ? TrimSpaces(s) : s; };
  std::string_view name, value;
  if (*colon == std::string_view::npos) {
    name = trim(std::string_view(p + *start, i - *start));
  } else {
    name = trim(std::string_view(p + *start, *colon - *start));
    value = trim(std::string_view(p + *colon + 1, i - *colon - 1));
  }
  if (!name.empty()) f(name, value);
  *start = i + 1;
  *colon = std::string_view::npos;
}

// ForEachTag over a list of 16 bytes or more (SSE2): one pass that only visits the ',' and ':',
// told apart by their own masks (not by reloading the byte); the list ends with one more 16-byte
// load overlapping the last full one (reads stay inside the list).
template <bool kTrim, typename F>
void ForEachTagBlocks(const char* p, size_t n, F& f) {
  size_t start = 0, colon = std::string_view::npos, i = 0;
  const __m128i comma_byte = _mm_set1_epi8(','), colon_byte = _mm_set1_epi8(':');
  // Visits the delimiters of the 16 bytes at p + at whose offsets are at + skip or more.
  auto visit = [&](size_t at, unsigned skip) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    const unsigned colons = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, colon_byte))) >> skip;
    unsigned mask = (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, comma_byte))) >> skip) | colons;
    while (mask != 0) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      TagDelimiter<kTrim>(p, at + skip + bit, (colons >> bit) & 1 ? ':' : ',', &start, &colon, f);
      mask &= mask - 1;
    }
  };
  for (; i + 16 <= n; i += 16) visit(i, 0);
  if (i < n) visit(n - 16, static_cast<unsigned>(i - (n - 16)));
  TagDelimiter<kTrim>(p, n, ',', &start, &colon, f);
}

// The bits of a list of 16-64 bytes (bit i for byte i) that are ',', that are ':' and that are
// <= ' ': 16-byte loads at 0, 16, 32 and 48, the last one moved back to end at the list's end
// (an overlap sets the same bits twice; reads stay inside the list).
struct TagMasks {
  uint64_t commas = 0, colons = 0, low = 0;
};
inline TagMasks TagMasksOf(const char* p, size_t n) {
  const __m128i comma_byte = _mm_set1_epi8(','), colon_byte = _mm_set1_epi8(':'), space = _mm_set1_epi8(' ');
  TagMasks m;
  for (size_t i = 0; i < n; i += 16) {
    const size_t at = std::min(i, n - 16);
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    auto bits = [&](__m128i eq) { return uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(eq))} << at; };
    m.commas |= bits(_mm_cmpeq_epi8(chunk, comma_byte));
    m.colons |= bits(_mm_cmpeq_epi8(chunk, colon_byte));
    m.low |= bits(_mm_cmpeq_epi8(_mm_min_epu8(chunk, space), chunk));
  }
  return m;
}

#if defined(__AVX2__)
// TagMasksOf for a list of 1-64 bytes from two 32-byte loads, without a loop over its length.
// REQUIRES: the 64 bytes at `p` are readable (core::ReadStaysOnPage<64>(p)); the bytes past the
// list are read and their bits cleared.
QUELL_PAGE_LOCAL_READ inline TagMasks TagMasksOf64(const char* p, size_t n) {
  const __m256i comma_byte = Splat32(kByteSplats.comma), colon_byte = Splat32(kByteSplats.colon);
  const __m256i space = Splat32(kByteSplats.space);
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  auto bits = [](__m256i lo, __m256i hi) {
    return uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(lo))} |
           (uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(hi))} << 32);
  };
  const uint64_t in = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  TagMasks m;
  m.commas = bits(_mm256_cmpeq_epi8(a, comma_byte), _mm256_cmpeq_epi8(b, comma_byte)) & in;
  m.colons = bits(_mm256_cmpeq_epi8(a, colon_byte), _mm256_cmpeq_epi8(b, colon_byte)) & in;
  m.low = bits(_mm256_cmpeq_epi8(_mm256_min_epu8(a, space), a), _mm256_cmpeq_epi8(_mm256_min_epu8(b, space), b)) & in;
  return m;
}
#endif

// ForEachTag over a list of 1-64 bytes without a byte <= ' ' (nothing to trim), from its masks:
// one step per item, not per delimiter. An item runs to the next ',' (or the end); its name to
// the first ':' inside it. Always inlined, with one call of `f`, so that a caller's `f` can be
// inlined into the walk.
template <typename F>
[[gnu::always_inline]] inline void ForEachTagMasked(const char* p, size_t n, uint64_t commas, uint64_t colons, F& f) {
  size_t start = 0;
  for (;;) {
    const bool last = commas == 0;
    const size_t end = last ? n : static_cast<size_t>(__builtin_ctzll(commas));
    if (end > start) {  // start < end <= n <= 64: the shift is defined.
      const size_t len = end - start;
      uint64_t colon = colons >> start;
      if (len < 64) colon &= (uint64_t{1} << len) - 1;
      // No ':': the whole item is the name. An empty name (":x") is skipped.
      const size_t k = colon == 0 ? len : static_cast<size_t>(__builtin_ctzll(colon));
      if (k != 0) f(std::string_view(p + start, k), colon == 0 ? std::string_view() : std::string_view(p + start + k + 1, len - k - 1));
    }
    if (last) return;
    start = end + 1;
    commas &= commas - 1;
  }
}

// ForEachTag's common case: a list of 1-64 bytes without a byte <= ' ' whose 64 bytes from its
// start stay on its page (read with two 32-byte loads; AVX2 builds). Returns false, having called
// nothing, for any other list.
template <typename F>
[[gnu::always_inline]] inline bool ForEachShortTag(const char* p, size_t n, F& f) {
#if defined(__AVX2__)
  if (n - 1 < 64 && core::ReadStaysOnPage<64>(p)) {
    const TagMasks m = TagMasksOf64(p, n);
    if (m.low == 0) {
      ForEachTagMasked(p, n, m.commas, m.colons, f);
      return true;
    }
  }
#endif
  (void)p;
  (void)n;
  (void)f;
  return false;
}

}  // namespace internal

template <typename F>
void ForEachTag(std::string_view csv, F&& f) {
  const char* p = csv.data();
  const size_t n = csv.size();
  if (internal::ForEachShortTag(p, n, f)) return;
#if defined(__SSE2__)
  if (n >= 16 && n <= 64) {  // Masks of the whole list, then one step per tag.
    const internal::TagMasks m = internal::TagMasksOf(p, n);
    if (m.low == 0) return internal::ForEachTagMasked(p, n, m.commas, m.colons, f);
    return internal::ForEachTagBlocks<true>(p, n, f);
  }
  if (n > 64) {
    // Names and values are trimmed of spaces only when the list has a byte <= ' ' (rare: Datadog
    // tags hold none); one more pass of 16-byte compares decides.
    const __m128i space = _mm_set1_epi8(' ');
    unsigned any = 0;
    for (size_t i = 0; i < n; i += 16) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + std::min(i, n - 16)));
      any |= static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(chunk, space), chunk)));
    }
    if (any != 0) return internal::ForEachTagBlocks<true>(p, n, f);
    return internal::ForEachTagBlocks<false>(p, n, f);
  }
#endif
  size_t start = 0, colon = std::string_view::npos;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == ',' || p[i] == ':') internal::TagDelimiter(p, i, p[i], &start, &colon, f);
  }
  internal::TagDelimiter(p, n, ',', &start, &colon, f);
}

}  // namespace quell::ingest

#endif  // QUELL_INGEST_JSON_FIELDS_H_
