// src/server/incidents_api.h
//
// IncidentsApi: Quell's own engine API (JSON), transport-neutral:
//
//   GET  /api/v1/incidents                     open + recently resolved, newest first
//                                              -> {"incidents":[summary...]}
//   GET  /api/v1/incidents/{id}                -> incident with members, root cause, impacted
//                                                 services, deploy, notifications sent, timeline
//   POST /api/v1/incidents/{id}/ack            body {"by": "...", "comment": "..."} (by required)
//                                              -> {"id": "...", "acked": true}; 404; 409 resolved
//   GET  /api/v1/alerts/{fingerprint}/explain  Quell or Alertmanager fingerprint
//                                              -> {"fingerprint": "...", "decisions": [...]}, newest first
//   GET  /api/v1/noise?window=24h              per alertname/route: signals, alerts, incidents,
//                                              pages, suppressed by reason, median time to
//                                              resolve; sorted noisiest first
//
// Thread-safe; `*engine` must outlive the object.
#ifndef QUELL_SERVER_INCIDENTS_API_H_
#define QUELL_SERVER_INCIDENTS_API_H_

#include <string>

#include "absl/status/status.h"
#include "core/http_message.h"
#include "correlate/incident_view.h"
#include "correlate/sharded_engine.h"
#include "server/router.h"

namespace quell::server {

class IncidentsApi {
 public:
  explicit IncidentsApi(correlate::ShardedEngine* engine) : engine_(engine) {}

  core::HttpResponse List(const core::HttpRequest& req) const;
  core::HttpResponse Get(const core::HttpRequest& req) const;
  core::HttpResponse Ack(const core::HttpRequest& req) const;
  core::HttpResponse Explain(const core::HttpRequest& req) const;
  core::HttpResponse Noise(const core::HttpRequest& req) const;

  [[nodiscard]] absl::Status Register(Router* router) const;

 private:
  correlate::ShardedEngine* engine_;
};

std::string IncidentToJson(const correlate::IncidentView& v, bool detail);

}  // namespace quell::server

#endif  // QUELL_SERVER_INCIDENTS_API_H_
