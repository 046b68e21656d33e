#include "ingest/datadog_event_parser.h"

#include "core/strings.h"
#include "ingest/datadog_status.h"
#include "ingest/datadog_tags.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

using core::RejectReason;

namespace {
constexpr std::string_view kDeploySources[] = {"jenkins",  "github",   "gitlab",   "argocd",   "argo",
                                               "spinnaker", "kubernetes", "circleci", "travis", "octopus",
                                               "harness",  "flux",     "buildkite", "teamcity", "bamboo",
                                               "codedeploy"};
}  // namespace

bool DatadogEventParser::IsDeploySource(std::string_view name) {
  for (std::string_view s : kDeploySources) {
    if (core::EqualsIgnoreCase(name, s)) return true;
  }
  return false;
}

RecordStatus DatadogEventParser::ParseRecord(od::value& record, uint32_t offset) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "record");
  SignalDraft& d = StartDraft(offset);
  core::Signal& s = d.signal;
  const size_t max = max_string();
  const std::string_view color_attr = options().color_attribute;
  bool has_title = false, has_text = false;
  std::string_view alert_type, priority, source, aggregation_key, host;
  core::EventTime happened;
  for (auto field_r : obj) {
    if (auto e = field_r.error()) return FromSimdjson(e, "");
    od::field& field = field_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view key;
    QUELL_TRY_FIELD(KeyOf(field, &key));
    od::value& v = field.value();
    std::string_view text;
    if (key == "title") {
      QUELL_TRY_FIELD(ReadString(v, max, "title", &text));
      s.title = Copy(text);
      has_title = !text.empty();
    } else if (key == "text") {
      QUELL_TRY_FIELD(ReadString(v, max, "text", &text));
      s.message = Copy(text);
      has_text = true;
    } else if (key == "date_happened") {
      QUELL_TRY_FIELD(ReadEpochAuto(v, "date_happened", &happened));
    } else if (key == "priority") {
      QUELL_TRY_FIELD(ReadString(v, max, "priority", &text));
      priority = Copy(text);
    } else if (key == "host") {
      QUELL_TRY_FIELD(ReadString(v, max, "host", &text));
      host = Copy(text);
    } else if (key == "tags") {
      QUELL_TRY_FIELD(ReadDatadogTags(v, max, color_attr, doc(), &d));
    } else if (key == "alert_type") {
      QUELL_TRY_FIELD(ReadString(v, max, "alert_type", &text));
      alert_type = Copy(text);
    } else if (key == "aggregation_key") {
      QUELL_TRY_FIELD(ReadScalarText(v, max, "aggregation_key", &text));
      aggregation_key = Copy(text);
    } else if (key == "source_type_name") {
      QUELL_TRY_FIELD(ReadString(v, max, "source_type_name", &text));
      source = Copy(text);
    } else if (key == "related_event_id") {
      QUELL_TRY_FIELD(ReadScalarText(v, max, "related_event_id", &text));
      d.Annotate("related_event_id", Copy(text));
    } else if (key == "device_name") {
      QUELL_TRY_FIELD(ReadString(v, max, "device_name", &text));
      d.Annotate("device_name", Copy(text));
    }
  }
  if (!has_title) return FieldError::Fail(RejectReason::kMissingField, "title");
  if (!has_text) return FieldError::Fail(RejectReason::kMissingField, "text");

  std::string_view event_type = d.FindLabel("event_type");
  bool deploy = IsDeploySource(source) || !d.FindLabel("deployment").empty() || event_type == "deploy" ||
                event_type == "deployment";
  // An event without alert_type is an info event (the Events API's default), whatever its priority:
  // `normal` is the default priority, not a sign of trouble.
  s.severity = DatadogAlertSeverity(alert_type.empty() ? std::string_view("info") : alert_type, priority,
                                    DatadogTransition::kNone);
  if (!host.empty()) s.host = host;
  s.event_time = happened.is_zero() ? observed() : happened;
  s.source_id = aggregation_key;
  d.Label("source", source);
  if (!host.empty()) d.Label("host", host);
  if (deploy) {
    s.kind = core::SignalKind::kDeploy;
    s.state = core::SignalState::kUnknown;
    d.Annotate("aggregation_key", aggregation_key);
  } else {
    s.kind = core::SignalKind::kAlert;
    s.state = core::EqualsIgnoreCase(alert_type, "success") ? core::SignalState::kResolved
                                                            : core::SignalState::kFiring;
    d.Label("alertname", s.title);
    d.Label("aggregation_key", aggregation_key);
  }
  d.Annotate("alert_type", alert_type);
  d.Annotate("priority", priority);
  d.Emit(out());
  return FieldError::Ok();
}

}  // namespace quell::ingest
