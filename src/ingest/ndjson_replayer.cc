#include "ingest/ndjson_replayer.h"

#include <cmath>
#include <fstream>
#include <iostream>

#include "absl/time/clock.h"
#include "fmt/format.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

Replayer::Replayer(core::BatchSink* sink, const core::Clock* clock, ReplayOptions options, WaitUntil wait_until)
    : sink_(sink),
      clock_(clock),
      options_(std::move(options)),
      wait_until_(std::move(wait_until)),
      parser_(options_.parser) {
  parser_.SkipInCheckpointUpTo(options_.skip_in_checkpoint_up_to);
  if (!wait_until_) {
    wait_until_ = [clock = clock_](core::WallTime t) {
      for (core::WallTime now = clock->Now(); now < t; now = clock->Now()) absl::SleepFor(t - now);
    };
  }
}

absl::Status Replayer::SubmitBatch() {
  if (batch_.empty() && batch_.rejections().empty()) return absl::OkStatus();
  const uint64_t accepted = batch_.size(), rejected = batch_.rejections().size();
  for (;;) {
    absl::Status st = sink_->Submit(&batch_, [] {});
    if (st.ok()) break;
    if (st.code() != absl::StatusCode::kResourceExhausted) return st;
    wait_until_(clock_->Now() + absl::Milliseconds(10));
  }
  batch_.Clear();
  stats_.accepted += accepted;
  stats_.rejected += rejected;
  ++stats_.batches;
  return absl::OkStatus();
}

void Replayer::DeadLetterLine(size_t first, uint64_t line_offset, core::EventTime observed) {
  std::span<const core::Rejection> rs = batch_.rejections();
  for (size_t i = first; i < rs.size(); ++i) {
    // Offsets are in the file; the entry's original is sliced from the line.
    core::Rejection in_line = rs[i];
    in_line.offset = rs[i].offset >= line_offset ? static_cast<uint32_t>(rs[i].offset - line_offset) : 0;
    DeadLetterEntry e = DeadLetterEntry::FromRejection(in_line, core::Format::kQuell, options_.source, line_, observed,
                                                       options_.dead_letter->options().max_original_bytes);
    e.offset = rs[i].offset;
    if (options_.dead_letter->Write(e).ok()) ++stats_.dead_lettered;
  }
}

absl::Status Replayer::Replay(std::istream& in) {
  const bool paced = options_.speed > 0;
  bool first = true;
  core::EventTime t_first;
  core::WallTime w_first;
  uint64_t offset = 0;
  uint32_t line_index = 0;
  uint32_t lines_in_batch = 0;
  bool rebase_known = false;
  absl::Duration rebase;
  batch_.Clear();
  while (std::getline(in, line_)) {
    const uint64_t line_offset = offset;
    offset += line_.size() + 1;
    const uint32_t index = line_index++;
    if (TrimSpaces(line_).empty()) continue;
    ++stats_.lines;
    core::EventTime t;
    core::EventTime now_event = core::EventTime::FromUnixNanos(clock_->Now().unix_nanos());
    const size_t rejections_before = batch_.rejections().size();
    const size_t signals_before = batch_.size();
    stats_.skipped += parser_.ParseLine(line_, index, line_offset, options_.source, now_event, &batch_, &t).skipped;
    if (options_.rebase_to_now && batch_.size() > signals_before) {
      if (!rebase_known) {
        rebase_known = true;
        rebase = absl::Nanoseconds(now_event.unix_nanos() - rebase_anchor_.value_or(t).unix_nanos());
      }
      for (core::Signal& s : batch_.mutable_signals().subspan(signals_before)) {
        if (!s.event_time.is_zero()) s.event_time = s.event_time + rebase;
        if (!s.end_time.is_zero()) s.end_time = s.end_time + rebase;
        if (!s.observed_time.is_zero()) s.observed_time = s.observed_time + rebase;
      }
    }
    if (options_.dead_letter != nullptr && batch_.rejections().size() > rejections_before)
      DeadLetterLine(rejections_before, line_offset, now_event);
    if (paced) {
      if (first) {
        first = false;
        t_first = t;
        w_first = clock_->Now();
      } else if (t > t_first) {
        double delay_ns = static_cast<double>((t - t_first) / absl::Nanoseconds(1)) / options_.speed;
        core::WallTime due = w_first + absl::Nanoseconds(static_cast<int64_t>(std::llround(delay_ns)));
        if (clock_->Now() < due) wait_until_(due);
      }
      if (auto st = SubmitBatch(); !st.ok()) return st;
    } else if (++lines_in_batch >= options_.max_batch_lines) {
      lines_in_batch = 0;
      if (auto st = SubmitBatch(); !st.ok()) return st;
    }
  }
  return SubmitBatch();
}

absl::Status Replayer::ReplayFile(const std::string& path) {
  if (path == "-") return Replay(std::cin);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("replay file {}: cannot open", path));
  rebase_anchor_.reset();
  if (options_.rebase_to_now) {  // First pass: the latest record time.
    core::SignalBatch scratch;
    core::EventTime t, latest;
    bool any = false;
    uint32_t index = 0;
    while (std::getline(in, line_)) {
      scratch.Clear();
      if (TrimSpaces(line_).empty()) continue;
      if (parser_.ParseLine(line_, index++, 0, options_.source, core::EventTime(), &scratch, &t).accepted == 0) continue;
      if (!any || t > latest) latest = t;
      any = true;
    }
    if (any) rebase_anchor_ = latest;
    in.clear();
    in.seekg(0);
  }
  absl::Status st = Replay(in);
  rebase_anchor_.reset();
  return st;
}

}  // namespace quell::ingest
