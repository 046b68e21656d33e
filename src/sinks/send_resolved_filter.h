// src/sinks/send_resolved_filter.h
//
// SendResolvedFilter: what an integration configured `send_resolved: false` sends, as Alertmanager
// does (notify.RetryStage and notify.DedupStage with an integration whose SendResolved() is false;
// with `send_resolved: true` the integration is not wrapped at all and sends everything):
//     - a resolved notification (every member resolved): nothing; reported OK without a request.
//     - a firing notification: only its firing members. Resolved members are dropped from the
//       alerts, from resolved_count, and from the common labels and annotations (recomputed over
//       the firing members when all of them are listed). truncated_alerts becomes the number of
//       firing members not listed.
//     - a firing notification whose firing members were all in the last notification this
//       integration delivered for the incident, and that differs from it only by resolved members
//       (it carries some): nothing (DedupStage sends no "new resolved alerts" update to such an
//       integration). A repeat (repeat_interval) carries no newly resolved member and is sent.
//
// State: for each incident (dedup_key), the firing members of the last notification the
// integration accepted, recorded when the outcome is OK (a failed attempt records nothing, so its
// retry is judged the same way). It lives in memory, at most `max_incidents` incidents (the
// oldest forgotten first), and is dropped when the incident resolves. Without state (after a
// restart or reload, or a forgotten incident) a firing notification is sent: a restart may cost
// one extra message, never a lost one.
// Limitation: the engine decides once per route whether to notify; when a change that only
// resolved members coincides with the repeat interval, the engine sends it as that change, which
// this filter drops, so the reminder comes one repeat_interval later.
//
// Used by SendResolvedReceiver (send_resolved_receiver.h), which applies it around each integration
// configured with send_resolved: false; the integrations themselves do not filter.
//
// Threading: thread-safe. The callback returned by Track may outlive the filter (state is shared).
#ifndef QUELL_SINKS_SEND_RESOLVED_FILTER_H_
#define QUELL_SINKS_SEND_RESOLVED_FILTER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/notification.h"
#include "sinks/receiver.h"

namespace quell::sinks {

class SendResolvedFilter {
 public:
  explicit SendResolvedFilter(size_t max_incidents = 10000);

  // What to send for `n`: `&n` itself, `scratch` (filled with the filtered copy), or null to send
  // nothing (report OK).
  const core::Notification* Filter(const core::Notification& n, core::Notification* scratch) const;

  // Wraps `done` so that an OK outcome records `sent` (what Filter returned) as delivered.
  DeliveryCallback Track(const core::Notification& sent, DeliveryCallback done) const;


 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SEND_RESOLVED_FILTER_H_
