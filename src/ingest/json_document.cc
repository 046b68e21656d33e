#include "ingest/json_document.h"

#include <algorithm>
#include <cstring>

namespace quell::ingest {

using core::RejectReason;

JsonDocument::JsonDocument(const ParserLimits& limits)
    : limits_(limits), parser_(limits.max_body_bytes + simdjson::SIMDJSON_PADDING) {
  // A small start; iterate() grows the buffers to the largest body seen, keeping max_depth.
  // simdjson's own depth bound must stay above every depth Quell descends to: parsers enforce
  // ParserLimits::max_depth themselves (an AnyValue level is 3 JSON levels), and On-Demand only
  // tracks depth for the values it descends into (skipped subtrees may be deeper).
  const size_t depth = std::max<size_t>(1024, size_t{limits.max_depth} * 4 + 16);
  if (parser_.allocate(64 * 1024, depth) != simdjson::SUCCESS) {
    // Allocation failure here is retried by iterate(), which reports it per body.
  }
}

void JsonDocument::RejectBody(core::SignalBatch* out, ParseResult* result, RejectReason reason, uint32_t offset,
                              const char* field) {
  core::Rejection r;
  r.reason = reason;
  r.offset = offset;
  r.record_index = 0;
  r.field = field;
  r.record_begin = 0;  // The body is the record.
  out->Reject(r);
  ++result->rejected;
  result->body_rejected = true;
}

bool JsonDocument::Open(std::string_view body, size_t padded_capacity, core::SignalBatch* out, ParseResult* result,
                        od::document* doc) {
  RejectReason reason;
  uint32_t offset;
  if (TryOpen(body, padded_capacity, doc, &reason, &offset)) return true;
  RejectBody(out, result, reason, offset);
  return false;
}

[[gnu::hot]] bool JsonDocument::TryOpen(std::string_view body, size_t padded_capacity, od::document* doc, RejectReason* reason,
                           uint32_t* offset) {
  base_ = body.data();
  size_ = body.size();
  kept_ = nullptr;
  *offset = 0;
  size_t first = 0;
  while (first < body.size() &&
         (body[first] == ' ' || body[first] == '\n' || body[first] == '\r' || body[first] == '\t')) {
    ++first;
  }
  if (first == body.size()) {
    *reason = RejectReason::kEmptyBody;
    return false;
  }
  if (body.size() > limits_.max_body_bytes) {
    *reason = RejectReason::kTooLarge;
    return false;
  }
  const char* data = body.data();
  size_t capacity = padded_capacity;
  const bool needs_padding =
      padded_capacity < body.size() || padded_capacity - body.size() < simdjson::SIMDJSON_PADDING;
  if (needs_padding && keep_out_ != nullptr && body.size() <= kKeepWholeBodyMax && !keep_out_->Attached(body)) {
    // The body must be copied for padding and kept for the batch: one copy serves both (a Kafka
    // payload or a replayed line), the padding bytes sit in the arena after it.
    char* copy = keep_out_->arena().Allocate(body.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(copy, body.data(), body.size());
    std::memset(copy + body.size(), 0, simdjson::SIMDJSON_PADDING);
    data = copy;
    capacity = body.size() + simdjson::SIMDJSON_PADDING;
    kept_ = copy;
  } else if (needs_padding) {
    size_t need = body.size() + simdjson::SIMDJSON_PADDING;
    if (scratch_capacity_ < need) {
      size_t cap = scratch_capacity_ == 0 ? 4096 : scratch_capacity_;
      while (cap < need) cap *= 2;
      scratch_.reset(new char[cap]);
      scratch_capacity_ = cap;
    }
    std::memcpy(scratch_.get(), body.data(), body.size());
    std::memset(scratch_.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    data = scratch_.get();
    capacity = scratch_capacity_;
  }
  base_ = data;
  auto r = parser_.iterate(simdjson::padded_string_view(data, body.size(), capacity));
  simdjson::error_code e = r.error();
  if (!e && keep_out_ != nullptr && kept_ == nullptr) {
    if (data == body.data() && keep_out_->Attached(body)) {
      kept_ = data;  // The batch already holds the body: its strings point into it, no copy.
    } else if (body.size() <= kKeepWholeBodyMax) {
      // After stage 1 (inside iterate), which has just read the whole body: the copy reads it
      // from the cache instead of being the first to touch it.
      char* copy = keep_out_->arena().Allocate(body.size());
      std::memcpy(copy, data, body.size());
      kept_ = copy;
    }
  }
  if (e) {
    if (e == simdjson::UTF8_ERROR) {
      *reason = RejectReason::kInvalidUtf8;
      *offset = static_cast<uint32_t>(FirstInvalidUtf8(body));
    } else if (e == simdjson::EMPTY) {
      *reason = RejectReason::kEmptyBody;
    } else if (e == simdjson::CAPACITY) {
      *reason = RejectReason::kTooLarge;
    } else {
      *reason = RejectReason::kMalformedJson;
      *offset = static_cast<uint32_t>(first);
    }
    return false;
  }
  *doc = std::move(r.value_unsafe());
  return true;
}

std::string_view JsonDocument::KeepCopy(std::string_view s) { return keep_out_->Copy(s); }

void RejectRemainder(JsonDocument& jd, od::document& doc, uint32_t index, core::SignalBatch* out,
                     ParseResult* result) {
  auto loc = doc.current_location();
  if (loc.error()) return;
  std::string_view body = jd.body();
  for (size_t i = jd.Offset(loc.value_unsafe()); i < body.size(); ++i) {
    char c = body[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ']' || c == '}' || c == ',') continue;
    core::Rejection r;
    r.reason = RejectReason::kMalformedJson;
    r.offset = static_cast<uint32_t>(i);
    r.record_index = index;
    out->Reject(r);
    ++result->rejected;
    return;
  }
}

}  // namespace quell::ingest
