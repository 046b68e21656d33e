#include "ingest/datadog_tags.h"

#include "ingest/json_fields.h"

namespace quell::ingest {

[[gnu::hot]] FieldError ReadDatadogTags(od::value& v, size_t max_bytes, std::string_view color_attribute, JsonDocument& doc,
                           SignalDraft* draft, FieldTagLabels field_labels) {
  od::json_type t;
  if (auto e = v.type().get(t)) return FromSimdjson(e, "tags");
  if (t != od::json_type::array) {
    std::string_view text;
    QUELL_TRY_FIELD(ReadString(v, max_bytes, "tags", &text));
    ApplyDatadogTagList(text, color_attribute, doc, draft, field_labels);
    return FieldError::Ok();
  }
  od::array arr;
  if (auto e = v.get_array().get(arr)) return FromSimdjson(e, "tags");
  for (auto item_r : arr) {
    od::value item;
    if (auto e = std::move(item_r).get(item)) return FromSimdjson(e, "tags");
    std::string_view tag;
    QUELL_TRY_FIELD(ReadString(item, max_bytes, "tags", &tag));
    tag = TrimSpaces(tag);
    if (tag.empty()) continue;
    std::string_view name, value;
    SplitTag(doc.Keep(tag), &name, &value);
    ApplyDatadogTag(name, value, color_attribute, draft, field_labels);
  }
  return FieldError::Ok();
}

[[gnu::hot]] void ApplyDatadogTagList(std::string_view csv, std::string_view color_attribute, JsonDocument& doc,
                         SignalDraft* draft, FieldTagLabels field_labels) {
  csv = TrimSpaces(csv);
  if (csv.empty()) return;
  std::string_view copy = doc.Keep(csv);
  auto apply = [&](std::string_view name, std::string_view value) __attribute__((always_inline)) {
    ApplyDatadogTag(name, value, color_attribute, draft, field_labels);
  };
  // The common list inline here, the tag applied inside the walk (through ForEachTag, GCC called
  // the tag function once per tag: 163 more instructions per webhook).
  if (internal::ForEachShortTag(copy.data(), copy.size(), apply)) return;
  ForEachTag(copy, apply);
}

}  // namespace quell::ingest
