// src/sinks/alert_order.cc
#include "sinks/alert_order.h"

#include <algorithm>
#include <string_view>

namespace quell::sinks {
namespace {

// prometheus/common model.LabelSet.Before.
bool LabelSetBefore(core::LabelView a, core::LabelView b) {
  if (a.size() != b.size()) return a.size() < b.size();
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].name != b[j].name) {
      // The smaller name is missing from the other set: the set lacking it sorts first.
      return a[i].name > b[j].name;
    }
    if (a[i].value != b[j].value) return a[i].value < b[j].value;
    ++i;
    ++j;
  }
  return false;
}

}  // namespace

bool AlertLabelsBefore(const core::LabelSet& a, const core::LabelSet& b) {
  for (std::string_view key : {std::string_view("job"), std::string_view("instance")}) {
    bool a_has = a.Has(key), b_has = b.Has(key);
    if (!a_has && !b_has) continue;
    if (!a_has) return false;
    if (!b_has) return true;
    std::string_view av = a.Get(key), bv = b.Get(key);
    if (av != bv) return av < bv;
  }
  return LabelSetBefore(a.view(), b.view());
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
