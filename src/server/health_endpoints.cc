#include "server/health_endpoints.h"

#include "core/json_writer.h"

namespace quell::server {

void Readiness::Require(const std::string& name, const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Condition& c : conditions_) {
    if (c.name == name) return;
  }
  conditions_.push_back(Condition{name, false, detail});
}

void Readiness::Set(const std::string& name, bool ok, const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Condition& c : conditions_) {
    if (c.name == name) {
      c.ok = ok;
      c.detail = detail;
      return;
    }
  }
  conditions_.push_back(Condition{name, ok, detail});
}

bool Readiness::Ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Condition& c : conditions_) {
    if (!c.ok) return false;
  }
  return true;
}

core::HttpResponse Readiness::HandleReadyz(const core::HttpRequest&) const {
  std::string body;
  core::JsonWriter w(&body);
  bool ready = true;
  w.BeginObject();
  w.Key("conditions");
  w.BeginArray();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Condition& c : conditions_) {
      ready = ready && c.ok;
      w.BeginObject();
      w.Field("name", c.name);
      w.Field("ok", c.ok);
      w.Field("detail", c.detail);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Field("status", ready ? "ready" : "not ready");
  w.EndObject();
  return core::HttpResponse::Json(ready ? 200 : 503, std::move(body));
}

core::HttpResponse Readiness::HandleHealthz(const core::HttpRequest&) {
  return core::HttpResponse::Json(200, R"({"status":"ok"})");
}

}  // namespace quell::server
