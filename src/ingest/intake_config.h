// src/ingest/intake_config.h
//
// IntakeConfig: the `ingest.http` section of quell.yaml, which configures the HTTP intake
// endpoints (Datadog, OTLP/HTTP JSON, Alertmanager API v2) served by HttpIntake. Defaults live in
// the struct; ParseIntakeConfig reads it with core::YamlNode (unknown keys are errors, errors name
// file:line:col). API keys are secret references, never literal ({env: NAME} or {file: PATH},
// core/secret_ref.h); they are resolved when HttpIntake is created, and never logged.
//
//   ingest:
//     http:
//       require_api_key: true                  # Datadog endpoints refuse requests without a key
//       datadog_api_keys: [{env: DD_API_KEY}, {file: /run/secrets/dd_api_key}]
//       rate_limit: {requests_per_second: 200, burst: 400}   # per API key, else per client IP
//       max_body_bytes: 5242880                # decoded body, per request (Datadog's 5 MB)
//       retry_after: 1s                        # Retry-After when the pipeline is full
//       max_records_per_body: 100000
#ifndef QUELL_INGEST_INTAKE_CONFIG_H_
#define QUELL_INGEST_INTAKE_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/secret_ref.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::ingest {

struct IntakeRateLimit {
  double requests_per_second = 0;  // 0 = unlimited (the default).
  double burst = 0;                // Bucket size; default max(1, requests_per_second).
};

struct IntakeConfig {
  // Datadog endpoints: true = a request must carry a configured key (DD-API-KEY header, or the
  // dd-api-key / api_key query parameter), else 403. false = a key, if sent, must still be a
  // configured one (when any are configured). Other endpoints take no key.
  bool require_api_key = false;
  std::vector<core::SecretRef> datadog_api_keys;
  IntakeRateLimit rate_limit;               // Per API key, or per client IP without one.
  size_t max_body_bytes = 5 * 1024 * 1024;  // Decoded body; over it -> 413.
  absl::Duration retry_after = absl::Seconds(1);  // Retry-After on backpressure (429 / OTLP 503).
  uint32_t max_records_per_body = 100000;   // Parser limit; records past it are rejected.
  core::SourceLocation where;
};

// Parses the `ingest.http` mapping. Errors: "file:line:col: ingest.http.<key>: detail".
// REQUIRES-style check: require_api_key: true needs at least one datadog_api_keys entry.
[[nodiscard]] absl::StatusOr<IntakeConfig> ParseIntakeConfig(const core::YamlNode& node);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_INTAKE_CONFIG_H_
