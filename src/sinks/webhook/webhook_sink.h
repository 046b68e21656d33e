// src/sinks/webhook/webhook_sink.h
//
// WebhookSink: a Receiver POSTing JSON to an HTTP endpoint, in one of two payloads:
//   alertmanager  Alertmanager's webhook body, so existing consumers work unchanged:
//                 {"version":"4","groupKey","truncatedAlerts","status","receiver","groupLabels",
//                  "commonLabels","commonAnnotations","externalURL","alerts":[{"status","labels",
//                  "annotations","startsAt","endsAt","generatorURL","fingerprint"}]};
//                 firing alerts carry endsAt "0001-01-01T00:00:00Z"; a missing fingerprint is
//                 computed as Alertmanager does (FNV-1a 64 over sorted labels, 0xFF separators);
//                 alerts are in Alertmanager's order (alert_order.h); externalURL is Quell's base
//                 external URL (AlertmanagerExternalUrl), not the incident link.
//   quell         the whole Notification (notification_json.h).
// `max_alerts` keeps the first N alerts (in that order) and adds the rest to truncatedAlerts.
// send_resolved: false (nothing when the incident resolves, resolved alerts left out of firing
// notifications (both payloads), and nothing for an update that only resolved alerts) is applied
// around the sink: BuildReceivers wraps it in a SendResolvedReceiver (send_resolved_receiver.h);
// the sink posts what it is given. Basic or bearer auth come from secret references. Responses
// follow http_outcome.h (307/308 redirects are followed by HttpClient). Thread-safe.
#ifndef QUELL_SINKS_WEBHOOK_WEBHOOK_SINK_H_
#define QUELL_SINKS_WEBHOOK_WEBHOOK_SINK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/label_set.h"
#include "sinks/http_client.h"
#include "sinks/receiver.h"
#include "sinks/webhook/webhook_config.h"

namespace quell::sinks {

class WebhookSink final : public Receiver {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WebhookSink>> Create(std::string name, int index,
                                                                           WebhookConfig config,
                                                                           std::shared_ptr<HttpClient> http,
                                                                           const core::Clock* clock);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "webhook"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

  std::string Body(const core::Notification& n) const;

 private:
  WebhookSink(std::string name, int index, WebhookConfig config, std::string url, std::string auth,
              std::shared_ptr<HttpClient> http, const core::Clock* clock);
  std::string name_;
  std::string id_;
  WebhookConfig config_;
  std::string url_;
  std::string auth_header_;  // Authorization value, or empty.
  std::shared_ptr<HttpClient> http_;
  const core::Clock* clock_;
};

// Alertmanager's webhook body for `n` (exposed for tests and the compat suite).
std::string AlertmanagerWebhookBody(const core::Notification& n, int max_alerts);
// Alertmanager's `externalURL` for `n`: the base URL Quell is reached at (correlate.external_url),
// from which consumers build their links. The engine sets Notification::external_url to
// "{external_url}/api/v1/incidents/{incident_id}" (incidents) or "{external_url}/api/v1/incidents"
// (storms); that suffix is removed. Any other value is returned as is.
std::string_view AlertmanagerExternalUrl(const core::Notification& n);
// Alertmanager's alert fingerprint: 16 hex digits.
std::string AlertmanagerFingerprint(const core::LabelSet& labels);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_WEBHOOK_WEBHOOK_SINK_H_
