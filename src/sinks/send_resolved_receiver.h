// src/sinks/send_resolved_receiver.h
//
// SendResolvedReceiver: a Receiver that applies an integration's `send_resolved: false` around the
// integration itself, as Alertmanager applies SendResolved() in notify.RetryStage and
// notify.DedupStage around each integration rather than inside it. The integrations (PagerDuty,
// Slack, webhook, file, stdout, Kafka) know nothing of send_resolved; BuildReceivers and
// BuildKafkaReceiver wrap each one whose config says `send_resolved: false` (WithSendResolved), and
// leave the others bare.
//
// Operation: Deliver runs `n` through a SendResolvedFilter (send_resolved_filter.h, which holds the
// rules and the per-incident state):
//   - what the filter drops (a resolved notification; a firing one that only resolved members since
//     the last delivery) is reported OK at once, and the inner receiver is not called;
//   - anything else goes to the inner receiver as the filter returns it (`n` itself, or a copy
//     without its resolved members), with `done` wrapped by SendResolvedFilter::Track so that an
//     OK outcome, and only an OK one, records what was delivered (a failed attempt records nothing:
//     its retry is judged the same way).
// Gate verdicts: with GateVerdicts::kPassThrough (Kafka) they go to the inner receiver untouched
// and unrecorded, whatever their status; with kFiltered (every other integration) they are
// filtered like incidents, so a passing verdict (status resolved) is not sent. Storm roll-ups are
// filtered everywhere (a storm's end is a resolved notification).
//
// Everything else is the inner receiver's: name(), type() and id() are forwarded (the outbox,
// circuit breaker and rate limit are keyed by the inner id), and so are its outcomes and their
// status messages, unchanged.
//
// Threading: thread-safe when the inner receiver is (every Receiver is). Lifetime: owns the inner
// receiver; callbacks never touch this object (the filter's state is shared with them), so they
// may run after it is destroyed, as the Receiver contract allows.
#ifndef QUELL_SINKS_SEND_RESOLVED_RECEIVER_H_
#define QUELL_SINKS_SEND_RESOLVED_RECEIVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/notification.h"
#include "sinks/receiver.h"
#include "sinks/send_resolved_filter.h"

namespace quell::sinks {

class SendResolvedReceiver final : public Receiver {
 public:
  // Whether gate verdicts (core::NotificationKind::kGateVerdict) are filtered like incidents.
  enum class GateVerdicts : uint8_t {
    kFiltered,     // PagerDuty, Slack, webhook, file, stdout.
    kPassThrough,  // Kafka: a verdict is published whatever its status.
  };

  // REQUIRES: `inner` is not null. `max_incidents` bounds the filter's state (see
  // send_resolved_filter.h).
  SendResolvedReceiver(std::unique_ptr<Receiver> inner, GateVerdicts gate_verdicts,
                       size_t max_incidents = 10000);

  const std::string& name() const override { return inner_->name(); }
  std::string_view type() const override { return inner_->type(); }
  const std::string& id() const override { return inner_->id(); }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

  // The integration this one wraps.
  const Receiver& inner() const { return *inner_; }

 private:
  std::unique_ptr<Receiver> inner_;
  GateVerdicts gate_verdicts_;
  SendResolvedFilter filter_;  // send_resolved: false.
};

// `integration` as the Dispatcher should get it for its `send_resolved` setting: itself when
// `send_resolved` is true (no wrapper, nothing filtered, nothing remembered), else wrapped in a
// SendResolvedReceiver. REQUIRES: `integration` is not null.
std::unique_ptr<Receiver> WithSendResolved(std::unique_ptr<Receiver> integration, bool send_resolved,
                                           SendResolvedReceiver::GateVerdicts gate_verdicts);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SEND_RESOLVED_RECEIVER_H_
