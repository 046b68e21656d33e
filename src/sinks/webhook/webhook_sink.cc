// src/sinks/webhook/webhook_sink.cc
#include "sinks/webhook/webhook_sink.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "sinks/alert_order.h"
#include "sinks/http_outcome.h"
#include "sinks/notification_json.h"

namespace quell::sinks {
namespace {

constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

absl::StatusOr<std::string> ResolveFor(const core::SecretRef& ref, std::string_view name, std::string_view field) {
  auto v = ref.Resolve();
  if (!v.ok()) {
    return absl::Status(v.status().code(), fmt::format("webhook receiver \"{}\": {}: {}", name, field,
                                                       core::FromAbsl(v.status().message())));
  }
  return v;
}

constexpr std::string_view kIncidentsPath = "/api/v1/incidents";

}  // namespace

std::string_view AlertmanagerExternalUrl(const core::Notification& n) {
  std::string_view url = n.external_url;
  if (!n.incident_id.empty()) {
    std::string incident = fmt::format("{}/{}", kIncidentsPath, n.incident_id);
    if (url.ends_with(incident)) return url.substr(0, url.size() - incident.size());
  }
  if (url.ends_with(kIncidentsPath)) return url.substr(0, url.size() - kIncidentsPath.size());
  return url;
}

// Alertmanager's fingerprint (core/fingerprint.h), as its webhook payload writes it.
std::string AlertmanagerFingerprint(const core::LabelSet& labels) {
  return fmt::format("{:016x}", core::AlertmanagerFingerprint(labels.view()));
}

std::string AlertmanagerWebhookBody(const core::Notification& n, int max_alerts) {
  std::string out;
  out.reserve(512 + 384 * std::min<size_t>(n.alerts.size(), 16));  // Typical sizes: no regrowth.
  core::JsonWriter w(&out);
  // Sorted before truncation, as Alertmanager's dispatcher does, so the same alerts survive it.
  std::vector<const core::NotifiedAlert*> sorted = SortedAlerts(n.alerts);
  size_t shown = sorted.size();
  if (max_alerts > 0) shown = std::min(shown, static_cast<size_t>(max_alerts));
  w.BeginObject();
  w.Field("receiver", n.receiver);
  w.Field("status", NotificationStatusName(n.status));
  w.Key("alerts");
  w.BeginArray();
  for (size_t i = 0; i < shown; ++i) {
    const auto& a = *sorted[i];
    w.BeginObject();
    w.Field("status", a.resolved ? "resolved" : "firing");
    w.Key("labels");
    w.Labels(a.labels.view());
    w.Key("annotations");
    w.Labels(a.annotations.view());
    w.Field("startsAt", a.starts_at.is_zero() ? std::string(kZeroTime) : core::FormatRfc3339(a.starts_at.ToAbsl()));
    w.Field("endsAt", (a.ends_at.is_zero() || !a.resolved) ? std::string(kZeroTime)
                                                            : core::FormatRfc3339(a.ends_at.ToAbsl()));
    w.Field("generatorURL", a.generator_url);
    w.Field("fingerprint", a.fingerprint.empty() ? AlertmanagerFingerprint(a.labels) : a.fingerprint);
    w.EndObject();
  }
  w.EndArray();
  w.Key("groupLabels");
  w.Labels(n.group_labels.view());
  w.Key("commonLabels");
  w.Labels(n.common_labels.view());
  w.Key("commonAnnotations");
  w.Labels(n.common_annotations.view());
  w.Field("externalURL", AlertmanagerExternalUrl(n));
  w.Field("version", "4");
  w.Field("groupKey", n.group_key);
  w.Field("truncatedAlerts", static_cast<uint64_t>(n.truncated_alerts + (n.alerts.size() - shown)));
  w.EndObject();
  return out;
}

absl::StatusOr<std::unique_ptr<WebhookSink>> WebhookSink::Create(std::string name, int index, WebhookConfig config,
                                                                 std::shared_ptr<HttpClient> http,
                                                                 const core::Clock* clock) {
  auto url = ResolveFor(config.url, name, "url");
  if (!url.ok()) return url.status();
  std::string auth;
  if (config.bearer_token) {
    auto t = ResolveFor(*config.bearer_token, name, "bearer_token");
    if (!t.ok()) return t.status();
    auth = "Bearer " + *t;
  } else if (config.basic_auth_password) {
    auto p = ResolveFor(*config.basic_auth_password, name, "basic_auth.password");
    if (!p.ok()) return p.status();
    std::string creds = config.basic_auth_username + ":" + *p;
    auth = "Basic " + absl::Base64Escape(core::ToAbsl(creds));
  }
  return std::unique_ptr<WebhookSink>(new WebhookSink(std::move(name), index, std::move(config), std::move(*url),
                                                      std::move(auth), std::move(http), clock));
}

WebhookSink::WebhookSink(std::string name, int index, WebhookConfig config, std::string url, std::string auth,
                         std::shared_ptr<HttpClient> http, const core::Clock* clock)
    : name_(std::move(name)),
      id_(IntegrationId(name_, "webhook", index)),
      config_(std::move(config)),
      url_(std::move(url)),
      auth_header_(std::move(auth)),
      http_(std::move(http)),
      clock_(clock) {}

std::string WebhookSink::Body(const core::Notification& n) const {
  if (config_.payload == WebhookPayload::kQuell) return NotificationToJson(n);
  return AlertmanagerWebhookBody(n, config_.max_alerts);
}

void WebhookSink::Deliver(const core::Notification& n, DeliveryCallback done) {
  HttpCall call;
  call.url = url_;
  call.headers = {{"Content-Type", "application/json"}, {"User-Agent", "Quell"}};
  if (!auth_header_.empty()) call.headers.emplace_back("Authorization", auth_header_);
  call.body = Body(n);
  // The callback may run after this sink is destroyed (the HttpClient is shared): copy, don't
  // capture `this`.
  http_->Send(std::move(call), [name = name_, clock = clock_, done = std::move(done)](HttpResult r) {
    done(OutcomeFromHttp(r, "webhook", name, clock->Now()));
  });
}

}  // namespace quell::sinks
