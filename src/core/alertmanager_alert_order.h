// src/core/alertmanager_alert_order.h
//
// The order of the member alerts of one notification, as Alertmanager sorts them before it
// notifies (dispatch's aggrGroup.flush: sort.Stable(types.AlertSlice)): by the `job` label, then
// `instance`, then the label sets (prometheus/common's model.LabelSet.Before). The engine cuts a
// notification to max_alerts_per_notification in this order and the receivers list, truncate and
// pick "the first firing member" in it, so the same alerts survive truncation every time.
//
// AlertSlice.Less, for `job` then `instance`: an alert that has the label sorts before one that
// lacks it; two that have it compare the values (bytewise); two that lack it go on to the next
// key. LabelSet.Before then: fewer labels first; with as many, the first name (in name order)
// present in only one set puts the set lacking it first, else the first differing value decides.
// It is not the order of the sets' {a="1", b="2"} strings.
//
// A plain function; thread-safe.
#ifndef QUELL_CORE_ALERTMANAGER_ALERT_ORDER_H_
#define QUELL_CORE_ALERTMANAGER_ALERT_ORDER_H_

#include "core/label.h"

namespace quell::core {

// True iff labels `a` sort before labels `b` (Alertmanager's AlertSlice.Less).
// REQUIRES: both sorted by name with unique names and no empty values (a LabelSet's view).
bool AlertmanagerAlertBefore(LabelView a, LabelView b);

}  // namespace quell::core

#endif  // QUELL_CORE_ALERTMANAGER_ALERT_ORDER_H_
