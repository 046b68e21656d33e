// src/server/alerts_api_v2.h
//
// AlertsApiV2: the read side of Alertmanager's API v2 over the correlation engine, transport-
// neutral and shaped exactly as Alertmanager's openapi so amtool 0.25 and Grafana work:
//
//   GET /api/v2/alerts         filter=<matcher> (repeatable; any label name, quoted or not:
//                              matcher.h), active, silenced, inhibited, unprocessed (booleans,
//                              default true), receiver (regex)
//                              -> [gettableAlert], by fingerprint ascending (as api.go sorts)
//   GET /api/v2/alerts/groups  same filters -> [alertGroup {labels, receiver{name}, alerts}]
//   GET /api/v2/status         versionInfo (version "0.25.0": the Alertmanager API level served;
//                              revision "quell <version>"), config.original (the rules rendered as an
//                              Alertmanager config: route tree, receivers, inhibit rules, time
//                              intervals; Quell-only keys dropped), cluster.status "disabled", uptime
//   GET /api/v2/receivers      [{name}]
//
// A gettable alert's fingerprint is Alertmanager's; status.state is active | suppressed
// (silenced, inhibited or muted by a maintenance window) | unprocessed (held flapping/transient);
// endsAt of a firing alert without one is updatedAt + 5m (Alertmanager's resolve_timeout).
// Thread-safe; `*engine` and `*clock` must outlive the object.
#ifndef QUELL_SERVER_ALERTS_API_V2_H_
#define QUELL_SERVER_ALERTS_API_V2_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/http_message.h"
#include "correlate/incident_view.h"
#include "correlate/rules_config.h"
#include "correlate/sharded_engine.h"
#include "server/router.h"

namespace quell::server {

class AlertsApiV2 {
 public:
  // `receivers`: the configured receivers' names (sinks config), which /api/v2/receivers lists as
  // Alertmanager does, whether or not a route names them.
  AlertsApiV2(correlate::ShardedEngine* engine, const core::Clock* clock, std::vector<std::string> receivers = {});

  core::HttpResponse Alerts(const core::HttpRequest& req) const;
  core::HttpResponse Groups(const core::HttpRequest& req) const;
  core::HttpResponse Status(const core::HttpRequest& req) const;
  core::HttpResponse Receivers(const core::HttpRequest& req) const;

  [[nodiscard]] absl::Status Register(Router* router) const;

 private:
  correlate::ShardedEngine* engine_;
  const core::Clock* clock_;
  core::WallTime started_;
  std::vector<std::string> receivers_;
};

// gettableAlert JSON for one alert.
std::string AlertViewToJson(const correlate::AlertView& a);
// A JSON object of labels: {"a":"1"}.
std::string LabelsToJson(const core::LabelSet& labels);
// The rules as an Alertmanager YAML config (for config.original).
std::string RenderAlertmanagerConfig(const correlate::RulesConfig& cfg);

}  // namespace quell::server

#endif  // QUELL_SERVER_ALERTS_API_V2_H_
