#include "ingest/datadog_webhook_mapping.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::ingest {
namespace {

constexpr std::string_view kFieldNames[DatadogWebhookMapping::kFieldCount] = {
    "id",       "monitor_id", "title",   "message",  "date",     "last_updated",    "event_type",
    "transition", "alert_type", "alert_status", "scope", "metric", "query",        "priority",
    "aggregation_key", "hostname", "tags", "link",   "org",      "org_id",          "org_name",
    "service",  "env",        "version", "color"};

DatadogWebhookMapping MakeDefault() {
  DatadogWebhookMapping m;
  m.preset = "default";
  m.keys[DatadogWebhookMapping::kId] = "id";
  m.keys[DatadogWebhookMapping::kTitle] = "title";
  m.keys[DatadogWebhookMapping::kMessage] = "body";
  m.keys[DatadogWebhookMapping::kDate] = "date";
  m.keys[DatadogWebhookMapping::kLastUpdated] = "last_updated";
  m.keys[DatadogWebhookMapping::kEventType] = "event_type";
  m.keys[DatadogWebhookMapping::kOrg] = "org";
  return m;
}

DatadogWebhookMapping MakeRich() {
  DatadogWebhookMapping m = MakeDefault();
  m.preset = "rich";
  m.keys[DatadogWebhookMapping::kMonitorId] = "alert_id";
  m.keys[DatadogWebhookMapping::kTransition] = "alert_transition";
  m.keys[DatadogWebhookMapping::kAlertType] = "alert_type";
  m.keys[DatadogWebhookMapping::kAlertStatus] = "alert_status";
  m.keys[DatadogWebhookMapping::kScope] = "alert_scope";
  m.keys[DatadogWebhookMapping::kMetric] = "alert_metric";
  m.keys[DatadogWebhookMapping::kQuery] = "alert_query";
  m.keys[DatadogWebhookMapping::kPriority] = "alert_priority";
  m.keys[DatadogWebhookMapping::kAggregationKey] = "aggreg_key";
  m.keys[DatadogWebhookMapping::kHostname] = "hostname";
  m.keys[DatadogWebhookMapping::kTags] = "tags";
  m.keys[DatadogWebhookMapping::kLink] = "link";
  m.keys[DatadogWebhookMapping::kOrgId] = "org_id";
  m.keys[DatadogWebhookMapping::kOrgName] = "org_name";
  return m;
}

}  // namespace

std::string_view DatadogWebhookMapping::FieldName(Field f) { return kFieldNames[f]; }

bool DatadogWebhookMapping::ParseFieldName(std::string_view name, Field* out) {
  for (int i = 0; i < kFieldCount; ++i) {
    if (kFieldNames[i] == name) {
      *out = static_cast<Field>(i);
      return true;
    }
  }
  return false;
}

const DatadogWebhookMapping& DatadogWebhookMapping::Default() {
  static const DatadogWebhookMapping* const kMapping = new DatadogWebhookMapping(MakeDefault());
  return *kMapping;
}

const DatadogWebhookMapping& DatadogWebhookMapping::Rich() {
  static const DatadogWebhookMapping* const kMapping = new DatadogWebhookMapping(MakeRich());
  return *kMapping;
}

absl::StatusOr<DatadogWebhookMapping> ParseDatadogWebhookMapping(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("datadog_webhook", {"preset", "fields"}));
  std::string preset = "default";
  QUELL_RETURN_IF_ERROR(node.ReadString("preset", &preset));
  DatadogWebhookMapping m;
  if (preset == "default") {
    m = DatadogWebhookMapping::Default();
  } else if (preset == "rich") {
    m = DatadogWebhookMapping::Rich();
  } else {
    return node.Child("preset")->Error(
        fmt::format("datadog_webhook: preset: unknown preset \"{}\" (allowed: default, rich)", preset));
  }
  m.where = node.location();
  std::optional<core::YamlNode> fields = node.Child("fields");
  if (fields.has_value() && !fields->IsNull()) {
    QUELL_RETURN_IF_ERROR(fields->ExpectMap("datadog_webhook.fields"));
    for (const core::YamlEntry& e : fields->Entries()) {
      DatadogWebhookMapping::Field f;
      if (!DatadogWebhookMapping::ParseFieldName(e.key, &f)) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: datadog_webhook.fields: unknown signal field \"{}\" (allowed: {})", e.key_location.ToString(),
            e.key, fmt::join(kFieldNames, ", ")));
      }
      std::string key;
      if (!e.value.IsNull()) {
        QUELL_ASSIGN_OR_RETURN(key, e.value.AsString());
      }
      m.keys[f] = std::move(key);
    }
  }
  return m;
}

}  // namespace quell::ingest
