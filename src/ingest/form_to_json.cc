#include "ingest/form_to_json.h"

#include "core/strings.h"
#include "fmt/format.h"
#include "ingest/json_fields.h"

namespace quell::ingest {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s` ('+' is a space) into `*out`. `base` is the offset of `s` in the body.
bool Decode(std::string_view s, size_t base, std::string* out, FormError* err) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      const int hi = i + 1 < s.size() ? HexDigit(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? HexDigit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        err->offset = base + i;
        err->reason = fmt::format("bad percent-escape \"{}\"", s.substr(i, 3));
        return false;
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool IsJsonObject(std::string_view v) {
  size_t b = 0, e = v.size();
  while (b < e && (v[b] == ' ' || v[b] == '\t' || v[b] == '\n' || v[b] == '\r')) ++b;
  while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == '\n' || v[e - 1] == '\r')) --e;
  return e > b && v[b] == '{' && SkipJsonValue(v.substr(0, e), b) == e;
}

}  // namespace

bool IsFormContentType(std::string_view ct) {
  std::string_view type = ct.substr(0, ct.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return core::EqualsIgnoreCase(type, "application/x-www-form-urlencoded");
}

bool FormToJson(std::string_view form, size_t max_json, std::string* json, FormError* err) {
  const size_t start = json->size();
  json->push_back('{');
  std::string name, value;
  bool first = true;
  size_t pos = 0;
  while (pos <= form.size()) {
    size_t amp = form.find('&', pos);
    if (amp == std::string_view::npos) amp = form.size();
    const std::string_view field = form.substr(pos, amp - pos);
    if (!field.empty()) {
      const size_t eq = field.find('=');
      const std::string_view raw_name = field.substr(0, eq);
      const std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : field.substr(eq + 1);
      if (!Decode(raw_name, pos, &name, err) ||
          !Decode(raw_value, eq == std::string_view::npos ? pos : pos + eq + 1, &value, err)) {
        json->resize(start);
        return false;
      }
      if (!first) json->push_back(',');
      first = false;
      json->push_back('"');
      AppendJsonEscaped(json, name);
      json->append("\":");
      if (IsJsonObject(value)) {
        json->append(value);
      } else {
        json->push_back('"');
        AppendJsonEscaped(json, value);
        json->push_back('"');
      }
      if (json->size() - start > max_json) {
        json->resize(start);
        err->offset = pos;
        err->reason = fmt::format("its JSON exceeds {} bytes", max_json);
        return false;
      }
    }
    pos = amp + 1;
  }
  json->push_back('}');
  return true;
}

}  // namespace quell::ingest
