// src/correlate/gates/deployment_registry.h
//
// DeploymentRegistry: the deployments gates know about, one per (service, env, version),
// registered through POST /api/v1/deployments (source "api") or learned from signals: deploy
// signals (Datadog deploy events, kind kDeploy) and OTel resource attributes (service.version,
// deployment.*, the configured color attribute) carried on spans, logs and metrics. It answers
// which version is the baseline (blue/baseline) and which the canary (green/canary).
//
// Merge rules (Upsert): sources rank api (or empty) > deploy events ("deploy_signal",
// "datadog_event") > telemetry attributes ("otlp_resource", ...). A registration of equal or higher
// rank overwrites color, started_at, link and source; a lower one only fills what is unknown
// (color kNone, started_at zero, empty link), so a span never recolors a registered deployment. Ids are
// "service/env/version@<RFC 3339 started_at>".
//
// Not thread-safe; GateEvaluator owns one under its lock.
#ifndef QUELL_CORRELATE_GATES_DEPLOYMENT_REGISTRY_H_
#define QUELL_CORRELATE_GATES_DEPLOYMENT_REGISTRY_H_

#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/deployment.h"
#include "correlate/gates/version_key.h"

namespace quell::gates {

// True for blue/baseline, the reference side.
bool IsBaselineColor(core::DeployColor c);
// True for green/canary, the candidate side.
bool IsCanaryColor(core::DeployColor c);

class DeploymentRegistry {
 public:
  // Adds or merges `d` (see merge rules). Returns true iff something changed.
  bool Upsert(const core::Deployment& d);
  // nullptr when unknown. The pointer is valid until the next Upsert.
  const core::Deployment* Find(VersionKeyView key) const;
  // The most recently started deployment of service/env whose color is canary-like
  // (`canary` true) or baseline-like, other than `exclude_version`; nullptr if none.
  // An empty `env` matches any env.
  const core::Deployment* Latest(std::string_view service, std::string_view env, bool canary,
                                 std::string_view exclude_version = {}) const;
  // All deployments, ordered by service, env, started_at, version.
  std::vector<core::Deployment> List() const;
  size_t size() const { return by_key_.size(); }

 private:
  absl::flat_hash_map<VersionKey, core::Deployment, VersionKeyHash, VersionKeyEq> by_key_;
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_DEPLOYMENT_REGISTRY_H_
