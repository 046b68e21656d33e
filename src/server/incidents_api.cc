#include "server/incidents_api.h"

#include <algorithm>

#include "core/duration.h"
#include "core/event_time.h"
#include "core/status_macros.h"
#include "correlate/json_value.h"
#include "fmt/format.h"
#include "server/alerts_api_v2.h"

namespace quell::server {
namespace {

using correlate::JsonQuote;

core::HttpResponse Error(int status, std::string_view message) {
  return core::HttpResponse::Json(status, fmt::format("{{\"error\":{}}}", JsonQuote(message)));
}

std::string Rfc(core::EventTime t) { return t.is_zero() ? "" : core::FormatRfc3339(t.ToAbsl()); }

std::string StringList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    out += (i ? "," : "");
    out += JsonQuote(v[i]);
  }
  return out + "]";
}

}  // namespace

std::string IncidentToJson(const correlate::IncidentView& v, bool detail) {
  std::string out = "{";
  out += "\"id\":" + JsonQuote(v.id);
  out += ",\"dedup_key\":" + JsonQuote(v.dedup_key);
  out += ",\"status\":" + JsonQuote(v.status);
  out += ",\"severity\":" + JsonQuote(core::SeverityName(v.severity));
  out += ",\"route\":" + JsonQuote(v.route);
  out += ",\"receiver\":" + JsonQuote(v.receiver);
  out += ",\"class\":" + JsonQuote(v.route_class);
  out += ",\"group_key\":" + JsonQuote(v.group_key);
  out += ",\"group_labels\":" + LabelsToJson(v.group_labels);
  out += ",\"started_at\":" + JsonQuote(Rfc(v.started_at));
  out += ",\"resolved_at\":" + (v.resolved_at.is_zero() ? std::string("null") : JsonQuote(Rfc(v.resolved_at)));
  out += fmt::format(",\"firing\":{},\"resolved\":{}", v.firing, v.resolved_members);
  out += ",\"root_cause_service\":" + JsonQuote(v.root_cause_service);
  out += ",\"impacted_services\":" + StringList(v.impacted_services);
  if (v.deploy) {
    out += fmt::format(",\"deploy\":{{\"service\":{},\"version\":{},\"env\":{},\"time\":{},\"link\":{}}}",
                       JsonQuote(v.deploy->service), JsonQuote(v.deploy->version), JsonQuote(v.deploy->env),
                       JsonQuote(Rfc(v.deploy->time)), JsonQuote(v.deploy->link));
  } else {
    out += ",\"deploy\":null";
  }
  out += ",\"runbook\":" + JsonQuote(v.runbook);
  out += fmt::format(",\"acked\":{},\"acked_by\":{},\"ack_comment\":{},\"storm\":{}", v.acked, JsonQuote(v.acked_by),
                     JsonQuote(v.ack_comment), v.storm);
  if (detail) {
    out += ",\"members\":[";
    for (size_t i = 0; i < v.members.size(); ++i) {
      out += (i ? "," : "");
      out += AlertViewToJson(v.members[i]);
    }
    out += "],\"notifications\":[";
    for (size_t i = 0; i < v.notifications.size(); ++i) {
      const auto& n = v.notifications[i];
      out += fmt::format("{}{{\"time\":{},\"receiver\":{},\"status\":{},\"sequence\":{},\"firing\":{},\"resolved\":{}}}",
                         i ? "," : "", JsonQuote(Rfc(n.time)), JsonQuote(n.receiver), JsonQuote(n.status), n.sequence,
                         n.firing, n.resolved);
    }
    out += "],\"timeline\":[";
    for (size_t i = 0; i < v.timeline.size(); ++i) {
      out += fmt::format("{}{{\"time\":{},\"what\":{}}}", i ? "," : "", JsonQuote(Rfc(v.timeline[i].time)),
                         JsonQuote(v.timeline[i].what));
    }
    out += "]";
  }
  return out + "}";
}

core::HttpResponse IncidentsApi::List(const core::HttpRequest&) const {
  std::string out = "{\"incidents\":[";
  bool first = true;
  for (const auto& v : engine_->ListIncidents()) {
    if (!first) out += ',';
    first = false;
    out += IncidentToJson(v, false);
  }
  return core::HttpResponse::Json(200, out + "]}");
}

core::HttpResponse IncidentsApi::Get(const core::HttpRequest& req) const {
  auto v = engine_->GetIncident(req.PathParam("id"));
  if (!v) return Error(404, fmt::format("incident: no incident {}", req.PathParam("id")));
  return core::HttpResponse::Json(200, IncidentToJson(*v, true));
}

core::HttpResponse IncidentsApi::Ack(const core::HttpRequest& req) const {
  auto body = correlate::JsonValue::Parse(req.body.empty() ? "{}" : req.body);
  if (!body.ok() || !body->is_object()) return Error(400, "ack: body must be a JSON object");
  std::string by = body->GetString("by");
  if (by.empty()) return Error(400, "ack: \"by\" is required");
  absl::Status st = engine_->Ack(req.PathParam("id"), by, body->GetString("comment"));
  if (st.code() == absl::StatusCode::kNotFound) return Error(404, std::string(st.message()));
  if (st.code() == absl::StatusCode::kFailedPrecondition) return Error(409, std::string(st.message()));
  if (!st.ok()) return Error(400, std::string(st.message()));
  return core::HttpResponse::Json(200, fmt::format("{{\"id\":{},\"acked\":true}}", JsonQuote(req.PathParam("id"))));
}

core::HttpResponse IncidentsApi::Explain(const core::HttpRequest& req) const {
  std::string fp(req.PathParam("fingerprint"));
  auto decisions = engine_->Explain(fp);
  if (decisions.empty()) return Error(404, fmt::format("explain: no decisions for fingerprint {}", fp));
  std::string out = "{\"fingerprint\":" + JsonQuote(fp) + ",\"decisions\":[";
  for (size_t i = 0; i < decisions.size(); ++i) {
    const auto& d = decisions[i];
    out += fmt::format("{}{{\"time\":{},\"decision\":{},\"detail\":{},\"rule\":{},\"where\":{}}}", i ? "," : "",
                       JsonQuote(Rfc(d.time)), JsonQuote(d.decision), JsonQuote(d.detail), JsonQuote(d.rule),
                       JsonQuote(d.where));
  }
  return core::HttpResponse::Json(200, out + "]}");
}

core::HttpResponse IncidentsApi::Noise(const core::HttpRequest& req) const {
  absl::Duration window = absl::Hours(24);
  if (req.HasQuery("window")) {
    auto d = core::ParseDuration(req.Query("window"));
    if (!d.ok()) return Error(400, "noise: window must be a duration like 24h");
    window = *d;
  }
  std::string out = "{\"window\":" + JsonQuote(core::DurationToString(window)) + ",\"rows\":[";
  bool first = true;
  for (auto& r : engine_->Noise(window)) {
    std::sort(r.resolve_seconds.begin(), r.resolve_seconds.end());
    std::string median = "null";
    if (!r.resolve_seconds.empty()) median = std::to_string(r.resolve_seconds[r.resolve_seconds.size() / 2]);
    if (!first) out += ',';
    first = false;
    out += fmt::format(
        "{{\"alertname\":{},\"route\":{},\"signals\":{},\"alerts\":{},\"incidents\":{},\"pages\":{},"
        "\"suppressed\":{{\"silenced\":{},\"inhibited\":{},\"maintenance\":{},\"flapping\":{},\"transient\":{},"
        "\"noise\":{},\"storm\":{},\"late\":{}}},\"median_time_to_resolve_seconds\":{}}}",
        JsonQuote(r.alertname), JsonQuote(r.route), r.signals, r.alerts, r.incidents, r.pages, r.suppressed_silenced,
        r.suppressed_inhibited, r.suppressed_maintenance, r.suppressed_flapping, r.suppressed_transient,
        r.suppressed_noise, r.suppressed_storm, r.late, median);
  }
  return core::HttpResponse::Json(200, out + "]}");
}

absl::Status IncidentsApi::Register(Router* router) const {
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v1/incidents", [this](const core::HttpRequest& r) { return List(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v1/incidents/{id}", [this](const core::HttpRequest& r) { return Get(r); }));
  QUELL_RETURN_IF_ERROR(router->Route(
      "POST", "/api/v1/incidents/{id}/ack", [this](const core::HttpRequest& r) { return Ack(r); }, {.changes_state = true}));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v1/alerts/{fingerprint}/explain", [this](const core::HttpRequest& r) { return Explain(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v1/noise", [this](const core::HttpRequest& r) { return Noise(r); }));
  return absl::OkStatus();
}

}  // namespace quell::server
