#include "ingest/json_fields.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "fmt/format.h"

namespace quell::ingest {

using core::RejectReason;

namespace internal {
#define QUELL_SPLAT32(c) {c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c}
const ByteSplats kByteSplats = {QUELL_SPLAT32('"'), QUELL_SPLAT32('\\'), QUELL_SPLAT32(','), QUELL_SPLAT32(':'),
                                QUELL_SPLAT32(' ')};
#undef QUELL_SPLAT32
}  // namespace internal

RejectReason ReasonForSimdjsonError(simdjson::error_code e) {
  switch (e) {
    case simdjson::INCORRECT_TYPE: return RejectReason::kWrongType;
    case simdjson::NUMBER_OUT_OF_RANGE: return RejectReason::kOutOfRange;
    case simdjson::NUMBER_ERROR: return RejectReason::kInvalidValue;
    case simdjson::DEPTH_ERROR: return RejectReason::kTooDeep;
    case simdjson::UTF8_ERROR:
    case simdjson::STRING_ERROR: return RejectReason::kInvalidUtf8;
    case simdjson::NO_SUCH_FIELD: return RejectReason::kMissingField;
    case simdjson::CAPACITY: return RejectReason::kTooLarge;
    case simdjson::EMPTY: return RejectReason::kEmptyBody;
    default: return RejectReason::kMalformedJson;
  }
}

FieldError KeyOfEscaped(od::field& f, std::string_view* key) {
  auto r = f.unescaped_key();
  if (r.error()) return FromSimdjson(r.error(), "key");
  *key = r.value_unsafe();
  return FieldError::Ok();
}

bool OtlpKeyIs(std::string_view key, std::string_view camel) {
  if (key.size() == camel.size()) {
    if (key == camel) return true;
  } else if (key.size() < camel.size()) {
    return false;
  }
  // snake_case: every uppercase letter of `camel` is "_" + lowercase in `key`.
  size_t i = 0;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      if (i >= key.size() || key[i] != '_') return false;
      ++i;
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (i >= key.size() || key[i] != c) return false;
    ++i;
  }
  return i == key.size();
}

FieldError ReadStringSlow(od::value& v, size_t max_bytes, const char* field, std::string_view* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  if (t == od::json_type::null) return FieldError::Ok();
  if (t != od::json_type::string) return FieldError::Fail(RejectReason::kWrongType, field);
  std::string_view s;
  if (auto e = v.get_string().get(s)) return FromSimdjson(e, field);
  if (s.size() > max_bytes) return FieldError::Fail(RejectReason::kTooLarge, field);
  *out = s;
  return FieldError::Ok();
}

[[gnu::hot]] FieldError ReadScalarTextSlow(od::value& v, size_t max_bytes, const char* field, std::string_view* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  switch (t) {
    case od::json_type::null: return FieldError::Ok();
    case od::json_type::string: return ReadString(v, max_bytes, field, out);
    case od::json_type::number:
    case od::json_type::boolean: {
      std::string_view tok = v.raw_json_token();
      *out = TrimSpaces(tok);
      // Validate the literal/number so that garbage like "tru" does not pass.
      if (t == od::json_type::boolean) {
        bool b;
        if (auto e = v.get_bool().get(b)) return FromSimdjson(e, field);
      } else {
        double d;
        if (auto e = v.get_double().get(d)) return FromSimdjson(e, field);
      }
      return FieldError::Ok();
    }
    default: return FieldError::Fail(RejectReason::kWrongType, field);
  }
}

namespace {

template <typename T>
FieldError IntegerFromDouble(double d, const char* field, T* out) {
  if (!std::isfinite(d) || std::floor(d) != d) return FieldError::Fail(RejectReason::kInvalidValue, field);
  // 2^63 / 2^64 are exactly representable; anything at or above is out of range.
  constexpr double kMax = static_cast<double>(std::numeric_limits<T>::max());
  constexpr double kMin = static_cast<double>(std::numeric_limits<T>::min());
  if (d >= kMax || d < kMin) return FieldError::Fail(RejectReason::kOutOfRange, field);
  *out = static_cast<T>(d);
  return FieldError::Ok();
}

template <typename T>
FieldError ReadInteger(od::value& v, const char* field, T* out) {
  // A decimal string without escapes (OTLP's int64 encoding, e.g. every timestamp) read straight
  // from its token: the string's closing quote is the token's last byte (only whitespace may
  // follow it before the next structural character). Anything else takes the paths below, which
  // also name what is wrong.
  std::string_view tok = v.raw_json_token();
  if (tok.size() >= 3 && tok.front() == '"' && tok.back() == '"') {
    bool overflow = false;
    T x = 0;
    if (ParseIntegerText(tok.substr(1, tok.size() - 2), &x, &overflow)) {
      *out = x;
      return FieldError::Ok();
    }
  }
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  switch (t) {
    case od::json_type::null: return FieldError::Ok();
    case od::json_type::number: {
      od::number n;
      if (auto e = v.get_number().get(n)) return FromSimdjson(e, field);
      switch (n.get_number_type()) {
        case od::number_type::signed_integer: {
          int64_t x = n.get_int64();
          if constexpr (std::is_unsigned_v<T>) {
            if (x < 0) return FieldError::Fail(RejectReason::kOutOfRange, field);
          }
          *out = static_cast<T>(x);
          return FieldError::Ok();
        }
        case od::number_type::unsigned_integer: {
          uint64_t x = n.get_uint64();
          if (x > static_cast<uint64_t>(std::numeric_limits<T>::max()))
            return FieldError::Fail(RejectReason::kOutOfRange, field);
          *out = static_cast<T>(x);
          return FieldError::Ok();
        }
        default: return IntegerFromDouble(n.get_double(), field, out);
      }
    }
    case od::json_type::string: {
      std::string_view s;
      QUELL_TRY_FIELD(ReadString(v, std::numeric_limits<size_t>::max(), field, &s));
      bool overflow = false;
      T x = 0;
      if (ParseIntegerText(s, &x, &overflow)) {
        *out = x;
        return FieldError::Ok();
      }
      return FieldError::Fail(overflow ? RejectReason::kOutOfRange : RejectReason::kInvalidValue, field);
    }
    default: return FieldError::Fail(RejectReason::kWrongType, field);
  }
}

}  // namespace

FieldError ReadInt64(od::value& v, const char* field, int64_t* out) { return ReadInteger(v, field, out); }
FieldError ReadUint64(od::value& v, const char* field, uint64_t* out) { return ReadInteger(v, field, out); }

FieldError ReadOtlpEnum(od::value& v, const char* field, std::span<const std::string_view> names, int64_t* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  if (t != od::json_type::string) return ReadInt64(v, field, out);
  std::string_view s;
  QUELL_TRY_FIELD(ReadString(v, std::numeric_limits<size_t>::max(), field, &s));
  for (size_t i = 0; i < names.size(); ++i) {
    if (s == names[i]) {
      *out = static_cast<int64_t>(i);
      return FieldError::Ok();
    }
  }
  bool overflow = false;
  if (ParseInt64Text(s, out, &overflow)) return FieldError::Ok();
  return FieldError::Fail(overflow ? RejectReason::kOutOfRange : RejectReason::kInvalidValue, field);
}

FieldError ReadDouble(od::value& v, const char* field, double* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  switch (t) {
    case od::json_type::null: return FieldError::Ok();
    case od::json_type::number: {
      double d;
      if (auto e = v.get_double().get(d)) return FromSimdjson(e, field);
      *out = d;
      return FieldError::Ok();
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return FromSimdjson(e, field);
      if (s == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
      } else if (s == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
      } else if (s == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
      } else {
        double d = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec == std::errc::result_out_of_range) return FieldError::Fail(RejectReason::kOutOfRange, field);
        if (ec != std::errc() || p != s.data() + s.size() || s.empty())
          return FieldError::Fail(RejectReason::kInvalidValue, field);
        *out = d;
      }
      return FieldError::Ok();
    }
    default: return FieldError::Fail(RejectReason::kWrongType, field);
  }
}

FieldError ReadBool(od::value& v, const char* field, bool* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  switch (t) {
    case od::json_type::null: return FieldError::Ok();
    case od::json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b)) return FromSimdjson(e, field);
      *out = b;
      return FieldError::Ok();
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return FromSimdjson(e, field);
      if (s == "true") *out = true;
      else if (s == "false") *out = false;
      else return FieldError::Fail(RejectReason::kInvalidValue, field);
      return FieldError::Ok();
    }
    default: return FieldError::Fail(RejectReason::kWrongType, field);
  }
}

bool EpochAutoUnit(int64_t v, core::EventTime* out) {
  if (v <= 0) {
    *out = core::EventTime();
    return true;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t mult;
  if (v < 10'000'000'000LL) mult = 1'000'000'000;  // seconds
  else if (v < 10'000'000'000'000LL) mult = 1'000'000;  // milliseconds
  else if (v < 10'000'000'000'000'000LL) mult = 1'000;  // microseconds
  else mult = 1;
  if (v > kMax / mult) return false;
  *out = core::EventTime::FromUnixNanos(v * mult);
  return true;
}

[[gnu::hot]] FieldError ReadEpochAutoSlow(od::value& v, const char* field, core::EventTime* out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  int64_t x = 0;
  if (t == od::json_type::number) {
    // Epochs may come as doubles with a fraction (e.g. 1767225600.5 seconds).
    od::number n;
    if (auto e = v.get_number().get(n)) return FromSimdjson(e, field);
    if (n.get_number_type() == od::number_type::floating_point_number) {
      double d = n.get_double();
      if (!std::isfinite(d)) return FieldError::Fail(RejectReason::kInvalidValue, field);
      if (d >= 9.2e18 || d < -9.2e18) return FieldError::Fail(RejectReason::kOutOfRange, field);
      if (d > 0 && d < 1e10) {
        *out = core::EventTime::FromUnixNanos(static_cast<int64_t>(d * 1e9));
        return FieldError::Ok();
      }
      x = static_cast<int64_t>(d);
    } else if (n.get_number_type() == od::number_type::unsigned_integer) {
      return FieldError::Fail(RejectReason::kOutOfRange, field);
    } else {
      x = n.get_int64();
    }
  } else {
    QUELL_TRY_FIELD(ReadInt64(v, field, &x));
  }
  if (!EpochAutoUnit(x, out)) return FieldError::Fail(RejectReason::kOutOfRange, field);
  return FieldError::Ok();
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

FieldError ParseRfc3339Fast(std::string_view s, const char* field, core::EventTime* out) {
  auto bad = [&] { return FieldError::Fail(RejectReason::kInvalidValue, field); };
  // "YYYY-MM-DDTHH:MM:SS" at fixed positions: the 14 digits are validated together (one branch)
  // and read without a call per group.
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto digit = [p](int i) { return static_cast<int>(p[i]) - '0'; };
  auto not_digit = [p](int i) { return static_cast<unsigned>(static_cast<unsigned>(p[i]) - '0' > 9u); };
  if ((not_digit(0) | not_digit(1) | not_digit(2) | not_digit(3) | not_digit(5) | not_digit(6) | not_digit(8) |
       not_digit(9) | not_digit(11) | not_digit(12) | not_digit(14) | not_digit(15) | not_digit(17) | not_digit(18)) != 0)
    return bad();
  const int year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const int month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9);
  const int hour = digit(11) * 10 + digit(12), minute = digit(14) * 10 + digit(15), second = digit(17) * 10 + digit(18);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad();
  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    static constexpr int64_t kScale[9] = {100'000'000, 10'000'000, 1'000'000, 100'000, 10'000, 1'000, 100, 10, 1};
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 9) frac_ns += (s[pos] - '0') * kScale[pos - start];  // Beyond ns: ignored.
      ++pos;
    }
    if (pos == start) return bad();
  }
  if (pos >= s.size()) return bad();
  int64_t offset_s = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  if (year <= 1) {  // Go's zero time: unset.
    *out = core::EventTime();
    return FieldError::Ok();
  }
  if (year < 1678 || year > 2261) return FieldError::Fail(RejectReason::kOutOfRange, field);
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  *out = core::EventTime::FromUnixNanos(secs * 1'000'000'000LL + frac_ns);
  return FieldError::Ok();
}

[[gnu::hot]] void SplitTag(std::string_view tag, std::string_view* name, std::string_view* value) {
  size_t colon = tag.find(':');
  if (colon == std::string_view::npos) {
    *name = TrimSpaces(tag);
    *value = {};
    return;
  }
  *name = TrimSpaces(tag.substr(0, colon));
  *value = TrimSpaces(tag.substr(colon + 1));
}

void AppendJsonEscaped(std::string* out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: fmt::format_to(std::back_inserter(*out), "\\u{:04x}", c); break;
    }
  }
  out->append(s.data() + run, s.size() - run);
}

size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return n;
}

size_t SkipJsonValue(std::string_view text, size_t pos) {
  constexpr size_t kNpos = std::string::npos;
  if (pos >= text.size()) return kNpos;
  char c = text[pos];
  if (c == '"') {
    for (size_t i = pos + 1; i < text.size(); ++i) {
      unsigned char ch = static_cast<unsigned char>(text[i]);
      if (ch == '\\') {
        ++i;
        continue;
      }
      if (ch < 0x20) return kNpos;
      if (ch == '"') return i + 1;
    }
    return kNpos;
  }
  if (c == '{' || c == '[') {
    // Bracket matching with a small explicit stack of expected closers (bit per level).
    uint64_t stack[16] = {};
    size_t depth = 0;
    for (size_t i = pos; i < text.size(); ++i) {
      unsigned char ch = static_cast<unsigned char>(text[i]);
      if (ch == '"') {
        size_t end = SkipJsonValue(text, i);
        if (end == kNpos) return kNpos;
        i = end - 1;
      } else if (ch == '{' || ch == '[') {
        if (depth >= 16 * 64) return kNpos;
        if (ch == '{') stack[depth / 64] |= (uint64_t{1} << (depth % 64));
        else stack[depth / 64] &= ~(uint64_t{1} << (depth % 64));
        ++depth;
      } else if (ch == '}' || ch == ']') {
        if (depth == 0) return kNpos;
        --depth;
        bool is_obj = (stack[depth / 64] >> (depth % 64)) & 1;
        if (is_obj != (ch == '}')) return kNpos;
        if (depth == 0) return i + 1;
      }
    }
    return kNpos;
  }
  // Number or literal: up to the next delimiter.
  size_t i = pos;
  while (i < text.size()) {
    char ch = text[i];
    if (ch == ',' || ch == '}' || ch == ']' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') break;
    ++i;
  }
  return i == pos ? kNpos : i;
}

FieldError AppendJsonValue(od::value& v, int depth_left, size_t max_bytes, const char* field, std::string* out) {
  if (out->size() > max_bytes) return FieldError::Fail(RejectReason::kTooLarge, field);
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, field);
  switch (t) {
    case od::json_type::object: {
      if (depth_left <= 0) return FieldError::Fail(RejectReason::kTooDeep, field);
      od::object obj;
      if (auto e = v.get_object().get(obj)) return FromSimdjson(e, field);
      out->push_back('{');
      bool first = true;
      for (auto f_r : obj) {
        if (auto e = f_r.error()) return FromSimdjson(e, field);
        od::field& f = f_r.value_unsafe();  // No copy (see json_fields.h).
        std::string_view key;
        if (auto e = f.unescaped_key().get(key)) return FromSimdjson(e, field);
        if (!first) out->push_back(',');
        first = false;
        out->push_back('"');
        AppendJsonEscaped(out, key);
        out->append("\":");
        QUELL_TRY_FIELD(AppendJsonValue(f.value(), depth_left - 1, max_bytes, field, out));
      }
      out->push_back('}');
      return FieldError::Ok();
    }
    case od::json_type::array: {
      if (depth_left <= 0) return FieldError::Fail(RejectReason::kTooDeep, field);
      od::array arr;
      if (auto e = v.get_array().get(arr)) return FromSimdjson(e, field);
      out->push_back('[');
      bool first = true;
      for (auto item_r : arr) {
        od::value item;
        if (auto e = std::move(item_r).get(item)) return FromSimdjson(e, field);
        if (!first) out->push_back(',');
        first = false;
        QUELL_TRY_FIELD(AppendJsonValue(item, depth_left - 1, max_bytes, field, out));
      }
      out->push_back(']');
      return FieldError::Ok();
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return FromSimdjson(e, field);
      out->push_back('"');
      AppendJsonEscaped(out, s);
      out->push_back('"');
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return FromSimdjson(e, field);
      if (!is_null) return FieldError::Fail(RejectReason::kMalformedJson, field);
      out->append("null");
      break;
    }
    default: {
      std::string_view text;
      QUELL_TRY_FIELD(ReadScalarText(v, max_bytes, field, &text));
      out->append(text);
      break;
    }
  }
  if (out->size() > max_bytes) return FieldError::Fail(RejectReason::kTooLarge, field);
  return FieldError::Ok();
}

void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "Infinity" : "-Infinity");
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", v);
  }
}

}  // namespace quell::ingest
