// src/ingest/json_document.h
//
// JsonDocument: the body-level half every parser shares. It owns the simdjson On-Demand parser and
// a padded scratch buffer (both reused across bodies, so steady state allocates nothing), checks
// the body-level limits (empty, over max_body_bytes), pads the body when the caller's buffer has no
// room, starts the document and turns a failure to start into one body-level Rejection (empty_body,
// too_large, invalid_utf8 with the offset of the first bad byte, malformed_json).
//
// Offsets: Offset(p) maps a pointer into the buffer simdjson reads back to a byte offset in the
// caller's body (the copy, when one was made, has the same layout).
//
// Also holds the record loop helpers: ForEachRecord walks a top-level array (or a single object
// where the format allows one), gives each element to a callback with its index and offset, turns
// a failed callback into a Rejection, and when the array itself becomes unreadable (truncated,
// broken structure) rejects the unreadable remainder with one malformed_json Rejection, so that
// accepted + rejected always accounts for every record that could be delimited.
//
// Not thread-safe: one per Parser.
#ifndef QUELL_INGEST_JSON_DOCUMENT_H_
#define QUELL_INGEST_JSON_DOCUMENT_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/signal_batch.h"
#include "ingest/json_fields.h"
#include "ingest/parser.h"
#include "simdjson.h"

namespace quell::ingest {

class JsonDocument {
 public:
  explicit JsonDocument(const ParserLimits& limits);

  // Starts parsing `body`. On failure appends the body-level rejection to `out`, sets
  // result->rejected/body_rejected and returns false. On success `*doc` is ready to iterate;
  // the document and every string read from it stay valid until the next Open.
  bool Open(std::string_view body, size_t padded_capacity, core::SignalBatch* out, ParseResult* result,
            od::document* doc);
  // Like Open, but on failure only reports the body-level reason and offset (nothing appended).
  bool TryOpen(std::string_view body, size_t padded_capacity, od::document* doc, core::RejectReason* reason,
               uint32_t* offset);

  // Byte offset of `p` in the body; 0 for nullptr, clamped to the body size.
  uint32_t Offset(const char* p) const {
    if (p == nullptr || p < base_) return 0;
    size_t off = static_cast<size_t>(p - base_);
    return static_cast<uint32_t>(off > size_ ? size_ : off);
  }
  // Offset of the token at `v` (unconsumed value), or `fallback` when unknown.
  uint32_t OffsetOf(od::value& v, uint32_t fallback) const {
    auto loc = v.current_location();
    return loc.error() ? fallback : Offset(loc.value_unsafe());
  }
  std::string_view body() const { return std::string_view(base_, size_); }

  // Strings that outlive the document: the parsers' one way to copy into the batch.
  //
  // After KeepIn(out), each body the next Open/TryOpen starts is copied whole into out's arena
  // (when it is at most kKeepWholeBodyMax bytes), and Keep(s) returns a copy of `s` in that
  // arena: a view into the body copy when `s` views the body being read (a key, or a string
  // without escapes read with ReadString), else a copy of its own (unescaped strings, scratch
  // text, bodies over the limit). So a record's ~20 strings cost one body memcpy instead of 20
  // arena copies. Larger bodies are not copied whole: that would waste arena space and need
  // an oversized chunk (an allocation per batch). A body attached to `out`
  // (SignalBatch::AttachBytes, as the HTTP intake does) is not copied at all, whatever its size:
  // Keep(s) returns views into it.
  static constexpr size_t kKeepWholeBodyMax = 16 * 1024;
  void KeepIn(core::SignalBatch* out) { keep_out_ = out; }
  std::string_view Keep(std::string_view s) {
    const auto p = reinterpret_cast<uintptr_t>(s.data()), b = reinterpret_cast<uintptr_t>(base_);
    if (kept_ != nullptr && p - b < size_ && s.size() <= size_ - (p - b)) {
      return std::string_view(kept_ + (p - b), s.size());
    }
    return KeepCopy(s);
  }
  const ParserLimits& limits() const { return limits_; }

  // Appends a body-level rejection and marks the result.
  static void RejectBody(core::SignalBatch* out, ParseResult* result, core::RejectReason reason, uint32_t offset,
                         const char* field = "");

 private:
  ParserLimits limits_;
  od::parser parser_;
  std::unique_ptr<char[]> scratch_;
  size_t scratch_capacity_ = 0;
  const char* base_ = nullptr;
  size_t size_ = 0;
  std::string_view KeepCopy(std::string_view s);

  core::SignalBatch* keep_out_ = nullptr;
  const char* kept_ = nullptr;  // The arena copy of the body, once made.
};

// What a record callback returns: Ok, or a rejection for this record.
using RecordStatus = FieldError;

// Iterates the records of an array `arr`, calling `fn(od::value& record, uint32_t index, uint32_t
// offset)` -> RecordStatus for each. A failed record is rejected (reason, field, its offset, its
// index) and the loop goes on; records past `max_records` are rejected with too_many_records
// without being read; an unreadable remainder is rejected once (then `*broken` is set). Returns
// the number of records seen (accepted or rejected). A record that fails with malformed_json
// also ends the loop (`*broken_in_record`): call RejectRemainder. Callers count accepted signals.
template <typename Fn>
uint32_t ForEachRecord(bool* broken, bool* broken_in_record, JsonDocument& jd, od::array arr, uint32_t max_records, core::SignalBatch* out,
                       ParseResult* result, Fn&& fn) {
  uint32_t index = 0;
  uint32_t last_offset = 0;
  auto it_r = arr.begin();
  if (it_r.error()) {
    JsonDocument::RejectBody(out, result, ReasonForSimdjsonError(it_r.error()), 0);
    return 0;
  }
  auto end_r = arr.end();
  if (end_r.error()) {
    JsonDocument::RejectBody(out, result, ReasonForSimdjsonError(end_r.error()), 0);
    return 0;
  }
  od::array_iterator it = it_r.value_unsafe(), end = end_r.value_unsafe();
  for (; it != end; ++it) {
    auto elem = *it;
    if (elem.error()) {
      // The array cannot be read past here: one rejection for the unreadable remainder.
      core::Rejection r;
      r.reason = ReasonForSimdjsonError(elem.error());
      if (r.reason == core::RejectReason::kWrongType || r.reason == core::RejectReason::kMissingField)
        r.reason = core::RejectReason::kMalformedJson;
      r.offset = last_offset;
      r.record_index = index;
      r.field = "";
      out->Reject(r);
      ++result->rejected;
      *broken = true;
      return index + 1;
    }
    od::value v = elem.value_unsafe();
    uint32_t offset = jd.OffsetOf(v, last_offset);
    last_offset = offset;
    if (index >= max_records) {
      core::Rejection r;
      r.reason = core::RejectReason::kTooManyRecords;
      r.offset = offset;
      r.record_index = index;
      out->Reject(r);
      ++result->rejected;
      ++index;
      continue;
    }
    RecordStatus st = fn(v, index, offset);
    if (st.failed) {
      core::Rejection r;
      r.reason = st.reason;
      r.offset = offset;
      r.record_index = index;
      r.field = st.field;
      out->Reject(r);
      ++result->rejected;
      if (st.reason == core::RejectReason::kMalformedJson) {
        // Broken structure inside a record: the iterator cannot be trusted past it. The caller
        // rejects what follows once (RejectRemainder).
        *broken = true;
        *broken_in_record = true;
        return index + 1;
      }
    }
    ++index;
  }
  return index;
}

// After a record broke the structure: one malformed_json rejection (record `index`) at the first
// byte after the document's current position that is not whitespace, ']' or '}' -- if any.
void RejectRemainder(JsonDocument& jd, od::document& doc, uint32_t index, core::SignalBatch* out,
                     ParseResult* result);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_JSON_DOCUMENT_H_
