#include "ingest/datadog_tags.h"

#include "ingest/json_fields.h"

namespace quell::ingest {

void ApplyDatadogTag(std::string_view name, std::string_view value, std::string_view color_attribute,
                     SignalDraft* draft) {
  if (name.empty()) return;
  if (value.empty()) {
    draft->Label(name, "true");
    return;
  }
  draft->Label(name, value);
  core::Signal& s = draft->signal;
  if (name == "service") {
    s.service = value;
  } else if (name == "env") {
    s.env = value;
  } else if (name == "host") {
    s.host = value;
  } else if (name == "version") {
    s.version = value;
  } else if (name == color_attribute || name == "color") {
    core::DeployColor c;
    if (core::ParseDeployColor(value, &c)) s.color = c;
  }
}

void ApplyDatadogTagList(std::string_view csv, std::string_view color_attribute, core::SignalBatch* batch,
                         SignalDraft* draft) {
  csv = TrimSpaces(csv);
  if (csv.empty()) return;
  std::string_view copy = batch->Copy(csv);
  ForEachTag(copy, [&](std::string_view name, std::string_view value) {
    ApplyDatadogTag(name, value, color_attribute, draft);
  });
}

}  // namespace quell::ingest
