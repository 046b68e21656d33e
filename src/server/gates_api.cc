#include "server/gates_api.h"

#include <utility>

#include "core/json_writer.h"
#include "fmt/format.h"
#include "simdjson.h"

namespace quell::server {
namespace {

using gates::Verdict;

core::HttpResponse ErrorJson(int status, std::string_view reason) {
  return core::HttpResponse::Json(status, gates::VerdictErrorJson(Verdict::kInconclusive, reason));
}

core::HttpResponse StatusToJson(const absl::Status& s) {
  const int code = s.code() == absl::StatusCode::kNotFound ? 404
                   : s.code() == absl::StatusCode::kInvalidArgument ? 400
                                                                     : 500;
  return ErrorJson(code, std::string(s.message()));
}

// A string field of a JSON object, or empty when absent or not a string.
std::string StringField(simdjson::dom::object obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

bool ValidName(std::string_view s) {
  if (s.size() > 253) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The service path parameter with env, version and gate from the query string.
gates::GateQuery QueryOf(const core::HttpRequest& req) {
  gates::GateQuery q;
  q.service = std::string(req.PathParam("service"));
  q.env = std::string(req.Query("env"));
  q.version = std::string(req.Query("version"));
  q.gate = std::string(req.Query("gate"));
  return q;
}

// Why the query string cannot name a gate's canary, or empty: a parameter other than env,
// version and gate (a misspelled `verison` would otherwise answer for the latest canary, another
// version), or one given twice.
std::string QueryProblem(const core::HttpRequest& req) {
  for (size_t i = 0; i < req.query.size(); ++i) {
    const std::string& k = req.query[i].first;
    if (k != "env" && k != "version" && k != "gate") {
      return fmt::format("gates: unknown query parameter \"{}\" (env, version and gate are read)", k);
    }
    for (size_t j = 0; j < i; ++j) {
      if (req.query[j].first == k) return fmt::format("gates: query parameter \"{}\" given twice", k);
    }
  }
  return "";
}

bool Valid(const gates::GateQuery& q) {
  return !q.service.empty() && ValidName(q.service) && ValidName(q.env) && ValidName(q.version) &&
         ValidName(q.gate);
}

}  // namespace

absl::StatusOr<core::Deployment> ParseDeploymentJson(std::string_view body, core::EventTime now,
                                                     absl::Duration max_future_skew) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("deployment: body is not valid JSON");
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("deployment: body must be a JSON object");
  }
  core::Deployment d;
  d.service = StringField(obj, "service");
  d.env = StringField(obj, "env");
  d.version = StringField(obj, "version");
  d.link = StringField(obj, "link");
  d.source = StringField(obj, "source");
  if (d.source.empty()) d.source = "api";
  if (d.service.empty()) return absl::InvalidArgumentError("deployment: \"service\" is required");
  if (d.version.empty()) return absl::InvalidArgumentError("deployment: \"version\" is required");
  if (!ValidName(d.service) || !ValidName(d.env) || !ValidName(d.version)) {
    return absl::InvalidArgumentError("deployment: service, env and version must be short printable strings");
  }
  if (std::string color = StringField(obj, "color"); !color.empty()) {
    if (!core::ParseDeployColor(color, &d.color)) {
      return absl::InvalidArgumentError(
          fmt::format("deployment: unknown color \"{}\" (allowed: blue, green, baseline, canary)", color));
    }
  }
  if (std::string started = StringField(obj, "started_at"); !started.empty()) {
    auto t = core::ParseRfc3339(started);
    if (!t.ok()) return absl::InvalidArgumentError("deployment: started_at: expected RFC 3339");
    d.started_at = core::EventTime::FromAbsl(*t);
    if (max_future_skew > absl::ZeroDuration() && d.started_at - now > max_future_skew) {
      return absl::InvalidArgumentError(
          fmt::format("deployment: started_at {} is {} ahead of this server's clock ({}), more than "
                      "correlate.max_future_skew ({})",
                      started, absl::FormatDuration(absl::Seconds(absl::ToInt64Seconds(d.started_at - now))),
                      core::FormatRfc3339(now.ToAbsl()), absl::FormatDuration(max_future_skew)));
    }
  } else {
    d.started_at = now;
  }
  return d;
}

std::string DeploymentToJson(const core::Deployment& d) {
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("id", d.id);
  w.Field("service", d.service);
  w.Field("env", d.env);
  w.Field("version", d.version);
  w.Field("color", core::DeployColorName(d.color));
  w.Field("started_at", d.started_at.is_zero() ? std::string() : core::FormatRfc3339(d.started_at.ToAbsl()));
  w.Field("source", d.source);
  w.Field("link", d.link);
  w.EndObject();
  return out;
}

GatesApi::GatesApi(gates::GateEvaluator* evaluator, const core::Clock* clock, Options options)
    : evaluator_(evaluator), clock_(clock), options_(std::move(options)) {}

std::vector<GatesRoute> GatesApi::Routes() {
  auto bind = [this](core::HttpResponse (GatesApi::*m)(const core::HttpRequest&)) {
    return core::HttpHandler([this, m](const core::HttpRequest& r) { return (this->*m)(r); });
  };
  return {
      {"GET", "/api/v1/gates", bind(&GatesApi::ListGates)},
      {"GET", "/api/v1/gates/{service}", bind(&GatesApi::GetGate)},
      {"POST", "/api/v1/gates/flagger/confirm", bind(&GatesApi::FlaggerConfirm)},
      {"POST", "/api/v1/gates/flagger/rollback", bind(&GatesApi::FlaggerRollback)},
      {"POST", "/api/v1/gates/{service}/override", bind(&GatesApi::PostOverride), {.changes_state = true}},
      {"DELETE", "/api/v1/gates/{service}/override", bind(&GatesApi::DeleteOverride), {.changes_state = true}},
      {"POST", "/api/v1/deployments", bind(&GatesApi::PostDeployment), {.changes_state = true}},
      {"GET", "/api/v1/deployments", bind(&GatesApi::ListDeployments)},
  };
}

core::HttpResponse GatesApi::GetGate(const core::HttpRequest& req) {
  if (std::string problem = QueryProblem(req); !problem.empty()) return ErrorJson(400, problem);
  gates::GateQuery q = QueryOf(req);
  if (!Valid(q)) return ErrorJson(400, "gates: bad service, env, version or gate parameter");
  auto v = evaluator_->Evaluate(q);
  if (!v.ok()) return StatusToJson(v.status());
  return core::HttpResponse::Json(200, v->ToJson());
}

core::HttpResponse GatesApi::ListGates(const core::HttpRequest&) {
  std::string out = "[";
  bool first = true;
  for (const gates::GateVerdict& v : evaluator_->TrackedVerdicts()) {
    if (!first) out.push_back(',');
    first = false;
    out += v.ToJson();
  }
  out.push_back(']');
  return core::HttpResponse::Json(200, std::move(out));
}

core::HttpResponse GatesApi::Flagger(const core::HttpRequest& req, Verdict wanted) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(req.body);
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS || root.get_object().get(obj) != simdjson::SUCCESS) {
    return ErrorJson(400, "flagger: body must be a JSON object with name and namespace");
  }
  gates::GateQuery q;
  q.service = StringField(obj, "name");
  q.env = StringField(obj, "namespace");
  simdjson::dom::object meta;
  if (obj["metadata"].get_object().get(meta) == simdjson::SUCCESS) {
    if (std::string s = StringField(meta, "service"); !s.empty()) q.service = s;
    if (std::string s = StringField(meta, "env"); !s.empty()) q.env = s;
    q.version = StringField(meta, "version");
    q.gate = StringField(meta, "gate");
  }
  if (q.service.empty() || !ValidName(q.service) || !ValidName(q.env) || !ValidName(q.version)) {
    return ErrorJson(400, "flagger: name (or metadata.service) is required");
  }
  auto v = evaluator_->Evaluate(q);
  if (!v.ok()) return StatusToJson(v.status());
  return core::HttpResponse::Json(v->verdict == wanted ? 200 : 403, v->ToJson());
}

core::HttpResponse GatesApi::FlaggerConfirm(const core::HttpRequest& req) { return Flagger(req, Verdict::kPass); }
core::HttpResponse GatesApi::FlaggerRollback(const core::HttpRequest& req) { return Flagger(req, Verdict::kFail); }

core::HttpResponse GatesApi::PostOverride(const core::HttpRequest& req) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(req.body);
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS || root.get_object().get(obj) != simdjson::SUCCESS) {
    return ErrorJson(400, "override: body must be a JSON object with verdict and reason");
  }
  // An override lasts until it is cleared (DELETE): a field such as expires_at or ttl, which it
  // would silently ignore, is refused rather than taken as a forced verdict forever.
  for (auto [key, value] : obj) {
    (void)value;
    if (key != "env" && key != "version" && key != "gate" && key != "verdict" && key != "reason") {
      return ErrorJson(400, fmt::format("override: unknown field \"{}\" (env, version, gate, verdict, reason; an "
                                        "override lasts until DELETE clears it)",
                                        key));
    }
  }
  gates::GateQuery q;
  q.service = std::string(req.PathParam("service"));
  q.env = StringField(obj, "env");
  q.version = StringField(obj, "version");
  q.gate = StringField(obj, "gate");
  if (!Valid(q)) return ErrorJson(400, "override: bad service, env, version or gate");
  gates::GateOverride o;
  const std::string verdict = StringField(obj, "verdict");
  if (verdict == "pass") {
    o.verdict = Verdict::kPass;
  } else if (verdict == "fail") {
    o.verdict = Verdict::kFail;
  } else {
    return ErrorJson(400, fmt::format("override: \"verdict\" must be \"pass\" or \"fail\", got \"{}\"", verdict));
  }
  o.reason = StringField(obj, "reason");
  if (o.reason.empty() || o.reason.size() > 1024) {
    return ErrorJson(400, "override: \"reason\" is required (at most 1024 bytes)");
  }
  o.by = std::string(req.Header("X-Quell-Principal"));
  if (o.by.empty()) o.by = "anonymous";
  auto v = evaluator_->SetOverride(q, std::move(o));
  if (!v.ok()) return StatusToJson(v.status());
  if (options_.on_override) options_.on_override(req, *v, /*cleared=*/false);
  return core::HttpResponse::Json(200, v->ToJson());
}

core::HttpResponse GatesApi::DeleteOverride(const core::HttpRequest& req) {
  if (std::string problem = QueryProblem(req); !problem.empty()) return ErrorJson(400, problem);
  gates::GateQuery q = QueryOf(req);
  if (!Valid(q)) return ErrorJson(400, "override: bad service, env, version or gate parameter");
  auto v = evaluator_->ClearOverride(q);
  if (!v.ok()) return StatusToJson(v.status());
  if (options_.on_override) options_.on_override(req, *v, /*cleared=*/true);
  return core::HttpResponse::Json(200, v->ToJson());
}

core::HttpResponse GatesApi::PostDeployment(const core::HttpRequest& req) {
  const core::EventTime now = core::EventTime::FromUnixNanos(clock_->Now().unix_nanos());
  auto d = ParseDeploymentJson(req.body, now, options_.max_future_skew);
  if (!d.ok()) return ErrorJson(400, std::string(d.status().message()));
  evaluator_->AddDeployment(*d);
  if (options_.on_deployment) options_.on_deployment(*d);
  for (const core::Deployment& known : evaluator_->Deployments()) {
    if (known.service == d->service && known.env == d->env && known.version == d->version) {
      return core::HttpResponse::Json(200, DeploymentToJson(known));
    }
  }
  return core::HttpResponse::Json(200, DeploymentToJson(*d));
}

core::HttpResponse GatesApi::ListDeployments(const core::HttpRequest& req) {
  const std::string_view service = req.Query("service");
  std::string out = "[";
  bool first = true;
  for (const core::Deployment& d : evaluator_->Deployments()) {
    if (!service.empty() && d.service != service) continue;
    if (!first) out.push_back(',');
    first = false;
    out += DeploymentToJson(d);
  }
  out.push_back(']');
  return core::HttpResponse::Json(200, std::move(out));
}

}  // namespace quell::server
