// src/server/deployments_api.h
//
// DeploymentsApi: register and list deployments, transport-neutral:
//
//   POST /api/v1/deployments   {"service": "payments", "version": "v2.4.1", "env": "prod",
//                               "color": "green", "started_at": RFC 3339 (default: now),
//                               "link": "https://ci/..."}  -> 200 {"id": "..."}; 400 on bad input
//   GET  /api/v1/deployments   [?service=payments] -> {"deployments": [...]} newest first
//
// Each accepted deployment goes to the engine (deploy attribution) and to every extra listener
// (the application wires the gates' deployment registry here). The API keeps the newest 1000 for
// GET. Thread-safe; `*engine` and `*clock` must outlive the object.
#ifndef QUELL_SERVER_DEPLOYMENTS_API_H_
#define QUELL_SERVER_DEPLOYMENTS_API_H_

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/deployment.h"
#include "core/http_message.h"
#include "correlate/sharded_engine.h"
#include "server/router.h"

namespace quell::server {

class DeploymentsApi {
 public:
  using Listener = std::function<void(const core::Deployment&)>;
  DeploymentsApi(correlate::ShardedEngine* engine, const core::Clock* clock, std::vector<Listener> listeners = {})
      : engine_(engine), clock_(clock), listeners_(std::move(listeners)) {}

  core::HttpResponse Post(const core::HttpRequest& req);
  core::HttpResponse List(const core::HttpRequest& req) const;

  [[nodiscard]] absl::Status Register(Router* router);

 private:
  correlate::ShardedEngine* engine_;
  const core::Clock* clock_;
  std::vector<Listener> listeners_;
  mutable std::mutex mu_;
  std::deque<core::Deployment> recent_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_DEPLOYMENTS_API_H_
