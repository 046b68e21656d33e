// src/core/json_writer.h
//
// JsonWriter: a small streaming JSON writer for everything Quell emits (API answers, notification
// payloads, dead letters, audit entries, NDJSON records). It escapes strings per RFC 8259 (", \,
// control characters as \u00XX; valid UTF-8 passes through; invalid UTF-8 bytes become U+FFFD so the
// output is always valid JSON) and inserts commas itself. It does not check nesting: callers pair
// Begin/End. Appends to a caller-owned std::string, so a reused string allocates nothing in steady state.
//
//   std::string out;
//   JsonWriter w(&out);
//   w.BeginObject();
//   w.Key("status"); w.String("firing");
//   w.Key("alerts"); w.BeginArray(); ... w.EndArray();
//   w.EndObject();
#ifndef QUELL_CORE_JSON_WRITER_H_
#define QUELL_CORE_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/label.h"

namespace quell::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Separate(); out_->push_back('{'); first_ = true; }
  void EndObject() { out_->push_back('}'); first_ = false; }
  void BeginArray() { Separate(); out_->push_back('['); first_ = true; }
  void EndArray() { out_->push_back(']'); first_ = false; }
  void Key(std::string_view k) {
    Separate();
    AppendEscaped(k);
    out_->push_back(':');
    first_ = true;  // The value that follows needs no comma.
  }
  void String(std::string_view s) { Separate(); AppendEscaped(s); }
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Double(double v);  // Non-finite values are written as null.
  void Bool(bool v) { Separate(); out_->append(v ? "true" : "false"); }
  void Null() { Separate(); out_->append("null"); }
  // Writes `json` verbatim as one value. REQUIRES: it is valid JSON.
  void Raw(std::string_view json) { Separate(); out_->append(json); }
  // {"name":"value",...} from a label view.
  void Labels(LabelView labels);

  // Convenience: Key + value.
  void Field(std::string_view k, std::string_view v) { Key(k); String(v); }
  void Field(std::string_view k, const char* v) { Key(k); String(v); }
  void Field(std::string_view k, int64_t v) { Key(k); Int(v); }
  void Field(std::string_view k, uint64_t v) { Key(k); Uint(v); }
  void Field(std::string_view k, int v) { Key(k); Int(v); }
  void Field(std::string_view k, uint32_t v) { Key(k); Uint(v); }
  void Field(std::string_view k, double v) { Key(k); Double(v); }
  void Field(std::string_view k, bool v) { Key(k); Bool(v); }
  // An absent value is written as null.
  void Field(std::string_view k, const std::optional<double>& v) {
    Key(k);
    if (v) {
      Double(*v);
    } else {
      Null();
    }
  }

  // Appends `s` as a quoted, escaped JSON string to `out`.
  static void AppendEscapedTo(std::string* out, std::string_view s);

 private:
  void Separate() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  void AppendEscaped(std::string_view s) { AppendEscapedTo(out_, s); }
  std::string* out_;
  bool first_ = true;
};

}  // namespace quell::core

#endif  // QUELL_CORE_JSON_WRITER_H_
