// src/core/dead_letter.h
//
// Why a record was rejected. On the hot path a rejection is this small value (reason, byte
// offset, record index, and a static field name); it becomes a dead-letter entry with the original
// bytes only on the dead-letter path (ingest/dead_letter_writer, Kafka dead-letter topic). Reasons
// are a closed set so they can label a counter (quell_ingest_dead_letters_total{reason}).
#ifndef QUELL_CORE_DEAD_LETTER_H_
#define QUELL_CORE_DEAD_LETTER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace quell::core {

enum class RejectReason : uint8_t {
  kEmptyBody = 0,      // Nothing to parse.
  kMalformedJson,      // Not JSON, truncated, or broken structure.
  kWrongType,          // A field has the wrong JSON type (e.g. labels not an object).
  kMissingField,       // A required field is absent.
  kInvalidValue,       // Present and typed right, but unusable (bad timestamp, bad enum, bad hex).
  kOutOfRange,         // A number outside its allowed range.
  kTooLarge,           // A string, record or body over its limit.
  kTooDeep,            // Nesting deeper than the parser's limit.
  kInvalidUtf8,        // Strings must be valid UTF-8.
  kTooManyRecords,     // More records in one body than allowed.
  kUnsupported,        // A valid record of a kind Quell does not take (e.g. exponential histogram).
  kMalformedProtobuf,  // An OTLP protobuf body whose wire format is broken (truncated, bad length).
};
inline constexpr int kRejectReasonCount = 12;

// "empty_body", "malformed_json", ... (stable: metric label values and dead-letter headers).
std::string_view RejectReasonName(RejectReason r);

struct Rejection {
  RejectReason reason = RejectReason::kMalformedJson;
  uint32_t offset = 0;        // Byte offset in the input buffer where the record (or error) is.
  uint32_t record_index = 0;  // Index of the record within its body (0 for single-record bodies).
  const char* field = "";     // Static string naming the offending field ("labels", "timeUnixNano").
  // Where the rejected record starts when `offset` points inside it (an invalid UTF-8 byte) or the
  // rejection is the whole body's (0), so that the dead letter keeps the whole record;
  // kRecordAtOffset: the record (or the unreadable rest) starts at `offset`.
  static constexpr uint32_t kRecordAtOffset = UINT32_MAX;
  uint32_t record_begin = kRecordAtOffset;
  // How many of the format's items the rejection stands for: 1, except for an OTLP resource or
  // scope entry (or metric) rejected whole, which rejects the log records, spans or data points
  // it held (OTLP partialSuccess counts those).
  uint32_t units = 1;

  // "malformed_json at byte 120 (record 3, field labels)".
  std::string ToString() const;
};

}  // namespace quell::core

#endif  // QUELL_CORE_DEAD_LETTER_H_
