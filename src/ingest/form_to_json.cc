#include "ingest/form_to_json.h"

#include <utility>
#include <vector>

#include "core/url_encoding.h"
#include "ingest/json_fields.h"

namespace quell::ingest {
namespace {

bool IsJsonObject(std::string_view v) {
  size_t b = 0, e = v.size();
  while (b < e && (v[b] == ' ' || v[b] == '\t' || v[b] == '\n' || v[b] == '\r')) ++b;
  while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == '\n' || v[e - 1] == '\r')) --e;
  return e > b && v[b] == '{' && SkipJsonValue(v.substr(0, e), b) == e;
}

}  // namespace

bool FormToJson(std::string_view form, size_t max_json, std::string* json) {
  std::vector<std::pair<std::string, std::string>> fields;
  core::ParseQuery(form, &fields);
  const size_t start = json->size();
  json->push_back('{');
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& [name, value] = fields[i];
    if (i != 0) json->push_back(',');
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
      return false;
    }
  }
  json->push_back('}');
  return true;
}

}  // namespace quell::ingest
