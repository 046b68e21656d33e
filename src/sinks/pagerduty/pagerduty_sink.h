// src/sinks/pagerduty/pagerduty_sink.h
//
// PagerDutySink: a Receiver for the PagerDuty Events API v2 (POST {url}/v2/enqueue).
//   firing    -> event_action "trigger" with dedup_key = Notification::dedup_key, payload
//                {summary (<= 1024 chars, "…" when cut), source, severity (critical / error /
//                warning / info; unknown maps to error), timestamp, component, group, class,
//                custom_details {incident_id, root_cause_service, impacted_services, firing,
//                resolved, truncated_alerts, members[] (at most max_members), group_key, deploy}},
//                links [runbook, deploy], client, client_url (external_url).
//   resolved  -> event_action "resolve" with the same dedup_key (skipped when send_resolved is
//                false: reported OK without a request).
//   gate verdicts and storms are triggers like incidents.
// Optional change events (`send_change_events`): a firing incident with an attributed deploy also
// POSTs {url}/v2/change/enqueue once per attempt; its outcome does not affect the page's.
// Responses follow http_outcome.h: 202 OK, 400 permanent, 429/5xx retried.
// The routing key is resolved at construction and appears only in request bodies.
// Thread-safe; `http` is shared and must outlive the sink (shared_ptr).
#ifndef QUELL_SINKS_PAGERDUTY_PAGERDUTY_SINK_H_
#define QUELL_SINKS_PAGERDUTY_PAGERDUTY_SINK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "sinks/http_client.h"
#include "sinks/pagerduty/pagerduty_config.h"
#include "sinks/receiver.h"

namespace quell::sinks {

class PagerDutySink final : public Receiver {
 public:
  // Resolves the routing key. Errors name the receiver and the secret reference, never the key.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PagerDutySink>> Create(
      std::string name, int index, PagerDutyConfig config, std::shared_ptr<HttpClient> http, const core::Clock* clock);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "pagerduty"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

  // The enqueue body for `n` (exposed for tests and docs).
  std::string EventBody(const core::Notification& n) const;
  // The change-event body for `n`'s deploy. REQUIRES: n.deploy.
  std::string ChangeBody(const core::Notification& n) const;

 private:
  PagerDutySink(std::string name, int index, PagerDutyConfig config, std::string key,
                std::shared_ptr<HttpClient> http, const core::Clock* clock);
  std::string name_;
  std::string id_;
  PagerDutyConfig config_;
  std::string routing_key_;
  std::shared_ptr<HttpClient> http_;
  const core::Clock* clock_;
};

// "critical", "error", "warning" or "info".
std::string_view PagerDutySeverity(core::Severity s);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_PAGERDUTY_PAGERDUTY_SINK_H_
