// src/sinks/pagerduty/pagerduty_sink.h
//
// PagerDutySink: a Receiver for the PagerDuty Events API v2 (POST {base}/v2/enqueue; `url` may be
// the base or, as in alertmanager.yml, the full events URL: PagerDutyEndpointsFor).
//   firing    -> event_action "trigger" with dedup_key = Notification::dedup_key, payload
//                {summary (<= 1024 chars, "…" when cut), source, severity (critical / error /
//                warning / info; unknown maps to error), timestamp, component, group, class,
//                custom_details {incident_id, root_cause_service, impacted_services, firing,
//                resolved, truncated_alerts, members[] (at most max_members), annotations,
//                group_key, deploy}}, links [runbook, the first firing member's generatorURL,
//                deploy], client, client_url (external_url). Members are taken in Alertmanager's
//                order (alert_order.h).
//   resolved  -> event_action "resolve" with the same dedup_key.
//   gate verdicts and storms are triggers like incidents.
// send_resolved: false (no resolve, resolved members left out of triggers, and no trigger or
// change event for an update that only resolved members) is applied around the sink: BuildReceivers
// wraps it in a SendResolvedReceiver (send_resolved_receiver.h); the sink sends what it is given.
// Size: PagerDuty rejects events over 512 KB (a 400, permanent here). As Alertmanager does, an
// encoded event larger than kPagerDutyMaxEventBytes has its custom_details replaced by
// {"error": "Custom details have been removed because the original event exceeds the maximum
// size of 512KB"}; if it is still too large, its links are dropped too. The page always goes out.
// The notification was redacted before it reached the sink, so the size is that of what is sent.
// Optional change events (`send_change_events`): a firing incident with an attributed deploy also
// POSTs {base}/v2/change/enqueue, once per deploy (service, version, env, deploy time) and
// integration: change events have no dedup_key, so each POST adds a timeline entry. The deploys
// announced are remembered in memory (the last kPagerDutyChangeMemory); one whose POST failed is
// announced again with the next notification. After a restart or reload a deploy still being
// notified about may be announced once more. The change event's outcome does not affect the page's.
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

// PagerDuty's limit on an event (Alertmanager's maxEventSize).
inline constexpr size_t kPagerDutyMaxEventBytes = 512000;
// Deploys remembered per integration as already announced by a change event.
inline constexpr size_t kPagerDutyChangeMemory = 4096;

class PagerDutySink final : public Receiver {
 public:
  // Resolves the routing key. Errors name the receiver and the secret reference, never the key.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PagerDutySink>> Create(
      std::string name, int index, PagerDutyConfig config, std::shared_ptr<HttpClient> http, const core::Clock* clock);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "pagerduty"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

  // The enqueue body for `n` (exposed for tests and docs), at most kPagerDutyMaxEventBytes unless
  // even its summary and routing fields exceed it. `n` as it is sent (for send_resolved: false,
  // as the SendResolvedReceiver around the sink passed it on: without resolved members).
  std::string EventBody(const core::Notification& n) const;
  // The change-event body for `n`'s deploy. REQUIRES: n.deploy.
  std::string ChangeBody(const core::Notification& n) const;

 private:
  struct Announced;
  enum class Details { kFull, kRemoved, kRemovedNoLinks };
  PagerDutySink(std::string name, int index, PagerDutyConfig config, std::string key,
                std::shared_ptr<HttpClient> http, const core::Clock* clock);
  std::string Body(const core::Notification& n, Details details) const;
  void MaybeSendChangeEvent(const core::Notification& n);

  std::string name_;
  std::string id_;
  PagerDutyConfig config_;
  PagerDutyEndpoints endpoints_;
  std::shared_ptr<Announced> announced_;  // Shared with change-event callbacks.
  std::string routing_key_;
  std::shared_ptr<HttpClient> http_;
  const core::Clock* clock_;
};

// "critical", "error", "warning" or "info".
std::string_view PagerDutySeverity(core::Severity s);

// The outcome of one enqueue (OutcomeFromHttp), with PagerDuty's own reason appended for a
// permanent 4xx: its `message` and first `errors` ("...: HTTP 400: Event object is invalid:
// 'payload.severity' is invalid"), each cut to 200 characters; text quoting `routing_key` is
// left out.
DeliveryOutcome PagerDutyOutcome(const HttpResult& r, std::string_view name, std::string_view routing_key,
                                 core::WallTime now);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_PAGERDUTY_PAGERDUTY_SINK_H_
