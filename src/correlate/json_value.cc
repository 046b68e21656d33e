#include "correlate/json_value.h"

#include <charconv>
#include <cstdlib>

#include "fmt/format.h"

namespace quell::correlate {

class JsonParser {
 public:
  explicit JsonParser(std::string_view t) : t_(t) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    JsonValue v;
    if (!ParseValue(&v, 0)) return Fail();
    SkipWs();
    if (pos_ != t_.size()) {
      err_ = "trailing characters";
      return Fail();
    }
    return v;
  }

 private:
  absl::Status Fail() const {
    return absl::InvalidArgumentError(fmt::format("json: {} at offset {}", err_, pos_));
  }
  void SkipWs() {
    while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\n' || t_[pos_] == '\r' || t_[pos_] == '\t')) ++pos_;
  }
  bool Expect(char c) {
    SkipWs();
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    err_ = fmt::format("expected '{}'", c);
    return false;
  }
  bool ParseValue(JsonValue* v, int depth) {
    if (depth > 64) {
      err_ = "nesting too deep";
      return false;
    }
    SkipWs();
    if (pos_ >= t_.size()) {
      err_ = "unexpected end";
      return false;
    }
    char c = t_[pos_];
    if (c == '{') {
      ++pos_;
      v->type_ = JsonValue::Type::kObject;
      SkipWs();
      if (pos_ < t_.size() && t_[pos_] == '}') {
        ++pos_;
        return true;
      }
      while (true) {
        SkipWs();
        std::string key;
        if (!ParseString(&key)) return false;
        if (!Expect(':')) return false;
        JsonValue child;
        if (!ParseValue(&child, depth + 1)) return false;
        v->members_.emplace_back(std::move(key), std::move(child));
        SkipWs();
        if (pos_ < t_.size() && t_[pos_] == ',') {
          ++pos_;
          continue;
        }
        return Expect('}');
      }
    }
    if (c == '[') {
      ++pos_;
      v->type_ = JsonValue::Type::kArray;
      SkipWs();
      if (pos_ < t_.size() && t_[pos_] == ']') {
        ++pos_;
        return true;
      }
      while (true) {
        JsonValue child;
        if (!ParseValue(&child, depth + 1)) return false;
        v->items_.push_back(std::move(child));
        SkipWs();
        if (pos_ < t_.size() && t_[pos_] == ',') {
          ++pos_;
          continue;
        }
        return Expect(']');
      }
    }
    if (c == '"') {
      v->type_ = JsonValue::Type::kString;
      return ParseString(&v->string_);
    }
    if (t_.substr(pos_, 4) == "true") {
      pos_ += 4;
      v->type_ = JsonValue::Type::kBool;
      v->bool_ = true;
      return true;
    }
    if (t_.substr(pos_, 5) == "false") {
      pos_ += 5;
      v->type_ = JsonValue::Type::kBool;
      return true;
    }
    if (t_.substr(pos_, 4) == "null") {
      pos_ += 4;
      return true;
    }
    size_t start = pos_;
    if (pos_ < t_.size() && t_[pos_] == '-') ++pos_;
    while (pos_ < t_.size() && ((t_[pos_] >= '0' && t_[pos_] <= '9') || t_[pos_] == '.' ||
                                t_[pos_] == 'e' || t_[pos_] == 'E' || t_[pos_] == '+' || t_[pos_] == '-')) {
      ++pos_;
    }
    if (pos_ == start) {
      err_ = "unexpected character";
      return false;
    }
    v->type_ = JsonValue::Type::kNumber;
    v->string_ = std::string(t_.substr(start, pos_ - start));
    char* end = nullptr;
    v->number_ = std::strtod(v->string_.c_str(), &end);
    if (end != v->string_.c_str() + v->string_.size()) {
      err_ = "bad number";
      return false;
    }
    return true;
  }
  static void AppendUtf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > t_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = t_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    *out = v;
    return true;
  }
  bool ParseString(std::string* out) {
    if (pos_ >= t_.size() || t_[pos_] != '"') {
      err_ = "expected string";
      return false;
    }
    ++pos_;
    while (pos_ < t_.size()) {
      char c = t_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) {
        err_ = "control character in string";
        return false;
      }
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= t_.size()) break;
      char e = t_[pos_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) {
            err_ = "bad \\u escape";
            return false;
          }
          if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 6 <= t_.size() && t_[pos_] == '\\' && t_[pos_ + 1] == 'u') {
            pos_ += 2;
            uint32_t lo;
            if (!Hex4(&lo)) {
              err_ = "bad \\u escape";
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          err_ = "bad escape";
          return false;
      }
    }
    err_ = "unterminated string";
    return false;
  }

  std::string_view t_;
  size_t pos_ = 0;
  std::string err_;
};

absl::StatusOr<JsonValue> JsonValue::Parse(std::string_view text) { return JsonParser(text).ParseDocument(); }

int64_t JsonValue::AsInt64() const {
  if (type_ != Type::kNumber) return 0;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(string_.data(), string_.data() + string_.size(), v);
  if (ec == std::errc() && p == string_.data() + string_.size()) return v;
  return static_cast<int64_t>(number_);
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void JsonValue::AppendTo(std::string* out) const {
  switch (type_) {
    case Type::kNull: *out += "null"; return;
    case Type::kBool: *out += bool_ ? "true" : "false"; return;
    case Type::kNumber: *out += string_; return;
    case Type::kString: AppendJsonQuoted(out, string_); return;
    case Type::kArray:
      *out += '[';
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) *out += ',';
        items_[i].AppendTo(out);
      }
      *out += ']';
      return;
    case Type::kObject:
      *out += '{';
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i > 0) *out += ',';
        AppendJsonQuoted(out, members_[i].first);
        *out += ':';
        members_[i].second.AppendTo(out);
      }
      *out += '}';
      return;
  }
}

std::string JsonValue::GetString(std::string_view key, std::string def) const {
  const JsonValue* v = Find(key);
  if (v == nullptr || !v->is_string()) return def;
  return v->string_;
}

void AppendJsonQuoted(std::string* out, std::string_view s) {
  *out += '"';
  for (char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", static_cast<int>(c));
        } else {
          *out += c;
        }
    }
  }
  *out += '"';
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendJsonQuoted(&out, s);
  return out;
}

}  // namespace quell::correlate
