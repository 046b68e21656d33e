#include "core/label.h"

#include <algorithm>

namespace quell::core {

std::string_view FindLabel(LabelView labels, std::string_view name) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels.end() && it->name == name) return it->value;
  return {};
}

}  // namespace quell::core
