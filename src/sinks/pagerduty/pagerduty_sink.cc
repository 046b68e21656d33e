// src/sinks/pagerduty/pagerduty_sink.cc
#include "sinks/pagerduty/pagerduty_sink.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "core/json_writer.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "sinks/alert_order.h"
#include "simdjson.h"
#include "sinks/http_outcome.h"

namespace quell::sinks {
namespace {

// Alertmanager's text (units.MetricBytes(512000) prints "512KB").
constexpr std::string_view kDetailsRemoved =
    "Custom details have been removed because the original event exceeds the maximum size of 512KB";

}  // namespace

std::string_view PagerDutySeverity(core::Severity s) {
  switch (s) {
    case core::Severity::kCritical: return "critical";
    case core::Severity::kError: return "error";
    case core::Severity::kWarning: return "warning";
    case core::Severity::kInfo:
    case core::Severity::kDebug: return "info";
    case core::Severity::kUnknown: return "error";
  }
  return "error";
}

absl::StatusOr<std::unique_ptr<PagerDutySink>> PagerDutySink::Create(std::string name, int index,
                                                                     PagerDutyConfig config,
                                                                     std::shared_ptr<HttpClient> http,
                                                                     const core::Clock* clock) {
  auto key = config.routing_key.Resolve();
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        fmt::format("pagerduty receiver \"{}\": routing_key: {}", name, core::FromAbsl(key.status().message())));
  }
  return std::unique_ptr<PagerDutySink>(
      new PagerDutySink(std::move(name), index, std::move(config), std::move(*key), std::move(http), clock));
}

// The deploys this integration announced (or is announcing) with a change event, the oldest
// forgotten first.
struct PagerDutySink::Announced {
  // True iff `key` was not announced yet; it counts as announced from now on.
  bool Claim(const std::string& key) {
    std::lock_guard<std::mutex> l(mu);
    if (!keys.insert(key).second) return false;
    order.push_back(key);
    while (order.size() > kPagerDutyChangeMemory) {
      keys.erase(order.front());
      order.pop_front();
    }
    return true;
  }
  // The announcement of `key` failed: a later notification tries again.
  void Release(const std::string& key) {
    std::lock_guard<std::mutex> l(mu);
    if (keys.erase(key) == 0) return;
    auto it = std::find(order.rbegin(), order.rend(), key);
    if (it != order.rend()) order.erase(std::next(it).base());
  }

  std::mutex mu;
  absl::flat_hash_set<std::string> keys;  // Guarded by mu.
  std::deque<std::string> order;          // Claim order; guarded by mu.
};

PagerDutySink::PagerDutySink(std::string name, int index, PagerDutyConfig config, std::string key,
                             std::shared_ptr<HttpClient> http, const core::Clock* clock)
    : name_(std::move(name)),
      id_(IntegrationId(name_, "pagerduty", index)),
      config_(std::move(config)),
      endpoints_(PagerDutyEndpointsFor(config_.url)),
      announced_(std::make_shared<Announced>()),
      routing_key_(std::move(key)),
      http_(std::move(http)),
      clock_(clock) {}

std::string PagerDutySink::EventBody(const core::Notification& n) const {
  std::string body = Body(n, Details::kFull);
  if (body.size() <= kPagerDutyMaxEventBytes) return body;
  body = Body(n, Details::kRemoved);
  if (body.size() <= kPagerDutyMaxEventBytes) return body;
  return Body(n, Details::kRemovedNoLinks);
}

std::string PagerDutySink::Body(const core::Notification& n, Details details) const {
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("routing_key", routing_key_);
  bool resolve = n.status == core::NotificationStatus::kResolved;
  w.Field("event_action", resolve ? "resolve" : "trigger");
  w.Field("dedup_key", TruncateUtf8(n.dedup_key, 255));
  if (resolve) {
    w.EndObject();
    return out;
  }
  std::string_view root = n.root_cause_service;
  // Listed, truncated and searched for a source link in Alertmanager's order.
  std::vector<const core::NotifiedAlert*> members = SortedAlerts(n.alerts);
  w.Key("payload");
  w.BeginObject();
  w.Field("summary", TruncateUtf8(n.summary.empty() ? std::string_view("Quell incident") : n.summary, 1024));
  w.Field("source", !config_.source.empty() ? config_.source : !root.empty() ? root : std::string_view("quell"));
  w.Field("severity", PagerDutySeverity(n.severity));
  w.Field("timestamp", core::FormatRfc3339(n.time.ToAbsl()));
  std::string_view component = !config_.component.empty() ? std::string_view(config_.component) : root;
  if (!component.empty()) w.Field("component", component);
  std::string_view group = !config_.group.empty() ? std::string_view(config_.group) : n.common_labels.Get("env");
  if (!group.empty()) w.Field("group", group);
  std::string_view cls = !config_.class_.empty() ? std::string_view(config_.class_) : n.common_labels.Get("alertname");
  if (!cls.empty()) w.Field("class", cls);
  w.Key("custom_details");
  w.BeginObject();
  if (details != Details::kFull) {
    w.Field("error", kDetailsRemoved);
  } else {
    w.Field("incident_id", n.incident_id);
    if (!root.empty()) w.Field("root_cause_service", root);
    w.Key("impacted_services");
    w.BeginArray();
    for (const auto& s : n.impacted_services) w.String(s);
    w.EndArray();
    w.Field("firing", n.firing_count);
    w.Field("resolved", n.resolved_count);
    size_t shown = std::min(members.size(), static_cast<size_t>(config_.max_members));
    w.Field("truncated_alerts", static_cast<uint64_t>(n.truncated_alerts + (members.size() - shown)));
    w.Key("members");
    w.BeginArray();
    for (size_t i = 0; i < shown; ++i) w.String(members[i]->labels.ToString());
    w.EndArray();
    if (!n.common_annotations.empty()) {
      // What the alerts' senders wrote for humans (summary, description, runbook_url): the
      // annotations every member shares, as Alertmanager's default PagerDuty details show them.
      w.Key("annotations");
      w.Labels(n.common_annotations.view());
    }
    if (!n.group_key.empty()) w.Field("group_key", n.group_key);
    if (n.deploy) {
      w.Field("deploy", fmt::format("{} {} ({})", n.deploy->service, n.deploy->version, n.deploy->env));
    }
  }
  w.EndObject();
  w.EndObject();
  w.Field("client", config_.client);
  if (!n.external_url.empty()) w.Field("client_url", n.external_url);
  w.Key("links");
  w.BeginArray();
  if (details != Details::kRemovedNoLinks) {
    // A web link only: the default file:// runbook link (no runbooks.base_url) opens nowhere on
    // an on-call's phone.
    const bool web_runbook = n.runbook_url.rfind("https://", 0) == 0 || n.runbook_url.rfind("http://", 0) == 0;
    if (web_runbook) {
      w.BeginObject();
      w.Field("href", n.runbook_url);
      w.Field("text", "Runbook");
      w.EndObject();
    }
    for (const core::NotifiedAlert* a : members) {  // The first firing member's source (the Prometheus graph).
      if (a->resolved || a->generator_url.empty()) continue;
      w.BeginObject();
      w.Field("href", a->generator_url);
      w.Field("text", "Source");
      w.EndObject();
      break;
    }
    if (n.deploy && !n.deploy->link.empty()) {
      w.BeginObject();
      w.Field("href", n.deploy->link);
      w.Field("text", fmt::format("Deploy {} {}", n.deploy->service, n.deploy->version));
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return out;
}

std::string PagerDutySink::ChangeBody(const core::Notification& n) const {
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  w.Field("routing_key", routing_key_);
  w.Key("payload");
  w.BeginObject();
  w.Field("summary", TruncateUtf8(fmt::format("Deploy {} {} to {}", n.deploy->service, n.deploy->version,
                                              n.deploy->env), 1024));
  w.Field("timestamp", core::FormatRfc3339(n.deploy->time.ToAbsl()));
  w.Field("source", config_.source.empty() ? std::string_view("quell") : std::string_view(config_.source));
  w.Key("custom_details");
  w.BeginObject();
  w.Field("incident_id", n.incident_id);
  w.EndObject();
  w.EndObject();
  if (!n.deploy->link.empty()) {
    w.Key("links");
    w.BeginArray();
    w.BeginObject();
    w.Field("href", n.deploy->link);
    w.Field("text", "Change");
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  return out;
}

void PagerDutySink::MaybeSendChangeEvent(const core::Notification& n) {
  if (!config_.send_change_events || !n.deploy || n.status != core::NotificationStatus::kFiring) return;
  // One change event per deploy: by what identifies the deploy, not the incident or the attempt.
  std::string key = fmt::format("{}\n{}\n{}\n{}", n.deploy->service, n.deploy->version, n.deploy->env,
                                n.deploy->time.unix_nanos());
  if (!announced_->Claim(key)) return;
  HttpCall change;
  change.url = endpoints_.change;
  change.headers = {{"Content-Type", "application/json"}};
  change.body = ChangeBody(n);
  http_->Send(std::move(change), [announced = announced_, key = std::move(key)](HttpResult r) {
    if (!r.transport_ok || r.status < 200 || r.status >= 300) announced->Release(key);
  });
}

DeliveryOutcome PagerDutyOutcome(const HttpResult& r, std::string_view name, std::string_view routing_key,
                                 core::WallTime now) {
  DeliveryOutcome o = OutcomeFromHttp(r, "pagerduty", name, now);
  if (!r.transport_ok || o.status.ok() || r.status == 429 || r.status < 400 || r.status >= 500) return o;
  // PagerDuty's 400 says why: {"status":"invalid event","message":"Event object is invalid",
  // "errors":["'payload.severity' is invalid ..."]}. Its message and first errors are kept (cut
  // short; an error that would quote the routing key is left out), so the dead letter says what to fix.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (r.body.size() > 16 * 1024 || parser.parse(r.body).get(doc) || !doc.is_object()) return o;
  std::vector<std::string> why;
  auto keep = [&](std::string_view text) {
    if (text.empty() || why.size() >= 4) return;
    if (!routing_key.empty() && text.find(routing_key) != std::string_view::npos) return;
    why.push_back(TruncateUtf8(text, 200));
  };
  std::string_view text;
  if (!doc["message"].get(text)) keep(text);
  simdjson::dom::array errors;
  if (!doc["errors"].get(errors)) {
    for (simdjson::dom::element e : errors) {
      if (!e.get(text)) keep(text);
    }
  }
  if (why.empty()) return o;
  std::string detail = why[0];
  for (size_t i = 1; i < why.size(); ++i) detail += i == 1 ? ": " + why[i] : "; " + why[i];
  o.status = absl::Status(o.status.code(), fmt::format("{}: {}", std::string(o.status.message()), detail));
  return o;
}

void PagerDutySink::Deliver(const core::Notification& n, DeliveryCallback done) {
  MaybeSendChangeEvent(n);
  HttpCall call;
  call.url = endpoints_.events;
  call.headers = {{"Content-Type", "application/json"}};
  call.body = EventBody(n);
  // The callback may run after this sink is destroyed (the HttpClient is shared): copy, don't
  // capture `this`.
  http_->Send(std::move(call), [name = name_, key = routing_key_, clock = clock_, done = std::move(done)](HttpResult r) {
    done(PagerDutyOutcome(r, name, key, clock->Now()));
  });
}

}  // namespace quell::sinks
