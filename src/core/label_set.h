// src/core/label_set.h
//
// An owning, sorted, name-unique set of labels for state that outlives a batch (an alert in the
// engine, a notification). Stored as one string buffer plus offsets, so a LabelSet is a single
// allocation pair and copies are deep. view() is valid until the LabelSet is modified or destroyed.
#ifndef QUELL_CORE_LABEL_SET_H_
#define QUELL_CORE_LABEL_SET_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/label.h"

namespace quell::core {

class LabelSet {
 public:
  LabelSet() = default;
  // From any view; REQUIRES: sorted by name, names unique (a Signal's labels are).
  explicit LabelSet(LabelView sorted);
  // From unsorted pairs; later duplicates of a name replace earlier ones; empty values dropped
  // (as Alertmanager does: an empty label value means the label is absent).
  LabelSet(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  static LabelSet FromPairs(std::vector<std::pair<std::string, std::string>> pairs);

  LabelSet(const LabelSet& o) { *this = o; }
  LabelSet& operator=(const LabelSet& o);
  LabelSet(LabelSet&&) noexcept = default;
  LabelSet& operator=(LabelSet&&) noexcept = default;

  LabelView view() const { return labels_; }
  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  std::string_view Get(std::string_view name) const { return FindLabel(view(), name); }
  bool Has(std::string_view name) const;

  // {a="1", b="2"}: Alertmanager's rendering (used in group keys and logs).
  std::string ToString() const;

  bool operator==(const LabelSet& o) const;

 private:
  void Rebuild(std::vector<std::pair<std::string, std::string>> pairs);
  // Heap storage (never SSO), so moves keep the views in labels_ valid.
  std::unique_ptr<char[]> storage_;
  std::vector<Label> labels_;  // Views into storage_.
};

}  // namespace quell::core

#endif  // QUELL_CORE_LABEL_SET_H_
