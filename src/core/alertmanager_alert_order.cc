#include "core/alertmanager_alert_order.h"

#include <string_view>

namespace quell::core {
namespace {

// prometheus/common model.LabelSet.Before.
bool LabelSetBefore(LabelView a, LabelView b) {
  if (a.size() != b.size()) return a.size() < b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name) {
      // The smaller name is missing from the other set: the set lacking it sorts first.
      return a[i].name > b[i].name;
    }
    if (a[i].value != b[i].value) return a[i].value < b[i].value;
  }
  return false;
}

}  // namespace

bool AlertmanagerAlertBefore(LabelView a, LabelView b) {
  for (std::string_view key : {std::string_view("job"), std::string_view("instance")}) {
    const std::string_view av = FindLabel(a, key), bv = FindLabel(b, key);
    if (av.empty() && bv.empty()) continue;
    if (av.empty()) return false;
    if (bv.empty()) return true;
    if (av != bv) return av < bv;
  }
  return LabelSetBefore(a, b);
}

}  // namespace quell::core
