// src/ingest/datadog_webhook_mapping.h
//
// DatadogWebhookMapping: which JSON key of a Datadog monitor webhook body feeds which signal field.
// Datadog webhook bodies are user-edited templates of $VARIABLES, so the keys are configuration.
// Two presets ship: Default() for Datadog's default template (id, last_updated, event_type, title,
// date, org, body) and Rich() for the template in docs/formats.md that adds $ALERT_ID,
// $ALERT_TRANSITION, $ALERT_TYPE, $ALERT_STATUS, $ALERT_SCOPE, $ALERT_METRIC, $ALERT_QUERY,
// $ALERT_PRIORITY, $AGGREG_KEY, $HOSTNAME, $TAGS, $LINK, $ORG_ID, $ORG_NAME.
//
// Config (the `datadog_webhook` mapping of the ingest section):
//   datadog_webhook:
//     preset: rich              # default | rich (default: default)
//     fields:                   # signal field -> JSON key; "" unmaps a field
//       monitor_id: alert_id
//       tags: dd_tags
// Field names: see FieldName(). Errors carry file:line:col; unknown keys and unknown field names
// are errors. Only top-level keys are mapped; the `org` field also reads {id, name} objects.
// A plain value: copy it freely; parsers keep their own copy.
#ifndef QUELL_INGEST_DATADOG_WEBHOOK_MAPPING_H_
#define QUELL_INGEST_DATADOG_WEBHOOK_MAPPING_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::ingest {

struct DatadogWebhookMapping {
  enum Field : uint8_t {
    kId = 0,          // $ID: the notification event id (annotation "event_id"; source_id fallback).
    kMonitorId,       // $ALERT_ID: label monitor_id, source_id.
    kTitle,           // $EVENT_TITLE / title: alertname (prefixes like "[Triggered] " removed).
    kMessage,         // $EVENT_MSG / body: message ("%%%" markdown fences removed).
    kDate,            // $DATE: event time (epoch, unit auto-detected; ms usual, strings accepted).
    kLastUpdated,     // $LAST_UPDATED: event time when date is absent.
    kEventType,       // $EVENT_TYPE: annotation.
    kTransition,      // $ALERT_TRANSITION: Triggered/Re-Triggered/Renotify/Warn/No Data -> firing,
                      // Recovered -> resolved.
    kAlertType,       // $ALERT_TYPE: severity (error/warning/info/success); success -> resolved.
    kAlertStatus,     // $ALERT_STATUS: annotation.
    kScope,           // $ALERT_SCOPE: "k:v,k:v" -> labels like tags.
    kMetric,          // $ALERT_METRIC: annotation.
    kQuery,           // $ALERT_QUERY: annotation.
    kPriority,        // $ALERT_PRIORITY: P1-P5 -> severity when alert_type gives none.
    kAggregationKey,  // $AGGREG_KEY: annotation.
    kHostname,        // $HOSTNAME: host and label host.
    kTags,            // $TAGS: comma string or array of "k:v" -> labels.
    kLink,            // $LINK: link.
    kOrg,             // org: {id, name} object (default template) or a string org id.
    kOrgId,           // $ORG_ID: annotation.
    kOrgName,         // $ORG_NAME: annotation.
    kService,         // A custom key with the service name.
    kEnv,             // A custom key with the environment.
    kVersion,         // A custom key with the version.
    kColor,           // A custom key with the deployment color.
  };
  static constexpr int kFieldCount = 25;

  // The config name of a field: "id", "monitor_id", "title", "message", "date", "last_updated",
  // "event_type", "transition", "alert_type", "alert_status", "scope", "metric", "query",
  // "priority", "aggregation_key", "hostname", "tags", "link", "org", "org_id", "org_name",
  // "service", "env", "version", "color".
  static std::string_view FieldName(Field f);
  static bool ParseFieldName(std::string_view name, Field* out);

  static const DatadogWebhookMapping& Default();
  static const DatadogWebhookMapping& Rich();

  const std::string& key(Field f) const { return keys[f]; }

  std::array<std::string, kFieldCount> keys;  // JSON key per field; empty = not mapped.
  std::string preset = "default";
  core::SourceLocation where;                 // file:line:col of the mapping node, when from config.
};

// Parses the mapping node shown above. Errors: InvalidArgument with file:line:col.
[[nodiscard]] absl::StatusOr<DatadogWebhookMapping> ParseDatadogWebhookMapping(const core::YamlNode& node);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_WEBHOOK_MAPPING_H_
