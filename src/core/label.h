// src/core/label.h
//
// A label is a (name, value) pair of views. Labels of a Signal point into its SignalBatch's arena;
// labels of engine state point into a shard's storage (LabelSet). A "label view" is a span of
// Labels sorted by name with unique names: SignalBatch::FinishLabels and LabelSet ensure it.
#ifndef QUELL_CORE_LABEL_H_
#define QUELL_CORE_LABEL_H_

#include <span>
#include <string_view>

namespace quell::core {

struct Label {
  std::string_view name;
  std::string_view value;
  bool operator==(const Label&) const = default;
};

using LabelView = std::span<const Label>;

// Returns the value of `name` in a sorted label view, or an empty view when absent (binary search).
std::string_view FindLabel(LabelView labels, std::string_view name);

}  // namespace quell::core

#endif  // QUELL_CORE_LABEL_H_
