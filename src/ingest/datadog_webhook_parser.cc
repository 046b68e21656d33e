#include "ingest/datadog_webhook_parser.h"

#include "core/strings.h"
#include "ingest/datadog_markdown.h"
#include "ingest/datadog_status.h"
#include "ingest/datadog_tags.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

using core::RejectReason;
using F = DatadogWebhookMapping;

namespace {

// The body field: the message, read from the string's JSON text when the text between the fences
// holds no escape (the usual case: only the newlines around the fences are escapes), so that it is
// a view into the body, neither unescaped nor copied; otherwise read (unescaped) and stripped.
[[gnu::always_inline]] inline FieldError ReadMarkdownBody(od::value& v, size_t max, std::string_view* message) {
  const std::string_view tok = v.raw_json_token();  // Does not consume the value.
  // A string followed at once by the next structural character (',' or '}') ends at the token's end.
  if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"' && tok.size() - 2 <= max &&
      StripEscapedMarkdownFences(tok.substr(1, tok.size() - 2), message)) [[likely]] {
    return FieldError::Ok();
  }
  std::string_view text;
  QUELL_TRY_FIELD(ReadString(v, max, "body", &text));
  *message = StripMarkdownFences(text);
  return FieldError::Ok();
}

}  // namespace

DatadogWebhookParser::DatadogWebhookParser(const ParserOptions& options)
    : RecordParser(core::Format::kDatadogWebhook, options, TopLevel::kObjectOrArray),
      mapping_(options.datadog_webhook_mapping != nullptr ? *options.datadog_webhook_mapping
                                                          : DatadogWebhookMapping::Default()) {
  for (int i = 0; i < F::kFieldCount; ++i) {
    if (!mapping_.keys[i].empty()) keys_.Add(mapping_.keys[i], i);  // A repeated key keeps its first field.
  }
}

[[gnu::hot]] RecordStatus DatadogWebhookParser::ParseRecord(od::value& record, uint32_t offset) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "record");
  SignalDraft& d = StartDraft(offset);
  core::Signal& s = d.signal;
  s.kind = core::SignalKind::kAlert;
  const size_t max = max_string();
  const std::string_view color_attr = options().color_attribute;
  size_t order_pos = 0;  // order_'s position (key_order.h).
  // The labels this parser sets itself (alertname, env, host, monitor_id, service), reserved in
  // name order ahead of the tag labels and filled once the record is read.
  const uint32_t fixed = d.ReserveLabels(5);

  std::string_view raw_title, monitor_id, event_id, transition, alert_type, priority, hostname;
  bool scope_field = false;
  core::EventTime date, last_updated;
  for (auto field_r : obj) {
    if (auto e = field_r.error()) return FromSimdjson(e, "");
    od::field& field = field_r.value_unsafe();
    std::string_view key;
    int fid;
    QUELL_TRY_FIELD(KeyAndId(field, keys_, order_, &order_pos, &key, &fid));
    od::value& v = field.value();
    std::string_view text;
    switch (fid) {
      case F::kId:
        QUELL_TRY_FIELD(ReadScalarText(v, max, "id", &text));
        event_id = Copy(text);
        d.Annotate("event_id", event_id);
        break;
      case F::kMonitorId:
        QUELL_TRY_FIELD(ReadScalarText(v, max, "monitor_id", &text));
        monitor_id = Copy(text);
        break;
      case F::kTitle:
        QUELL_TRY_FIELD(ReadString(v, max, "title", &text));
        raw_title = Copy(text);
        break;
      case F::kMessage:
        QUELL_TRY_FIELD(ReadMarkdownBody(v, max, &text));
        s.message = Copy(text);
        break;
      case F::kDate: QUELL_TRY_FIELD(ReadEpochAuto(v, "date", &date)); break;
      case F::kLastUpdated: QUELL_TRY_FIELD(ReadEpochAuto(v, "last_updated", &last_updated)); break;
      case F::kEventType:
        QUELL_TRY_FIELD(ReadString(v, max, "event_type", &text));
        d.Annotate("event_type", Copy(text));
        break;
      case F::kTransition:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_transition", &text));
        transition = Copy(text);
        d.Annotate("transition", transition);
        break;
      case F::kAlertType:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_type", &text));
        alert_type = Copy(text);
        d.Annotate("alert_type", alert_type);
        break;
      case F::kAlertStatus:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_status", &text));
        d.Annotate("alert_status", Copy(text));
        break;
      case F::kScope:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_scope", &text));
        scope_field = true;
        if (TrimSpaces(text) != "*") ApplyDatadogTagList(text, color_attr, doc(), &d, FieldTagLabels::kFieldsOnly);
        break;
      case F::kMetric:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_metric", &text));
        d.Annotate("metric", Copy(text));
        break;
      case F::kQuery:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_query", &text));
        d.Annotate("query", Copy(text));
        break;
      case F::kPriority:
        QUELL_TRY_FIELD(ReadString(v, max, "alert_priority", &text));
        priority = Copy(text);
        d.Annotate("priority", priority);
        break;
      case F::kAggregationKey:
        QUELL_TRY_FIELD(ReadScalarText(v, max, "aggreg_key", &text));
        d.Annotate("aggregation_key", Copy(text));
        break;
      case F::kHostname:
        QUELL_TRY_FIELD(ReadString(v, max, "hostname", &text));
        hostname = Copy(text);
        break;
      case F::kTags:
        QUELL_TRY_FIELD(ReadDatadogTags(v, max, color_attr, doc(), &d, FieldTagLabels::kFieldsOnly));
        break;
      case F::kLink:
        QUELL_TRY_FIELD(ReadString(v, max, "link", &text));
        s.link = Copy(text);
        break;
      case F::kOrg: {
        od::json_type t;
        if (auto e = v.type().get(t)) return FromSimdjson(e, "org");
        if (t == od::json_type::object) {
          od::object org;
          if (auto e = v.get_object().get(org)) return FromSimdjson(e, "org");
          for (auto of_r : org) {
            if (auto e = of_r.error()) return FromSimdjson(e, "org");
            od::field& of = of_r.value_unsafe();  // No copy (see json_fields.h).
            std::string_view ok;
            QUELL_TRY_FIELD(KeyOf(of, &ok));
            if (ok == "id" || ok == "name") {
              QUELL_TRY_FIELD(ReadScalarText(of.value(), max, "org", &text));
              d.Annotate(ok == "id" ? "org_id" : "org_name", Copy(text));
            }
          }
        } else {
          QUELL_TRY_FIELD(ReadScalarText(v, max, "org", &text));
          d.Annotate("org_id", Copy(text));
        }
        break;
      }
      case F::kOrgId:
        QUELL_TRY_FIELD(ReadScalarText(v, max, "org_id", &text));
        d.Annotate("org_id", Copy(text));
        break;
      case F::kOrgName:
        QUELL_TRY_FIELD(ReadString(v, max, "org_name", &text));
        d.Annotate("org_name", Copy(text));
        break;
      case F::kService:
        QUELL_TRY_FIELD(ReadString(v, max, "service", &text));
        s.service = Copy(text);
        break;
      case F::kEnv:
        QUELL_TRY_FIELD(ReadString(v, max, "env", &text));
        s.env = Copy(text);
        break;
      case F::kVersion:
        QUELL_TRY_FIELD(ReadString(v, max, "version", &text));
        s.version = Copy(text);
        break;
      case F::kColor: {
        QUELL_TRY_FIELD(ReadString(v, max, "color", &text));
        core::DeployColor c;
        if (core::ParseDeployColor(text, &c)) s.color = c;
        break;
      }
      default: {
        // Unmapped keys: string values become annotations (other types are skipped).
        od::json_type t;
        if (auto e = v.type().get(t)) return FromSimdjson(e, "");
        if (t == od::json_type::string) {
          QUELL_TRY_FIELD(ReadString(v, max, "", &text));
          if (!text.empty()) d.Annotate(Copy(key), Copy(text));
        }
        break;
      }
    }
  }

  // State: the transition field, else the alert type, else a title prefix, else firing.
  // Severity: alert type, else priority (field or "[P2]" title prefix), else the transition.
  DatadogTransition kind = ParseDatadogTransition(transition);
  core::SignalState state = DatadogTransitionState(kind);
  if (state == core::SignalState::kUnknown && !alert_type.empty()) {
    if (core::EqualsIgnoreCase(alert_type, "success")) state = core::SignalState::kResolved;
    else if (core::EqualsIgnoreCase(alert_type, "error") || core::EqualsIgnoreCase(alert_type, "warning"))
      state = core::SignalState::kFiring;
  }

  // The alert name is the title without its leading "[...]" groups, which may name the transition
  // and priority. The title's transition is read only where it is used below: for the scope
  // without an alert_scope field, for the kind without a transition field, for a state nothing
  // else gave.
  std::string_view title_transition, title_priority;
  DatadogTransition title_kind = DatadogTransition::kNone;
  std::string_view alertname = TrimSpaces(raw_title);
  if (!alertname.empty() && alertname.front() == '[') {
    const bool title_transition_used = !scope_field || transition.empty() || state == core::SignalState::kUnknown;
    ReadDatadogTitlePrefixes(alertname, title_transition_used ? &title_transition : nullptr,
                             title_transition_used ? &title_kind : nullptr, &title_priority, &alertname);
  }
  if (alertname.empty() && monitor_id.empty()) return FieldError::Fail(RejectReason::kMissingField, "title");
  // Without an alert_scope field (the default template has none), a multi-alert monitor's group
  // is only in the title ("[Triggered on {host:a}]"): its tags label the alert, so each group is
  // its own alert and one group's recovery resolves only that group.
  if (!scope_field && !title_transition.empty()) {
    std::string_view scope = DatadogTitleScope(title_transition);
    if (!scope.empty()) ApplyDatadogTagList(scope, color_attr, doc(), &d, FieldTagLabels::kFieldsOnly);
  }

  if (transition.empty()) kind = title_kind;
  if (priority.empty()) priority = title_priority;
  if (state == core::SignalState::kUnknown) state = DatadogTransitionState(title_kind);
  s.state = state == core::SignalState::kUnknown ? core::SignalState::kFiring : state;
  s.severity = DatadogAlertSeverity(alert_type, priority, kind);

  s.title = alertname.empty() ? monitor_id : alertname;
  s.source_id = !monitor_id.empty() ? monitor_id : event_id;
  if (!hostname.empty()) s.host = hostname;
  s.event_time = !date.is_zero() ? date : (!last_updated.is_zero() ? last_updated : observed());

  // service, env and host tags filled only their fields (FieldTagLabels::kFieldsOnly): labelled
  // here, once, with what the record's last tag or field said, in the slots reserved ahead of the
  // tag labels (in name order: with the usual tags, such as team and version, the labels are
  // already sorted). Tags named alertname or monitor_id were dropped: these labels are the
  // record's own. Empty values are dropped with their label.
  d.SetLabel(fixed, "alertname", s.title);
  d.SetLabel(fixed + 1, "env", s.env);
  d.SetLabel(fixed + 2, "host", s.host);
  d.SetLabel(fixed + 3, "monitor_id", monitor_id);
  d.SetLabel(fixed + 4, "service", s.service);
  d.Emit(out());
  return FieldError::Ok();
}

}  // namespace quell::ingest
