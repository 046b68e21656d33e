// src/ingest/intake_config.cc
#include "ingest/intake_config.h"

#include <algorithm>
#include <string>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::ingest {

absl::StatusOr<IntakeConfig> ParseIntakeConfig(const core::YamlNode& node) {
  IntakeConfig cfg;
  cfg.where = node.location();
  if (node.IsNull()) return cfg;
  QUELL_RETURN_IF_ERROR(node.CheckKeys("ingest.http", {"require_api_key", "datadog_api_keys", "rate_limit",
                                                       "max_body_bytes", "retry_after",
                                                       "max_records_per_body"}));
  QUELL_RETURN_IF_ERROR(node.ReadBool("require_api_key", &cfg.require_api_key));
  if (auto keys = node.Child("datadog_api_keys")) {
    QUELL_RETURN_IF_ERROR(keys->ExpectSequence("ingest.http.datadog_api_keys"));
    for (const core::YamlNode& item : keys->Items()) {
      QUELL_ASSIGN_OR_RETURN(core::SecretRef ref, core::ParseSecretRef(item, "ingest.http.datadog_api_keys"));
      cfg.datadog_api_keys.push_back(std::move(ref));
    }
  }
  if (cfg.require_api_key && cfg.datadog_api_keys.empty()) {
    return node.Child("require_api_key")
        ->Error("ingest.http.require_api_key: true needs at least one entry in datadog_api_keys");
  }
  if (auto rl = node.Child("rate_limit")) {
    QUELL_RETURN_IF_ERROR(rl->CheckKeys("ingest.http.rate_limit", {"requests_per_second", "burst"}));
    QUELL_RETURN_IF_ERROR(rl->ReadDouble("requests_per_second", &cfg.rate_limit.requests_per_second));
    if (auto rps = rl->Child("requests_per_second"); rps && !(cfg.rate_limit.requests_per_second > 0)) {
      return rps->Error("ingest.http.rate_limit.requests_per_second: must be > 0");
    }
    QUELL_RETURN_IF_ERROR(rl->ReadDouble("burst", &cfg.rate_limit.burst));
    if (auto burst = rl->Child("burst"); burst && cfg.rate_limit.burst < 1) {
      return burst->Error("ingest.http.rate_limit.burst: must be >= 1");
    }
    if (cfg.rate_limit.burst == 0) cfg.rate_limit.burst = std::max(1.0, cfg.rate_limit.requests_per_second);
  }
  int64_t max_body = static_cast<int64_t>(cfg.max_body_bytes);
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_body_bytes", &max_body));
  if (max_body < 1 || max_body > (int64_t{1} << 32)) {
    return node.Child("max_body_bytes")->Error("ingest.http.max_body_bytes: must be 1..4294967296");
  }
  cfg.max_body_bytes = static_cast<size_t>(max_body);
  QUELL_RETURN_IF_ERROR(node.ReadDuration("retry_after", &cfg.retry_after));
  if (cfg.retry_after < absl::Seconds(1)) {
    return node.Child("retry_after")->Error("ingest.http.retry_after: must be at least 1s (whole seconds on the wire)");
  }
  int64_t max_records = cfg.max_records_per_body;
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_records_per_body", &max_records));
  if (max_records < 1 || max_records > 10000000) {
    return node.Child("max_records_per_body")->Error("ingest.http.max_records_per_body: must be 1..10000000");
  }
  cfg.max_records_per_body = static_cast<uint32_t>(max_records);
  return cfg;
}

}  // namespace quell::ingest
