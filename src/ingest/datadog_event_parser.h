// src/ingest/datadog_event_parser.h
//
// DatadogEventParser: Datadog Events API v1 bodies (`POST /api/v1/events`: one event object, or an
// array of them) -> alert or deploy signals.
//   Required: title and text (strings), as the API requires; else missing_field.
//   Deploy rule: an event is a deploy (SignalKind::kDeploy) iff its source_type_name is one of
//   kDeploySources (jenkins, github, gitlab, argocd, argo, spinnaker, kubernetes, circleci,
//   travis, octopus, harness, flux, buildkite, teamcity, bamboo, codedeploy; case-insensitive),
//   or it has a tag named `deployment` (any value), or a tag `event_type:deploy` or
//   `event_type:deployment`. Deploys take service/env/version/color from tags and have state
//   unknown. Every other event is an alert: state resolved iff alert_type is success, else firing.
//   Severity: alert_type; priority only when alert_type is absent.
//   Labels: tags (valueless tag k -> k="true"), source (source_type_name), host, and for alerts
//   alertname = title and aggregation_key.
//   event_time = date_happened (epoch; unit detected, seconds per the API), else observed.
// Not thread-safe: one per thread.
#ifndef QUELL_INGEST_DATADOG_EVENT_PARSER_H_
#define QUELL_INGEST_DATADOG_EVENT_PARSER_H_

#include <string_view>

#include "ingest/record_parser.h"

namespace quell::ingest {

class DatadogEventParser final : public RecordParser {
 public:
  explicit DatadogEventParser(const ParserOptions& options)
      : RecordParser(core::Format::kDatadogEvent, options, TopLevel::kObjectOrArray) {}

  // True iff `source_type_name` is one of the deploy sources listed above.
  static bool IsDeploySource(std::string_view source_type_name);

 private:
  RecordStatus ParseRecord(od::value& record, uint32_t offset) override;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_EVENT_PARSER_H_
