// src/core/deployment.h
//
// A deployment (or change) of one service version: registered through POST /api/v1/deployments
// or learned from deploy/change signals (Datadog deploy events, OTel service.version /
// deployment.* resource attributes). Used by the engine (deploy attribution) and by deploy gates
// (which version is blue/baseline and which is green/canary). Plain value.
#ifndef QUELL_CORE_DEPLOYMENT_H_
#define QUELL_CORE_DEPLOYMENT_H_

#include <string>

#include "core/event_time.h"
#include "core/signal.h"

namespace quell::core {

struct Deployment {
  std::string service;
  std::string env;
  std::string version;
  DeployColor color = DeployColor::kNone;  // blue/green or baseline/canary; kNone when unknown.
  EventTime started_at;
  std::string source;                      // "api", "datadog_event", "otlp_resource", ...
  std::string link;                        // CI run or change URL, if known.
  std::string id;                          // Stable id: service/env/version@started_at.
};

}  // namespace quell::core

#endif  // QUELL_CORE_DEPLOYMENT_H_
