// src/ingest/signal_draft.h
//
// SignalDraft: a signal under construction, with its labels and annotations gathered in any order
// (JSON fields arrive in any order, but SignalBatch wants labels, then FinishLabels, then
// annotations). A parser fills one draft per record and calls Emit() only when the whole record
// was read, so a record rejected half-way leaves nothing in the batch (its arena bytes aside).
// Label/annotation views must point into the batch arena or at static strings. Labels and
// annotations live in fixed arrays: no allocation per signal, ever. Labels beyond kMaxLabels are
// dropped; annotations beyond kMaxAnnotations are dropped and counted across records until
// TakeDroppedAnnotations() (RecordParser adds them to the batch once per body).
//
// A parser whose drafts share one label set (an OTLP resource's, for its log records) sorts and
// fingerprints it once (SignalBatch::SortLabels) and declares it with ShareLabels.
//
// Not thread-safe: one per Parser.
#ifndef QUELL_INGEST_SIGNAL_DRAFT_H_
#define QUELL_INGEST_SIGNAL_DRAFT_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/label.h"
#include "core/signal.h"
#include "core/signal_batch.h"

namespace quell::ingest {

class SignalDraft {
 public:
  static constexpr uint32_t kMaxAnnotations = 128;
  static constexpr uint32_t kMaxLabels = 256;

  // Starts a new draft: a default signal with the fields every record of a body shares, written
  // in place (not a prototype built on the stack and copied over it).
  void Reset(core::Format format, core::SourceKind source, core::EventTime observed, uint32_t record_offset) {
    signal = core::Signal();
    signal.format = format;
    signal.source = source;
    signal.observed_time = observed;
    signal.record_offset = record_offset;
    label_count_ = 0;
    annotation_count_ = 0;
    shared_ = nullptr;
  }
  void Label(std::string_view name, std::string_view value) {
    if (label_count_ < kMaxLabels) labels_[label_count_++] = core::Label{name, value};
  }
  // Reserves `n` label slots at the current end (fewer when kMaxLabels is reached), to be filled by
  // SetLabel once their values are known. Returns the first slot. A parser that knows some label
  // names up front reserves them before reading the record, so that they precede the labels the
  // record adds and the label sort has less to move. The slots are not cleared: REQUIRES that
  // each one is set (SetLabel, an empty value to drop it) before Emit.
  uint32_t ReserveLabels(uint32_t n) {
    const uint32_t first = label_count_;
    label_count_ += n < kMaxLabels - label_count_ ? n : kMaxLabels - label_count_;
    return first;
  }
  // REQUIRES: `slot` was returned by ReserveLabels (or lies in a range it reserved) for this draft.
  void SetLabel(uint32_t slot, std::string_view name, std::string_view value) {
    if (slot < label_count_) labels_[slot] = core::Label{name, value};
    shared_ = nullptr;
  }
  // Declares that the labels added so far are `*shared` (SignalBatch::SortLabels of them, made
  // once for many drafts, e.g. per OTLP resource): unless a label is added or set after this call,
  // Emit hands `*shared` over instead of sorting and fingerprinting the same set again. `*shared`
  // must outlive Emit. Reset() forgets it.
  void ShareLabels(const core::SignalBatch::SortedLabels* shared) {
    shared_ = shared;
    shared_count_ = label_count_;
  }
  void Annotate(std::string_view name, std::string_view value) {
    if (value.empty()) return;
    if (annotation_count_ >= kMaxAnnotations) {
      ++dropped_annotations_;
      return;
    }
    annotations_[annotation_count_++] = core::Label{name, value};
  }
  // Appends the signal to `out` (SignalBatch::Append): fields, labels (sorted, de-duplicated and
  // fingerprinted), then annotations in the order added.
  void Emit(core::SignalBatch* out) const {
    const std::span<const core::Label> annotations(annotations_.data(), annotation_count_);
    if (shared_ != nullptr && label_count_ == shared_count_) {
      out->AppendWithSortedLabels(signal, *shared_, annotations);
      return;
    }
    out->Append(signal, labels(), annotations);
  }
  // The labels added so far, in the order added.
  std::span<const core::Label> labels() const { return std::span<const core::Label>(labels_.data(), label_count_); }
  // The value of the last label named `name` added so far, or empty.
  std::string_view FindLabel(std::string_view name) const {
    for (uint32_t i = label_count_; i-- > 0;) {
      if (labels_[i].name == name) return labels_[i].value;
    }
    return {};
  }
  // Annotations dropped since the last call, by every record drafted since (rejected ones too).
  uint32_t TakeDroppedAnnotations() {
    const uint32_t n = dropped_annotations_;
    dropped_annotations_ = 0;
    return n;
  }
  size_t label_count() const { return label_count_; }

  core::Signal signal;

 private:
  // Fixed capacity (12 KiB per draft, one draft per parser): adding is a bound check and a store,
  // with no call and no growth.
  std::array<core::Label, kMaxLabels> labels_;
  std::array<core::Label, kMaxAnnotations> annotations_;
  uint32_t label_count_ = 0;
  uint32_t annotation_count_ = 0;
  uint32_t dropped_annotations_ = 0;
  const core::SignalBatch::SortedLabels* shared_ = nullptr;  // ShareLabels.
  uint32_t shared_count_ = 0;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_SIGNAL_DRAFT_H_
