#include "core/dead_letter.h"

#include "fmt/format.h"

namespace quell::core {

std::string_view RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kEmptyBody: return "empty_body";
    case RejectReason::kMalformedJson: return "malformed_json";
    case RejectReason::kWrongType: return "wrong_type";
    case RejectReason::kMissingField: return "missing_field";
    case RejectReason::kInvalidValue: return "invalid_value";
    case RejectReason::kOutOfRange: return "out_of_range";
    case RejectReason::kTooLarge: return "too_large";
    case RejectReason::kTooDeep: return "too_deep";
    case RejectReason::kInvalidUtf8: return "invalid_utf8";
    case RejectReason::kTooManyRecords: return "too_many_records";
    case RejectReason::kUnsupported: return "unsupported";
    case RejectReason::kMalformedProtobuf: return "malformed_protobuf";
  }
  return "malformed_json";
}

std::string Rejection::ToString() const {
  std::string out = fmt::format("{} at byte {} (record {}", RejectReasonName(reason), offset, record_index);
  if (field != nullptr && field[0] != '\0') fmt::format_to(std::back_inserter(out), ", field {}", field);
  out += ")";
  return out;
}

}  // namespace quell::core
