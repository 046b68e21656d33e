// src/core/signal_batch.h
//
// SignalBatch: the unit in which signals travel (parser -> queue -> shard). It owns the signals,
// a label pool they index into, a string arena for every view they hold, and the rejections of
// the records that failed. Clear() keeps all capacity, so a batch reused for inputs of similar
// shape makes no heap allocation per signal (bench/core/signal_batch_bench.cc counts them).
//
// Building a signal (what every parser does):
//   Signal& s = batch.Add();            // zeroed signal
//   s.title = batch.Copy(name);          // strings into the arena
//   batch.AddLabel("alertname", name);   // labels of the last added signal, any order
//   batch.FinishLabels();                // sorts, drops empty values and duplicate names
//                                        // (last wins), computes s.fingerprint
//   batch.AddAnnotation("summary", ...); // optional, after FinishLabels
// A parser that gives up on a record calls DropLast() then Reject(...).
//
// Thread-safety: none; a batch has one owner at a time and may be moved between threads.
#ifndef QUELL_CORE_SIGNAL_BATCH_H_
#define QUELL_CORE_SIGNAL_BATCH_H_

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/dead_letter.h"
#include "core/label.h"
#include "core/signal.h"
#include "core/string_arena.h"

namespace quell::core {

class SignalBatch {
 public:
  SignalBatch() = default;
  SignalBatch(SignalBatch&&) = default;
  SignalBatch& operator=(SignalBatch&&) = default;

  // Appends a default signal and returns it. References stay valid until the next Add().
  Signal& Add();
  // Removes the last signal and its labels/annotations (a record that failed half-way).
  void DropLast();
  Signal& last() { return signals_.back(); }

  std::string_view Copy(std::string_view s) { return arena_.Copy(s); }
  StringArena& arena() { return arena_; }

  // Labels of the last added signal; names and values must already live in the arena (or be
  // static). Call before FinishLabels.
  void AddLabel(std::string_view name, std::string_view value);
  // Like AddLabel but copies both into the arena first.
  void AddLabelCopy(std::string_view name, std::string_view value) { AddLabel(Copy(name), Copy(value)); }
  // Sorts the last signal's labels, drops empty values and repeated names (the last one added
  // wins) and sets its fingerprint.
  void FinishLabels();
  void AddAnnotation(std::string_view name, std::string_view value);
  // Appends a whole signal at once: a copy of `signal` (its label and annotation indexes are
  // set here), `labels` in any order (sorted, de-duplicated and fingerprinted as FinishLabels
  // does) and `annotations` in order. What a parser that gathers a record before emitting it
  // calls (ingest::SignalDraft); one copy of each part, no sort in place. `labels` and
  // `annotations` must not point into this batch's label pool.
  void Append(const Signal& signal, std::span<const Label> labels, std::span<const Label> annotations);

  // A label set sorted and fingerprinted once for many signals that carry it (an OTLP resource's
  // labels, which each of its log records carries): SortLabels, then AppendWithSortedLabels per
  // signal. Its views must outlive the batches the signals go to, as any label's.
  struct SortedLabels {
    std::vector<Label> labels;
    Fingerprint fingerprint;
  };
  // Sorts `labels` into `*out` as Append does (by name; empty values, and all but the last of a
  // repeated name, dropped) and fingerprints them. Allocates only while out->labels grows.
  static void SortLabels(std::span<const Label> labels, SortedLabels* out);
  // Append, for labels that SortLabels prepared: copied as they are, with their fingerprint.
  void AppendWithSortedLabels(const Signal& signal, const SortedLabels& labels, std::span<const Label> annotations);
  // Appends several labels (before FinishLabels) or annotations (after) of the last signal at once.
  void AddLabels(std::span<const Label> labels) {
    labels_.insert(labels_.end(), labels.begin(), labels.end());
    signals_.back().labels_count += static_cast<uint32_t>(labels.size());
  }
  void AddAnnotations(std::span<const Label> annotations) {
    labels_.insert(labels_.end(), annotations.begin(), annotations.end());
    signals_.back().annotations_count += static_cast<uint32_t>(annotations.size());
  }

  void Reject(const Rejection& r) { rejections_.push_back(r); }

  std::span<const Signal> signals() const { return signals_; }
  std::span<Signal> mutable_signals() { return signals_; }
  size_t size() const { return signals_.size(); }
  bool empty() const { return signals_.empty(); }
  LabelView labels(const Signal& s) const {
    return LabelView(labels_.data() + s.labels_begin, s.labels_count);
  }
  LabelView annotations(const Signal& s) const {
    return LabelView(labels_.data() + s.annotations_begin, s.annotations_count);
  }
  std::span<const Rejection> rejections() const { return rejections_; }
  // For wrappers that re-base offsets of the rejections an inner parser appended (NDJSON replay).
  std::span<Rejection> mutable_rejections() { return rejections_; }

  // Annotations that parsers left out of this batch's records (past SignalDraft's 128 per
  // record), counted per body so that no record's parse pays for it: the pipeline reports them
  // (quell_ingest_annotations_dropped_total).
  void AddDroppedAnnotations(uint32_t n) { dropped_annotations_ += n; }
  uint64_t dropped_annotations() const { return dropped_annotations_; }

  // Forgets everything, keeps capacity.
  void Clear();

  // Bytes the batch keeps alive without copying them: views in its signals may point into
  // `bytes` until Clear() or destruction. `owner` holds them (nullptr: the caller guarantees they
  // outlive the batch, as a benchmark's corpus does). A parser reading a body that is attached to
  // its output batch points its strings into the body instead of copying it into the arena (the
  // HTTP intake attaches each request body). No allocation once the batch has held as many
  // attachments before.
  void AttachBytes(std::string_view bytes, std::shared_ptr<const void> owner) {
    attached_.push_back(Attachment{bytes, std::move(owner)});
  }
  // True iff `s` lies wholly inside one attached range.
  bool Attached(std::string_view s) const {
    for (const Attachment& a : attached_) {
      if (s.data() >= a.bytes.data() && s.data() + s.size() <= a.bytes.data() + a.bytes.size()) return true;
    }
    return false;
  }

 private:
  struct Attachment {
    std::string_view bytes;
    std::shared_ptr<const void> owner;
  };
  std::vector<Signal> signals_;
  std::vector<Label> labels_;  // Label and annotation pool.
  std::vector<Label> scratch_;  // FinishLabels' sorted copy (capacity kept).
  std::vector<Rejection> rejections_;
  StringArena arena_;
  std::vector<Attachment> attached_;
  uint64_t dropped_annotations_ = 0;
};

}  // namespace quell::core

#endif  // QUELL_CORE_SIGNAL_BATCH_H_
