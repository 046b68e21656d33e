// src/ingest/datadog_tags.h
//
// How Datadog tags become signal labels, shared by the webhook, events and logs parsers:
//   - "k:v" becomes label k=v; a valueless tag "k" becomes label k="true";
//   - service:, env:, host:, version: also fill Signal::service/env/host/version, and the color
//     tag (ParserOptions::color_attribute, default "deployment.color", or plain "color") fills
//     Signal::color when its value is blue/green/baseline/canary.
// Tag text is copied into the batch arena once per list; labels view that copy.
// A parser that labels service, env and host itself once the whole record is read (from the
// signal's fields, so the last tag or field read wins either way) passes kFieldsOnly: those tags
// then fill their fields without a label of their own, which spares sorting and de-duplicating
// the same label two or three times per record (the webhook parser reads them from both
// alert_scope and tags). Such a parser also labels alertname and monitor_id itself, over any tag
// of those names, so kFieldsOnly drops those two tags. The resulting label set is the same.
// Thread-safety: stateless functions.
#ifndef QUELL_INGEST_DATADOG_TAGS_H_
#define QUELL_INGEST_DATADOG_TAGS_H_

#include <string_view>

#include "core/signal_batch.h"
#include "ingest/json_document.h"
#include "ingest/signal_draft.h"

namespace quell::ingest {

enum class FieldTagLabels {
  kLabel,       // service:, env:, host: tags fill their field and become labels.
  kFieldsOnly,  // They fill their field only; the parser labels the fields itself.
};

// Applies one tag whose name and value already live in the arena (or are static). Inline: it runs
// once per tag, inside the tag-list scan.
inline void ApplyDatadogTag(std::string_view name, std::string_view value, std::string_view color_attribute,
                            SignalDraft* draft, FieldTagLabels field_labels = FieldTagLabels::kLabel);
// Reads a `tags` field: an array of "k:v" strings or one comma-separated string (null = none),
// keeps the text in the batch and applies each tag. Fails on a non-string item.
FieldError ReadDatadogTags(od::value& v, size_t max_bytes, std::string_view color_attribute, JsonDocument& doc,
                           SignalDraft* draft, FieldTagLabels field_labels = FieldTagLabels::kLabel);
// Keeps `csv` (a comma-separated tag list) in the batch (JsonDocument::Keep) and applies each tag.
void ApplyDatadogTagList(std::string_view csv, std::string_view color_attribute, JsonDocument& doc,
                         SignalDraft* draft, FieldTagLabels field_labels = FieldTagLabels::kLabel);

// ---- implementation ----

[[gnu::always_inline]] inline void ApplyDatadogTag(std::string_view name, std::string_view value,
                                                   std::string_view color_attribute, SignalDraft* draft,
                                                   FieldTagLabels field_labels) {
  if (name.empty()) return;
  if (value.empty()) {
    draft->Label(name, "true");
    return;
  }
  core::Signal& s = draft->signal;
  // service, env, host: fill the field, and label it unless the parser labels fields itself.
  auto fill = [&](std::string_view* field) {
    *field = value;
    if (field_labels == FieldTagLabels::kLabel) draft->Label(name, value);
  };
  switch (name.size()) {  // One length test before a compare, for the tags that fill fields.
    case 3:
      if (name == "env") return fill(&s.env);
      break;
    case 4:
      if (name == "host") return fill(&s.host);
      break;
    case 7:
      if (name == "service") return fill(&s.service);
      if (name == "version") {
        s.version = value;
        draft->Label(name, value);
        return;
      }
      break;
    case 9:
      if (field_labels == FieldTagLabels::kFieldsOnly && name == "alertname") return;
      break;
    case 10:
      if (field_labels == FieldTagLabels::kFieldsOnly && name == "monitor_id") return;
      break;
    default: break;
  }
  draft->Label(name, value);
  if (name == color_attribute || name == "color") {
    core::DeployColor c;
    if (core::ParseDeployColor(value, &c)) s.color = c;
  }
}

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_TAGS_H_
