// src/sinks/alert_order.h
//
// The order of the member alerts inside one notification, as Alertmanager sorts them before it
// notifies (dispatch's aggrGroup.flush: sort.Stable(alert.AlertSlice)): by the `job` label, then
// `instance`, then the label sets (prometheus/common's model.LabelSet.Before). Receivers list,
// truncate (max_members, max_alerts) and pick "the first firing member" in this order, so the same
// alerts survive truncation every time, whatever order the engine produced them in.
//
// AlertSlice.Less, for `job` then `instance`: an alert that has the label sorts before one that
// lacks it; two that have it compare the values (bytewise); two that lack it go on to the next
// key. LabelSet.Before then: fewer labels first; with as many, the first name (in name order)
// present in only one set puts the set lacking it first, else the first differing value
// decides. It is not the order of the sets' {a="1", b="2"} strings.
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
