#include "ingest/alertmanager_parser.h"

#include "ingest/json_fields.h"
#include "ingest/key_table.h"

namespace quell::ingest {

using core::RejectReason;

namespace {

FieldError ReadTime(od::value& v, size_t max, const char* field, core::EventTime* out) {
  std::string_view text;
  QUELL_TRY_FIELD(ReadString(v, max, field, &text));
  if (text.empty()) return FieldError::Ok();
  return ParseRfc3339Fast(text, field, out);
}

enum AlertKey { kLabels, kAnnotations, kStartsAt, kEndsAt, kGeneratorUrl };

const KeyTable& AlertKeys() {
  static const KeyTable* const t = new KeyTable{
      {"labels", kLabels}, {"annotations", kAnnotations}, {"startsAt", kStartsAt}, {"endsAt", kEndsAt},
      {"generatorURL", kGeneratorUrl}};
  return *t;
}

// Labels that also fill a signal field (-1 for the others).
enum LabelKey { kAlertname, kSeverity, kService, kEnv, kHost, kVersion, kJob, kInstance, kColor };

const KeyTable& LabelKeys() {
  static const KeyTable* const t = new KeyTable{
      {"alertname", kAlertname}, {"severity", kSeverity}, {"service", kService}, {"env", kEnv},
      {"environment", kEnv},     {"host", kHost},         {"hostname", kHost},   {"version", kVersion},
      {"job", kJob},             {"instance", kInstance}, {"color", kColor}};
  return *t;
}

}  // namespace

RecordStatus AlertmanagerParser::ParseRecord(od::value& record, uint32_t offset) {
  od::object obj;
  if (auto e = record.get_object().get(obj)) return FromSimdjson(e, "alert");
  SignalDraft& d = StartDraft(offset);
  core::Signal& s = d.signal;
  s.kind = core::SignalKind::kAlert;
  const size_t max = max_string();
  bool has_labels = false;
  uint32_t label_pairs = 0;
  core::EventTime starts, ends;
  std::string_view summary, description, job, instance;
  const KeyTable& alert_keys = AlertKeys();
  const KeyTable& label_keys = LabelKeys();
  size_t order_pos = 0, label_order_pos = 0;  // Positions in order_ and label_order_ (key_order.h).
  for (auto field_r : obj) {
    if (auto e = field_r.error()) return FromSimdjson(e, "");
    od::field& field = field_r.value_unsafe();  // No copy (see json_fields.h).
    std::string_view key;
    int kid;
    QUELL_TRY_FIELD(KeyAndId(field, alert_keys, order_, &order_pos, &key, &kid));
    od::value& v = field.value();
    if (kid == kLabels || kid == kAnnotations) {
      const bool is_labels = kid == kLabels;
      const char* fname = is_labels ? "labels" : "annotations";
      od::json_type t;
      if (auto e = v.type().get(t)) return FromSimdjson(e, fname);
      if (t == od::json_type::null && !is_labels) continue;
      if (t != od::json_type::object) return FieldError::Fail(RejectReason::kWrongType, fname);
      od::object m;
      if (auto e = v.get_object().get(m)) return FromSimdjson(e, fname);
      has_labels = has_labels || is_labels;
      for (auto kv_r : m) {
        if (auto e = kv_r.error()) return FromSimdjson(e, fname);
        od::field& kv = kv_r.value_unsafe();  // No copy (see json_fields.h).
        std::string_view name, value;
        int lid = -1;
        const FieldError ke = is_labels ? KeyAndId(kv, label_keys, label_order_, &label_order_pos, &name, &lid) : KeyOf(kv, &name);
        if (!ke.ok()) return FieldError::Fail(ke.reason, fname);  // Named after the map, as before.
        if (name.size() > max) return FieldError::Fail(RejectReason::kTooLarge, fname);
        name = Copy(name);
        od::json_type vt;
        if (auto e = kv.value().type().get(vt)) return FromSimdjson(e, fname);
        if (vt != od::json_type::string) return FieldError::Fail(RejectReason::kWrongType, fname);
        QUELL_TRY_FIELD(ReadString(kv.value(), max, fname, &value));
        value = Copy(value);
        if (name.empty()) return FieldError::Fail(RejectReason::kInvalidValue, fname);
        if (is_labels) {
          if (!value.empty()) ++label_pairs;  // An empty value is an absent label (dropped on Emit).
          d.Label(name, value);
          switch (lid) {
            case kAlertname: s.title = value; break;
            case kSeverity: s.severity = core::SeverityFromLabel(value); break;
            case kService: s.service = value; break;
            case kEnv: s.env = value; break;
            case kHost: s.host = value; break;
            case kVersion: s.version = value; break;
            case kJob: job = value; break;
            case kInstance: instance = value; break;
            default:
              if (lid == kColor || name == options().color_attribute) {
                core::DeployColor c;
                if (core::ParseDeployColor(value, &c)) s.color = c;
              }
              break;
          }
        } else {
          d.Annotate(name, value);
          if (name == "summary") summary = value;
          else if (name == "description") description = value;
        }
      }
    } else if (kid == kStartsAt) {
      QUELL_TRY_FIELD(ReadTime(v, max, "startsAt", &starts));
    } else if (kid == kEndsAt) {
      QUELL_TRY_FIELD(ReadTime(v, max, "endsAt", &ends));
    } else if (kid == kGeneratorUrl) {
      std::string_view text;
      QUELL_TRY_FIELD(ReadString(v, max, "generatorURL", &text));
      s.link = Copy(text);
    }
  }
  if (!has_labels) return FieldError::Fail(RejectReason::kMissingField, "labels");
  if (label_pairs == 0) return FieldError::Fail(RejectReason::kInvalidValue, "labels");
  // model.Alert.Validate: "start time must be before end time" (equal times are valid).
  if (!starts.is_zero() && !ends.is_zero() && ends < starts) {
    return FieldError::Fail(RejectReason::kInvalidValue, "endsAt");
  }
  if (s.service.empty()) s.service = job;
  if (s.host.empty()) s.host = instance;
  s.message = !summary.empty() ? summary : description;
  s.event_time = starts.is_zero() ? observed() : starts;
  s.state = (!ends.is_zero() && ends <= observed()) ? core::SignalState::kResolved : core::SignalState::kFiring;
  // No endsAt: Alertmanager's resolve_timeout (the engine resolves it unless it is posted again).
  s.end_time = ends.is_zero() && options().alertmanager_resolve_timeout > absl::ZeroDuration()
                   ? observed() + options().alertmanager_resolve_timeout
                   : ends;
  d.Emit(out());
  return FieldError::Ok();
}

}  // namespace quell::ingest
