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
  out->Reject(r);
  ++result->rejected;
  result->body_rejected = true;
}

bool JsonDocument::Open(std::string_view body, size_t padded_capacity, core::SignalBatch* out, ParseResult* result,
                        od::document* doc) {
  base_ = body.data();
  size_ = body.size();
  size_t first = 0;
  while (first < body.size() &&
         (body[first] == ' ' || body[first] == '\n' || body[first] == '\r' || body[first] == '\t')) {
    ++first;
  }
  if (first == body.size()) {
    RejectBody(out, result, RejectReason::kEmptyBody, 0);
    return false;
  }
  if (body.size() > limits_.max_body_bytes) {
    RejectBody(out, result, RejectReason::kTooLarge, 0);
    return false;
  }
  const char* data = body.data();
  size_t capacity = padded_capacity;
  if (padded_capacity < body.size() || padded_capacity - body.size() < simdjson::SIMDJSON_PADDING) {
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
  if (e) {
    if (e == simdjson::UTF8_ERROR) {
      RejectBody(out, result, RejectReason::kInvalidUtf8, static_cast<uint32_t>(FirstInvalidUtf8(body)));
    } else if (e == simdjson::EMPTY) {
      RejectBody(out, result, RejectReason::kEmptyBody, 0);
    } else if (e == simdjson::CAPACITY) {
      RejectBody(out, result, RejectReason::kTooLarge, 0);
    } else {
      RejectBody(out, result, RejectReason::kMalformedJson, static_cast<uint32_t>(first));
    }
    return false;
  }
  *doc = std::move(r.value_unsafe());
  return true;
}

}  // namespace quell::ingest
