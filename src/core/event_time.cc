#include "core/event_time.h"

#include <string>

#include "fmt/format.h"

namespace quell::core {

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) {
    return absl::InvalidArgumentError(fmt::format("invalid RFC 3339 time \"{}\": {}", text, err));
  }
  return t;
}

}  // namespace quell::core
