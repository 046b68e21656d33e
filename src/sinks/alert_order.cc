// src/sinks/alert_order.cc
#include "sinks/alert_order.h"

#include <algorithm>

#include "core/alertmanager_alert_order.h"

namespace quell::sinks {

bool AlertLabelsBefore(const core::LabelSet& a, const core::LabelSet& b) {
  return core::AlertmanagerAlertBefore(a.view(), b.view());
}
std::vector<const core::NotifiedAlert*> SortedAlerts(const std::vector<core::NotifiedAlert>& alerts) {
  std::vector<const core::NotifiedAlert*> out;
  out.reserve(alerts.size());
  for (const auto& a : alerts) out.push_back(&a);
  std::stable_sort(out.begin(), out.end(), [](const core::NotifiedAlert* x, const core::NotifiedAlert* y) {
    return AlertLabelsBefore(x->labels, y->labels);
  });
  return out;
}

void SortAlerts(std::vector<core::NotifiedAlert>* alerts) {
  std::stable_sort(alerts->begin(), alerts->end(), [](const core::NotifiedAlert& x, const core::NotifiedAlert& y) {
    return AlertLabelsBefore(x.labels, y.labels);
  });
}

}  // namespace quell::sinks
