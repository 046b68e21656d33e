#include "core/duration.h"

#include <cstdint>

#include "fmt/format.h"

namespace quell::core {
namespace {

struct Unit {
  std::string_view name;
  absl::Duration size;
};

// Longest unit names first where one is a prefix of another ("ms" before "m").
constexpr int kUnitCount = 9;
const Unit* Units() {
  static const Unit kUnits[kUnitCount] = {
      {"y", absl::Hours(24 * 365)}, {"w", absl::Hours(24 * 7)}, {"d", absl::Hours(24)},
      {"h", absl::Hours(1)},        {"ms", absl::Milliseconds(1)}, {"m", absl::Minutes(1)},
      {"s", absl::Seconds(1)},      {"us", absl::Microseconds(1)}, {"ns", absl::Nanoseconds(1)},
  };
  return kUnits;
}

int UnitRank(std::string_view name) {
  static constexpr std::string_view kOrder[] = {"y", "w", "d", "h", "m", "s", "ms", "us", "ns"};
  for (int i = 0; i < 9; ++i) {
    if (kOrder[i] == name) return i;
  }
  return -1;
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(fmt::format("invalid duration \"{}\": {}", text, why));
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return absl::ZeroDuration();
  if (text.front() == '-') return bad("negative durations are not allowed");
  absl::Duration total = absl::ZeroDuration();
  size_t i = 0;
  int last_rank = -1;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad("expected a number");
    uint64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > (uint64_t{1} << 40)) return bad("number too large");
      ++i;
    }
    const Unit* unit = nullptr;
    for (int u = 0; u < kUnitCount; ++u) {
      const Unit& cand = Units()[u];
      if (text.substr(i, cand.name.size()) == cand.name) {
        // "m" must not swallow the "m" of "ms".
        if (cand.name == "m" && text.substr(i, 2) == "ms") continue;
        unit = &cand;
        break;
      }
    }
    if (unit == nullptr) return bad("expected a unit (y, w, d, h, m, s, ms, us, ns)");
    int rank = UnitRank(unit->name);
    if (rank <= last_rank) return bad("units must appear once each, largest first");
    last_rank = rank;
    i += unit->name.size();
    total += unit->size * static_cast<int64_t>(n);
  }
  return total;
}

std::string DurationToString(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0s";
  std::string out;
  static constexpr std::string_view kOrder[] = {"y", "w", "d", "h", "m", "s", "ms", "us", "ns"};
  static const absl::Duration kSizes[] = {
      absl::Hours(24 * 365), absl::Hours(24 * 7), absl::Hours(24), absl::Hours(1),
      absl::Minutes(1),      absl::Seconds(1),    absl::Milliseconds(1), absl::Microseconds(1),
      absl::Nanoseconds(1)};
  for (int i = 0; i < 9; ++i) {
    int64_t n = absl::IDivDuration(d, kSizes[i], &d);
    if (n > 0) fmt::format_to(std::back_inserter(out), "{}{}", n, kOrder[i]);
  }
  return out;
}

}  // namespace quell::core
