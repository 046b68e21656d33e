// src/correlate/json_value.h
//
// JsonValue: a small JSON document model for the engine's cold paths: state snapshots
// (Serialize/Restore of shards and silences), API request bodies (silences, deployments, acks)
// and scenario files. Not for the hot path (ingest uses simdjson). Parse() accepts RFC 8259 JSON
// with a nesting limit of 64; numbers are kept as double plus their source text, so 64-bit
// integers round-trip through AsInt64(). AppendTo() writes a value back; JsonQuote() writes a
// JSON string literal.
// Plain value; not thread-safe for concurrent mutation.
#ifndef QUELL_CORRELATE_JSON_VALUE_H_
#define QUELL_CORRELATE_JSON_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace quell::correlate {

class JsonValue {
 public:
  enum class Type : uint8_t { kNull = 0, kBool, kNumber, kString, kArray, kObject };

  static absl::StatusOr<JsonValue> Parse(std::string_view text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_bool() const { return type_ == Type::kBool; }

  bool AsBool() const { return bool_; }
  double AsDouble() const { return number_; }
  int64_t AsInt64() const;
  const std::string& AsString() const { return string_; }  // Strings; number text for numbers.
  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  // Object member or nullptr.
  const JsonValue* Find(std::string_view key) const;
  // Member's string, or `def` when absent / not a string.
  std::string GetString(std::string_view key, std::string def = "") const;
  // Appends the value as compact JSON: members in their order, numbers as their source text (so
  // Parse(Dump()) gives the same value and 64-bit integers survive).
  void AppendTo(std::string* out) const;

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// `"s"` with JSON escapes (control characters as \u00XX).
std::string JsonQuote(std::string_view s);
// Appends JsonQuote(s) to *out.
void AppendJsonQuoted(std::string* out, std::string_view s);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_JSON_VALUE_H_
