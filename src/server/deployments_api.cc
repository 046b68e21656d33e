#include "server/deployments_api.h"

#include "core/event_time.h"
#include "core/status_macros.h"
#include "correlate/json_value.h"
#include "fmt/format.h"

namespace quell::server {
namespace {

using correlate::JsonQuote;

core::HttpResponse Error(int status, std::string_view message) {
  return core::HttpResponse::Json(status, fmt::format("{{\"error\":{}}}", JsonQuote(message)));
}

std::string DeploymentToJson(const core::Deployment& d) {
  return fmt::format(
      "{{\"id\":{},\"service\":{},\"env\":{},\"version\":{},\"color\":{},\"started_at\":{},\"source\":{},\"link\":{}}}",
      JsonQuote(d.id), JsonQuote(d.service), JsonQuote(d.env), JsonQuote(d.version),
      JsonQuote(core::DeployColorName(d.color)), JsonQuote(core::FormatRfc3339(d.started_at.ToAbsl())),
      JsonQuote(d.source), JsonQuote(d.link));
}

}  // namespace

core::HttpResponse DeploymentsApi::Post(const core::HttpRequest& req) {
  auto body = correlate::JsonValue::Parse(req.body);
  if (!body.ok() || !body->is_object()) return Error(400, "deployments: body must be a JSON object");
  core::Deployment d;
  d.service = body->GetString("service");
  d.version = body->GetString("version");
  d.env = body->GetString("env");
  d.link = body->GetString("link");
  d.source = "api";
  if (d.service.empty()) return Error(400, "deployments: \"service\" is required");
  if (d.version.empty()) return Error(400, "deployments: \"version\" is required");
  std::string color = body->GetString("color");
  if (!color.empty() && !core::ParseDeployColor(color, &d.color)) {
    return Error(400, "deployments: \"color\" must be blue, green, baseline or canary");
  }
  std::string started = body->GetString("started_at");
  if (started.empty()) {
    d.started_at = core::EventTime::FromUnixNanos(clock_->Now().unix_nanos());
  } else {
    auto t = core::ParseRfc3339(started);
    if (!t.ok()) return Error(400, "deployments: \"started_at\" must be RFC 3339");
    d.started_at = core::EventTime::FromAbsl(*t);
  }
  d.id = fmt::format("{}/{}/{}@{}", d.service, d.env, d.version, core::FormatRfc3339(d.started_at.ToAbsl()));
  engine_->RecordDeployment(d);
  for (const Listener& l : listeners_) l(d);
  {
    std::lock_guard<std::mutex> lock(mu_);
    recent_.push_front(d);
    if (recent_.size() > 1000) recent_.pop_back();
  }
  return core::HttpResponse::Json(200, fmt::format("{{\"id\":{}}}", JsonQuote(d.id)));
}

core::HttpResponse DeploymentsApi::List(const core::HttpRequest& req) const {
  std::string_view service = req.Query("service");
  std::string out = "{\"deployments\":[";
  bool first = true;
  std::lock_guard<std::mutex> lock(mu_);
  for (const core::Deployment& d : recent_) {
    if (!service.empty() && d.service != service) continue;
    if (!first) out += ',';
    first = false;
    out += DeploymentToJson(d);
  }
  return core::HttpResponse::Json(200, out + "]}");
}

absl::Status DeploymentsApi::Register(Router* router) {
  QUELL_RETURN_IF_ERROR(router->Route("POST", "/api/v1/deployments", [this](const core::HttpRequest& r) { return Post(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v1/deployments", [this](const core::HttpRequest& r) { return List(r); }));
  return absl::OkStatus();
}

}  // namespace quell::server
