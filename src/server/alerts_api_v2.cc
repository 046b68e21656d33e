#include "server/alerts_api_v2.h"

#include <algorithm>
#include <set>
#include <vector>

#include "core/build_info.h"
#include "core/duration.h"
#include "core/event_time.h"
#include "core/status_macros.h"
#include "core/strings.h"
#include "correlate/json_value.h"
#include "fmt/format.h"
#include "re2/re2.h"

namespace quell::server {
namespace {

constexpr std::string_view kAlertmanagerApiVersion = "0.25.0";

using correlate::AppendJsonQuoted;
using correlate::JsonQuote;

core::HttpResponse Error(int status, std::string_view message) {
  return core::HttpResponse::Json(status, JsonQuote(message));
}

std::string Rfc(core::EventTime t) { return core::FormatRfc3339(t.ToAbsl()); }

// Optional boolean query parameter; `def` when absent or empty. As Alertmanager's go-openapi
// binding (swag.ConvertBool): true for true, 1, yes, ok, y, on, selected, checked, t, enabled (any
// case), false for anything else, never an error.
bool BoolParam(const core::HttpRequest& req, std::string_view name, bool def) {
  if (!req.HasQuery(name)) return def;
  std::string_view v = req.Query(name);
  if (v.empty()) return def;
  for (std::string_view t : {"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"}) {
    if (core::EqualsIgnoreCase(v, t)) return true;
  }
  return false;
}

struct AlertFilter {
  correlate::Matchers matchers;
  bool active = true, silenced = true, inhibited = true, unprocessed = true;
  std::unique_ptr<RE2> receiver;

  bool Keep(const correlate::AlertView& a) const {
    if (!correlate::MatchesAll(matchers, a.labels.view())) return false;
    if (a.state == "active" && !active) return false;
    if (a.state == "unprocessed" && !unprocessed) return false;
    if (a.state == "suppressed") {
      bool is_silenced = !a.silenced_by.empty();
      bool is_inhibited = !a.inhibited_by.empty();
      if (is_silenced && !silenced) return false;
      if (is_inhibited && !inhibited) return false;
      if (!is_silenced && !is_inhibited && !active) return false;  // Maintenance window.
    }
    if (receiver) {
      bool any = false;
      for (const std::string& r : a.receivers) {
        if (RE2::FullMatch(r, *receiver)) any = true;
      }
      if (!any) return false;
    }
    return true;
  }
};

absl::StatusOr<std::unique_ptr<AlertFilter>> ParseFilter(const core::HttpRequest& req) {
  auto f = std::make_unique<AlertFilter>();
  for (const auto& [k, v] : req.query) {
    if (k != "filter") continue;
    auto ms = correlate::ParseMatcherText(v);
    if (!ms.ok()) return absl::InvalidArgumentError(fmt::format("bad filter: {}", std::string(ms.status().message())));
    for (auto& m : *ms) f->matchers.push_back(std::move(m));
  }
  f->active = BoolParam(req, "active", true);
  f->silenced = BoolParam(req, "silenced", true);
  f->inhibited = BoolParam(req, "inhibited", true);
  f->unprocessed = BoolParam(req, "unprocessed", true);
  if (req.HasQuery("receiver")) {
    RE2::Options opts;
    opts.set_log_errors(false);
    f->receiver = std::make_unique<RE2>("^(?:" + std::string(req.Query("receiver")) + ")$", opts);
    if (!f->receiver->ok()) return absl::InvalidArgumentError("bad receiver regular expression");
  }
  return f;
}

void CollectReceivers(const correlate::RouteConfig& r, std::set<std::string>* out) {
  out->insert(r.receiver);
  if (!r.low_urgency_receiver.empty()) out->insert(r.low_urgency_receiver);
  for (const auto& c : r.routes) CollectReceivers(c, out);
}

void RenderRoute(const correlate::RouteConfig& r, const correlate::RouteConfig* parent, int indent, std::string* out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  fmt::format_to(std::back_inserter(*out), "{}receiver: {}\n", pad, JsonQuote(r.receiver));
  if (!r.matchers.empty()) {
    *out += pad + "matchers:\n";
    for (const auto& m : r.matchers) fmt::format_to(std::back_inserter(*out), "{}  - {}\n", pad, JsonQuote(m.ToString()));
  }
  if (r.continue_matching) *out += pad + "continue: true\n";
  if (parent == nullptr || r.group_by != parent->group_by || r.group_by_all != parent->group_by_all) {
    *out += pad + "group_by: [";
    if (r.group_by_all) {
      *out += "'...'";
    } else {
      for (size_t i = 0; i < r.group_by.size(); ++i) {
        *out += (i ? ", " : "");
        *out += JsonQuote(r.group_by[i]);
      }
    }
    *out += "]\n";
  }
  fmt::format_to(std::back_inserter(*out), "{}group_wait: {}\n{}group_interval: {}\n{}repeat_interval: {}\n", pad,
                 core::DurationToString(r.group_wait), pad, core::DurationToString(r.group_interval), pad,
                 core::DurationToString(r.repeat_interval));
  for (const auto* list : {&r.mute_time_intervals, &r.active_time_intervals}) {
    if (list->empty()) continue;
    *out += pad + (list == &r.mute_time_intervals ? "mute_time_intervals: [" : "active_time_intervals: [");
    for (size_t i = 0; i < list->size(); ++i) {
      *out += (i ? ", " : "");
      *out += JsonQuote((*list)[i]);
    }
    *out += "]\n";
  }
  if (!r.routes.empty()) {
    *out += pad + "routes:\n";
    for (const auto& c : r.routes) {
      std::string child;
      RenderRoute(c, &r, indent + 4, &child);
      child.replace(static_cast<size_t>(indent) + 2, 2, "- ");
      *out += child;
    }
  }
}

}  // namespace

std::string LabelsToJson(const core::LabelSet& labels) {
  std::string out = "{";
  bool first = true;
  for (const core::Label& l : labels.view()) {
    if (!first) out += ',';
    first = false;
    AppendJsonQuoted(&out, l.name);
    out += ':';
    AppendJsonQuoted(&out, l.value);
  }
  return out + "}";
}

std::string AlertViewToJson(const correlate::AlertView& a) {
  core::EventTime ends = a.ends_at;
  if (ends.is_zero() || (a.firing && ends < a.updated_at)) ends = a.updated_at + absl::Minutes(5);
  std::string out = "{\"annotations\":" + LabelsToJson(a.annotations);
  out += ",\"endsAt\":" + JsonQuote(Rfc(ends));
  out += ",\"fingerprint\":" + JsonQuote(a.am_fingerprint);
  out += ",\"receivers\":[";
  for (size_t i = 0; i < a.receivers.size(); ++i) {
    out += (i ? "," : "");
    out += "{\"name\":";
    out += JsonQuote(a.receivers[i]);
    out += "}";
  }
  out += "],\"startsAt\":" + JsonQuote(Rfc(a.starts_at));
  out += ",\"status\":{\"inhibitedBy\":[";
  for (size_t i = 0; i < a.inhibited_by.size(); ++i) {
    out += (i ? "," : "");
    out += JsonQuote(a.inhibited_by[i]);
  }
  out += "],\"silencedBy\":[";
  for (size_t i = 0; i < a.silenced_by.size(); ++i) {
    out += (i ? "," : "");
    out += JsonQuote(a.silenced_by[i]);
  }
  out += "],\"state\":" + JsonQuote(a.state) + "}";
  out += ",\"updatedAt\":" + JsonQuote(Rfc(a.updated_at));
  if (!a.generator_url.empty()) out += ",\"generatorURL\":" + JsonQuote(a.generator_url);
  out += ",\"labels\":" + LabelsToJson(a.labels) + "}";
  return out;
}

std::string RenderAlertmanagerConfig(const correlate::RulesConfig& cfg) {
  std::string out = "# Rendered by Quell from its rules (Quell-only keys omitted).\nroute:\n";
  RenderRoute(cfg.route, nullptr, 2, &out);
  std::set<std::string> receivers;
  CollectReceivers(cfg.route, &receivers);
  for (const auto& r : cfg.rate_limits) {
    receivers.insert(r.receiver);
    receivers.insert(r.storm_receiver);
  }
  out += "receivers:\n";
  for (const std::string& r : receivers) out += "  - name: " + JsonQuote(r) + "\n";
  if (!cfg.inhibit_rules.empty()) {
    out += "inhibit_rules:\n";
    for (const auto& r : cfg.inhibit_rules) {
      out += "  - source_matchers: [";
      for (size_t i = 0; i < r.source_matchers.size(); ++i) {
        out += (i ? ", " : "");
        out += JsonQuote(r.source_matchers[i].ToString());
      }
      out += "]\n    target_matchers: [";
      for (size_t i = 0; i < r.target_matchers.size(); ++i) {
        out += (i ? ", " : "");
        out += JsonQuote(r.target_matchers[i].ToString());
      }
      out += "]\n";
      if (!r.equal.empty()) {
        out += "    equal: [";
        for (size_t i = 0; i < r.equal.size(); ++i) {
          out += (i ? ", " : "");
          out += JsonQuote(r.equal[i]);
        }
        out += "]\n";
      }
    }
  }
  if (!cfg.time_intervals.empty()) {
    // Names only with an always-empty interval list would change semantics; list names with their
    // intervals' weekday/time ranges is enough for amtool's routing display.
    out += "time_intervals:\n";
    for (const auto& t : cfg.time_intervals) out += "  - name: " + JsonQuote(t.name) + "\n    time_intervals: []\n";
  }
  return out;
}

AlertsApiV2::AlertsApiV2(correlate::ShardedEngine* engine, const core::Clock* clock, std::vector<std::string> receivers)
    : engine_(engine), clock_(clock), started_(clock->Now()), receivers_(std::move(receivers)) {}

core::HttpResponse AlertsApiV2::Alerts(const core::HttpRequest& req) const {
  auto filter = ParseFilter(req);
  if (!filter.ok()) return Error(400, std::string(filter.status().message()));
  std::vector<correlate::AlertView> all = engine_->Alerts();
  std::vector<const correlate::AlertView*> kept;
  for (const correlate::AlertView& a : all) {
    if ((*filter)->Keep(a)) kept.push_back(&a);
  }
  // api.go sorts by fingerprint: 16 lowercase hex digits, so text order is numeric order.
  std::sort(kept.begin(), kept.end(), [](const correlate::AlertView* a, const correlate::AlertView* b) {
    return a->am_fingerprint < b->am_fingerprint;
  });
  std::string out = "[";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += ',';
    out += AlertViewToJson(*kept[i]);
  }
  return core::HttpResponse::Json(200, out + "]");
}

core::HttpResponse AlertsApiV2::Groups(const core::HttpRequest& req) const {
  auto filter = ParseFilter(req);
  if (!filter.ok()) return Error(400, std::string(filter.status().message()));
  // Alertmanager's order (dispatch.AlertGroups): by group labels (name, then value, label by
  // label; a prefix first), then by receiver.
  std::vector<correlate::AlertGroupView> groups = engine_->Groups();
  std::sort(groups.begin(), groups.end(), [](const correlate::AlertGroupView& a, const correlate::AlertGroupView& b) {
    core::LabelView x = a.labels.view(), y = b.labels.view();
    const auto order = std::lexicographical_compare_three_way(
        x.begin(), x.end(), y.begin(), y.end(), [](const core::Label& l, const core::Label& r) {
          const auto by_name = l.name <=> r.name;
          return by_name != 0 ? by_name : l.value <=> r.value;
        });
    return order != 0 ? order < 0 : a.receiver < b.receiver;
  });
  std::string out = "[";
  bool first = true;
  for (const correlate::AlertGroupView& g : groups) {
    std::string alerts;
    for (const correlate::AlertView& a : g.alerts) {
      if (!(*filter)->Keep(a)) continue;
      if (!alerts.empty()) alerts += ',';
      alerts += AlertViewToJson(a);
    }
    if (alerts.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"alerts\":[" + alerts + "],\"labels\":" + LabelsToJson(g.labels) + ",\"receiver\":{\"name\":" +
           JsonQuote(g.receiver) + "}}";
  }
  return core::HttpResponse::Json(200, out + "]");
}

core::HttpResponse AlertsApiV2::Status(const core::HttpRequest&) const {
  auto rules = engine_->rules();
  std::string original = RenderAlertmanagerConfig(rules->config());
  absl::Duration up = clock_->Now() - started_;
  std::string out = "{\"cluster\":{\"name\":\"quell\",\"peers\":[],\"status\":\"disabled\"}";
  out += ",\"config\":{\"original\":" + JsonQuote(original) + "}";
  out += ",\"uptime\":" + JsonQuote(core::FormatRfc3339(started_.ToAbsl()));
  // `version` is the Alertmanager API level Quell serves (what amtool 0.25 is tested against):
  // clients compare it (amtool warns on a mismatch; dashboards such as karma pick the API by it).
  // Quell's own version is in `revision`.
  out += fmt::format(",\"versionInfo\":{{\"branch\":\"main\",\"buildDate\":\"\",\"buildUser\":\"quell\",\"goVersion\":\"none\","
                     "\"revision\":{},\"version\":\"{}\"}}",
                     JsonQuote(fmt::format("quell {}", core::kQuellVersion)), kAlertmanagerApiVersion);
  (void)up;
  return core::HttpResponse::Json(200, out + "}");
}

core::HttpResponse AlertsApiV2::Receivers(const core::HttpRequest&) const {
  auto rules = engine_->rules();
  std::set<std::string> receivers;
  CollectReceivers(rules->config().route, &receivers);
  receivers.insert(receivers_.begin(), receivers_.end());
  for (const auto& r : rules->config().rate_limits) receivers.insert(r.storm_receiver);
  std::string out = "[";
  bool first = true;
  for (const std::string& r : receivers) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":" + JsonQuote(r) + "}";
  }
  return core::HttpResponse::Json(200, out + "]");
}

absl::Status AlertsApiV2::Register(Router* router) const {
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v2/alerts", [this](const core::HttpRequest& r) { return Alerts(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v2/alerts/groups", [this](const core::HttpRequest& r) { return Groups(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v2/status", [this](const core::HttpRequest& r) { return Status(r); }));
  QUELL_RETURN_IF_ERROR(router->Route("GET", "/api/v2/receivers", [this](const core::HttpRequest& r) { return Receivers(r); }));
  return absl::OkStatus();
}

}  // namespace quell::server
