// src/sinks/alert_order.h
//
// The order of the member alerts inside one notification, as Alertmanager sorts them before it
// notifies (core/alertmanager_alert_order.h: by `job`, then `instance`, then the label sets). The engine cuts
// each notification in this order already; receivers sort again before they list, truncate
// (max_members, max_alerts) and pick "the first firing member", so their output does not depend on
// the order a notification arrives in.
//
// Plain functions; thread-safe.
#ifndef QUELL_SINKS_ALERT_ORDER_H_
#define QUELL_SINKS_ALERT_ORDER_H_

#include <vector>

#include "core/label_set.h"
#include "core/notification.h"

namespace quell::sinks {

// True iff `a` sorts before `b` (Alertmanager's AlertSlice.Less on their labels).
bool AlertLabelsBefore(const core::LabelSet& a, const core::LabelSet& b);

// The members of `alerts` in that order (stable); the pointers are into `alerts`, valid while it
// is unchanged.
std::vector<const core::NotifiedAlert*> SortedAlerts(const std::vector<core::NotifiedAlert>& alerts);

// Sorts `alerts` in place (stable).
void SortAlerts(std::vector<core::NotifiedAlert>* alerts);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_ALERT_ORDER_H_
