// src/sinks/receiver.cc
#include "sinks/receiver.h"

#include "fmt/format.h"

namespace quell::sinks {

bool IsRetryable(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

std::string IntegrationId(std::string_view receiver, std::string_view type, int index) {
  return fmt::format("{}/{}/{}", receiver, type, index);
}

}  // namespace quell::sinks
