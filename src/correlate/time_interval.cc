#include "correlate/time_interval.h"

#include <charconv>
#include <set>

#include "core/status_macros.h"
#include "core/strings.h"
#include "fmt/format.h"

namespace quell::correlate {
namespace {

constexpr const char* kWeekdays[] = {"sunday", "monday", "tuesday", "wednesday",
                                     "thursday", "friday", "saturday"};
constexpr const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                   "july",    "august",   "september", "october", "november", "december"};

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Parses a name (from `names`, 0-based + offset) or a number.
bool ParseNamed(std::string_view s, const char* const* names, int n, int offset, int* out) {
  for (int i = 0; i < n; ++i) {
    if (core::EqualsIgnoreCase(s, names[i])) {
      *out = i + offset;
      return true;
    }
  }
  return ParseInt(s, out);
}

using RangeParser = bool (*)(std::string_view, int*);

// GCC 12 at -O3 reports a false "maybe-uninitialized" on std::string's SSO buffer when a
// std::string_view of it is compared (GCC bug 105562); the string is always initialized here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

absl::Status ParseRanges(const core::YamlNode& parent, std::string_view key, RangeParser parse,
                         int lo, int hi, std::vector<std::pair<int, int>>* out) {
  auto child = parent.Child(key);
  if (!child) return absl::OkStatus();
  if (!child->IsSequence()) return child->Error(fmt::format("{}: expected a list of ranges", key));
  for (const core::YamlNode& item : child->Items()) {
    auto text_or = item.AsString();
    if (!text_or.ok()) return text_or.status();
    std::string text = *std::move(text_or);
    std::string_view s = text;
    size_t colon = s.find(':', s.starts_with("-") ? 1 : 0);
    int a = 0, b = 0;
    bool ok;
    if (colon == std::string_view::npos) {
      ok = parse(s, &a);
      b = a;
    } else {
      ok = parse(s.substr(0, colon), &a) && parse(s.substr(colon + 1), &b);
    }
    bool in_range = ok && a >= lo && a <= hi && b >= lo && b <= hi && (a != 0 || lo != -31) &&
                    (b != 0 || lo != -31);
    if (!in_range) {
      return item.Error(fmt::format("{}: invalid range \"{}\"", key, text));
    }
    if ((a > 0) == (b > 0) && a > b) {
      return item.Error(fmt::format("{}: range \"{}\" starts after it ends", key, text));
    }
    out->emplace_back(a, b);
  }
  return absl::OkStatus();
}

#pragma GCC diagnostic pop

bool ParseWeekday(std::string_view s, int* out) {
  for (int i = 0; i < 7; ++i) {
    if (core::EqualsIgnoreCase(s, kWeekdays[i])) {
      *out = i;
      return true;
    }
  }
  return false;
}
bool ParseMonth(std::string_view s, int* out) { return ParseNamed(s, kMonths, 12, 1, out); }
bool ParseDay(std::string_view s, int* out) { return ParseInt(s, out); }

bool ParseClock(std::string_view s, int* minutes) {
  size_t colon = s.find(':');
  int h = 0, m = 0;
  if (colon == std::string_view::npos || colon == 0 || s.size() - colon != 3) return false;
  if (!ParseInt(s.substr(0, colon), &h) || !ParseInt(s.substr(colon + 1), &m)) return false;
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) return false;
  *minutes = h * 60 + m;
  return true;
}

bool InRanges(const std::vector<std::pair<int, int>>& ranges, int v) {
  if (ranges.empty()) return true;
  for (auto [a, b] : ranges) {
    if (v >= a && v <= b) return true;
  }
  return false;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool TimeInterval::Contains(absl::Time t) const {
  absl::CivilSecond cs = absl::ToCivilSecond(t, location);
  if (!times.empty()) {
    int minute = cs.hour() * 60 + cs.minute();
    bool any = false;
    for (auto [a, b] : times) {
      if (minute >= a && minute < b) any = true;
    }
    if (!any) return false;
  }
  // absl numbers monday 0 .. sunday 6; Alertmanager sunday 0 .. saturday 6.
  int weekday = (static_cast<int>(absl::GetWeekday(absl::CivilDay(cs))) + 1) % 7;
  if (!InRanges(weekdays, weekday)) return false;
  if (!days_of_month.empty()) {
    int dim = DaysInMonth(static_cast<int>(cs.year()), cs.month());
    bool any = false;
    for (auto [a, b] : days_of_month) {
      int lo = a < 0 ? dim + 1 + a : a;
      int hi = b < 0 ? dim + 1 + b : b;
      if (cs.day() >= lo && cs.day() <= std::min(hi, dim)) any = true;
    }
    if (!any) return false;
  }
  if (!InRanges(months, cs.month())) return false;
  if (!InRanges(years, static_cast<int>(cs.year()))) return false;
  return true;
}

bool NamedTimeInterval::Contains(absl::Time t) const {
  for (const TimeInterval& i : intervals) {
    if (i.Contains(t)) return true;
  }
  return false;
}

absl::StatusOr<TimeInterval> ParseTimeInterval(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "time interval", {"times", "weekdays", "days_of_month", "months", "years", "location"}));
  TimeInterval ti;
  if (auto times = node.Child("times")) {
    if (!times->IsSequence()) return times->Error("times: expected a list");
    for (const core::YamlNode& item : times->Items()) {
      QUELL_RETURN_IF_ERROR(item.CheckKeys("times", {"start_time", "end_time"}));
      std::string start, end;
      QUELL_RETURN_IF_ERROR(item.RequireString("start_time", &start));
      QUELL_RETURN_IF_ERROR(item.RequireString("end_time", &end));
      int a = 0, b = 0;
      if (!ParseClock(start, &a)) return item.Child("start_time")->Error(fmt::format("start_time: invalid time \"{}\" (want HH:MM)", start));
      if (!ParseClock(end, &b)) return item.Child("end_time")->Error(fmt::format("end_time: invalid time \"{}\" (want HH:MM)", end));
      if (a >= b) return item.Error("times: start_time must be before end_time");
      ti.times.emplace_back(a, b);
    }
  }
  QUELL_RETURN_IF_ERROR(ParseRanges(node, "weekdays", ParseWeekday, 0, 6, &ti.weekdays));
  QUELL_RETURN_IF_ERROR(ParseRanges(node, "days_of_month", ParseDay, -31, 31, &ti.days_of_month));
  QUELL_RETURN_IF_ERROR(ParseRanges(node, "months", ParseMonth, 1, 12, &ti.months));
  QUELL_RETURN_IF_ERROR(ParseRanges(node, "years", ParseDay, 1, 9999, &ti.years));
  if (auto loc = node.Child("location")) {
    QUELL_ASSIGN_OR_RETURN(ti.location_name, loc->AsString());
    if (ti.location_name == "Local") {
      return loc->Error("location: \"Local\" is not allowed (the engine is deterministic); name a zone");
    }
    if (!absl::LoadTimeZone(core::ToAbsl(ti.location_name), &ti.location)) {
      return loc->Error(fmt::format("location: unknown time zone \"{}\"", ti.location_name));
    }
  }
  return ti;
}

absl::StatusOr<std::vector<NamedTimeInterval>> ParseTimeIntervals(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectSequence("time_intervals"));
  std::vector<NamedTimeInterval> out;
  std::set<std::string> names;
  for (const core::YamlNode& item : node.Items()) {
    QUELL_RETURN_IF_ERROR(item.CheckKeys("time_intervals", {"name", "time_intervals"}));
    NamedTimeInterval nti;
    nti.where = item.location();
    QUELL_RETURN_IF_ERROR(item.RequireString("name", &nti.name));
    if (!names.insert(nti.name).second) {
      return item.Child("name")->Error(fmt::format("time_intervals: name \"{}\" is defined twice", nti.name));
    }
    if (auto list = item.Child("time_intervals")) {
      QUELL_RETURN_IF_ERROR(list->ExpectSequence("time_intervals"));
      for (const core::YamlNode& ti : list->Items()) {
        QUELL_ASSIGN_OR_RETURN(TimeInterval parsed, ParseTimeInterval(ti));
        nti.intervals.push_back(std::move(parsed));
      }
    }
    out.push_back(std::move(nti));
  }
  return out;
}

}  // namespace quell::correlate
