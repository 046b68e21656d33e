#include "server/silences_api.h"

#include <algorithm>

#include "core/status_macros.h"
#include "correlate/json_value.h"
#include "fmt/format.h"

namespace quell::server {
namespace {

core::HttpResponse Error(int status, std::string_view message) {
  return core::HttpResponse::Json(status, correlate::JsonQuote(message));
}

// Alertmanager's CheckSilenceMatchesFilterLabels: the silence is listed iff, for every filter
// matcher, it has a matcher of the same name, operator and value.
bool MatchesFilter(const correlate::Silence& s, const correlate::Matchers& filter) {
  for (const correlate::Matcher& f : filter) {
    bool found = std::any_of(s.matchers.begin(), s.matchers.end(), [&](const correlate::Matcher& m) {
      return m.name() == f.name() && m.type() == f.type() && m.value() == f.value();
    });
    if (!found) return false;
  }
  return true;
}

// Alertmanager's SortSilences: active (endsAt ascending), then pending (startsAt ascending), then
// expired (endsAt descending).
void SortSilences(std::vector<correlate::Silence>* list, absl::Time now) {
  auto rank = [](correlate::SilenceState s) {
    return s == correlate::SilenceState::kActive ? 0 : s == correlate::SilenceState::kPending ? 1 : 2;
  };
  std::stable_sort(list->begin(), list->end(), [&](const correlate::Silence& a, const correlate::Silence& b) {
    int ra = rank(a.State(now)), rb = rank(b.State(now));
    if (ra != rb) return ra < rb;
    if (ra == 0) return a.ends_at < b.ends_at;
    if (ra == 1) return a.starts_at < b.starts_at;
    return a.ends_at > b.ends_at;
  });
}

}  // namespace

core::HttpResponse SilencesApi::List(const core::HttpRequest& req) const {
  correlate::Matchers filter;
  for (const auto& [k, v] : req.query) {
    if (k != "filter") continue;
    auto ms = correlate::ParseMatcherText(v);
    if (!ms.ok()) return Error(400, fmt::format("bad filter: {}", std::string(ms.status().message())));
    for (auto& m : *ms) filter.push_back(std::move(m));
  }
  absl::Time now = clock_->Now().ToAbsl();
  std::vector<correlate::Silence> list = silencer_->List();
  SortSilences(&list, now);
  std::string out = "[";
  bool first = true;
  for (const correlate::Silence& s : list) {
    if (!MatchesFilter(s, filter)) continue;
    if (!first) out += ',';
    first = false;
    out += correlate::SilenceToJson(s, now);
  }
  out += "]";
  return core::HttpResponse::Json(200, std::move(out));
}

core::HttpResponse SilencesApi::Post(const core::HttpRequest& req) const {
  auto s = correlate::SilenceFromJson(req.body);
  if (!s.ok()) return Error(400, s.status().message() == "" ? "bad silence" : std::string(s.status().message()));
  auto id = silencer_->Upsert(std::move(*s), clock_->Now().ToAbsl());
  if (!id.ok()) {
    absl::StatusCode c = id.status().code();  // Unavailable: the snapshot file could not be written.
    return Error(c == absl::StatusCode::kNotFound ? 404 : c == absl::StatusCode::kUnavailable ? 503 : 400,
                 std::string(id.status().message()));
  }
  return core::HttpResponse::Json(200, fmt::format("{{\"silenceID\":{}}}", correlate::JsonQuote(*id)));
}

core::HttpResponse SilencesApi::Get(const core::HttpRequest& req) const {
  auto s = silencer_->Get(req.PathParam("id"));
  if (!s.ok()) return Error(404, std::string(s.status().message()));
  return core::HttpResponse::Json(200, correlate::SilenceToJson(*s, clock_->Now().ToAbsl()));
}

core::HttpResponse SilencesApi::Delete(const core::HttpRequest& req) const {
  absl::Status st = silencer_->Expire(req.PathParam("id"), clock_->Now().ToAbsl());
  if (st.code() == absl::StatusCode::kNotFound) return Error(404, std::string(st.message()));
  if (st.code() == absl::StatusCode::kUnavailable) return Error(503, std::string(st.message()));
  if (!st.ok()) return Error(400, std::string(st.message()));
  return core::HttpResponse::Json(200, "");
}

absl::Status SilencesApi::Register(Router* router) const {
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v2/silences", [this](const core::HttpRequest& r) { return List(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("POST", "/api/v2/silences", [this](const core::HttpRequest& r) { return Post(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v2/silence/{id}", [this](const core::HttpRequest& r) { return Get(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("DELETE", "/api/v2/silence/{id}", [this](const core::HttpRequest& r) { return Delete(r); }));
  return absl::OkStatus();
}

}  // namespace quell::server
