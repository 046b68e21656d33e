// src/sinks/send_resolved_receiver.cc
#include "sinks/send_resolved_receiver.h"

#include <utility>

#include "core/status_macros.h"

namespace quell::sinks {

SendResolvedReceiver::SendResolvedReceiver(std::unique_ptr<Receiver> inner, GateVerdicts gate_verdicts,
                                           size_t max_incidents)
    : inner_(std::move(inner)), gate_verdicts_(gate_verdicts), filter_(max_incidents) {
  QUELL_CHECK(inner_ != nullptr, "SendResolvedReceiver: no inner receiver");
}

void SendResolvedReceiver::Deliver(const core::Notification& n, DeliveryCallback done) {
  if (n.kind == core::NotificationKind::kGateVerdict && gate_verdicts_ == GateVerdicts::kPassThrough) {
    inner_->Deliver(n, std::move(done));
    return;
  }
  core::Notification filtered;  // Outlives the inner Deliver, which copies what it keeps.
  const core::Notification* send = filter_.Filter(n, &filtered);
  if (send == nullptr) {
    done(DeliveryOutcome::Ok());
    return;
  }
  inner_->Deliver(*send, filter_.Track(*send, std::move(done)));
}

std::unique_ptr<Receiver> WithSendResolved(std::unique_ptr<Receiver> integration, bool send_resolved,
                                           SendResolvedReceiver::GateVerdicts gate_verdicts) {
  if (send_resolved) return integration;
  return std::make_unique<SendResolvedReceiver>(std::move(integration), gate_verdicts);
}

}  // namespace quell::sinks
