// src/ingest/signal_draft.h
//
// SignalDraft: a signal under construction, with its labels and annotations gathered in any order
// (JSON fields arrive in any order, but SignalBatch wants labels, then FinishLabels, then
// annotations). A parser fills one draft per record and calls Emit() only when the whole record
// was read, so a record rejected half-way leaves nothing in the batch (its arena bytes aside).
// Label/annotation views must point into the batch arena or at static strings. The vectors keep
// their capacity across records: no allocation per signal in steady state. Annotations beyond
// kMaxAnnotations per signal are dropped (counted in dropped_annotations()).
//
// Not thread-safe: one per Parser.
#ifndef QUELL_INGEST_SIGNAL_DRAFT_H_
#define QUELL_INGEST_SIGNAL_DRAFT_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/label.h"
#include "core/signal.h"
#include "core/signal_batch.h"

namespace quell::ingest {

class SignalDraft {
 public:
  static constexpr uint32_t kMaxAnnotations = 128;
  static constexpr uint32_t kMaxLabels = 256;

  // Starts a new draft from `proto` (format, source, observed time and whatever else is shared).
  void Reset(const core::Signal& proto) {
    signal = proto;
    labels_.clear();
    annotations_.clear();
    dropped_annotations_ = 0;
  }
  void Label(std::string_view name, std::string_view value) {
    if (labels_.size() < kMaxLabels) labels_.push_back(core::Label{name, value});
  }
  void Annotate(std::string_view name, std::string_view value) {
    if (value.empty()) return;
    if (annotations_.size() >= kMaxAnnotations) {
      ++dropped_annotations_;
      return;
    }
    annotations_.push_back(core::Label{name, value});
  }
  // Appends the signal to `out` (SignalBatch::Append): fields, labels (sorted, de-duplicated and
  // fingerprinted), then annotations in the order added.
  void Emit(core::SignalBatch* out) const { out->Append(signal, labels_, annotations_); }
  // The value of the last label named `name` added so far, or empty.
  std::string_view FindLabel(std::string_view name) const {
    for (auto it = labels_.rbegin(); it != labels_.rend(); ++it) {
      if (it->name == name) return it->value;
    }
    return {};
  }
  uint32_t dropped_annotations() const { return dropped_annotations_; }
  size_t label_count() const { return labels_.size(); }

  core::Signal signal;

 private:
  std::vector<core::Label> labels_;
  std::vector<core::Label> annotations_;
  uint32_t dropped_annotations_ = 0;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_SIGNAL_DRAFT_H_
