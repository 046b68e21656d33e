#include "correlate/maintenance_window_config.h"

#include <set>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {

absl::StatusOr<std::vector<MaintenanceWindowConfig>> ParseMaintenanceWindows(
    const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectSequence("maintenance_windows"));
  std::vector<MaintenanceWindowConfig> out;
  std::set<std::string> names;
  for (const core::YamlNode& item : node.Items()) {
    QUELL_RETURN_IF_ERROR(item.CheckKeys("maintenance window",
                                         {"name", "matchers", "start", "end", "time_interval"}));
    MaintenanceWindowConfig w;
    w.where = item.location();
    QUELL_RETURN_IF_ERROR(item.RequireString("name", &w.name));
    if (!names.insert(w.name).second) {
      return item.Child("name")->Error(fmt::format("maintenance_windows: name \"{}\" is defined twice", w.name));
    }
    if (auto n = item.Child("matchers")) {
      QUELL_ASSIGN_OR_RETURN(w.matchers, ParseMatcherList(*n, "matchers"));
    }
    auto start = item.Child("start");
    auto end = item.Child("end");
    auto ti = item.Child("time_interval");
    if (ti) {
      if (start || end) return item.Error("maintenance window: give either start/end or time_interval, not both");
      QUELL_ASSIGN_OR_RETURN(w.time_interval, ti->AsString());
      w.time_interval_where = ti->location();
    } else {
      if (!start || !end) return item.Error("maintenance window: needs start and end, or time_interval");
      for (auto [n, dst] : {std::pair{&*start, &w.start}, std::pair{&*end, &w.end}}) {
        auto text_or = n->AsString();
        if (!text_or.ok()) return text_or.status();
        std::string text = *std::move(text_or);
        auto t = core::ParseRfc3339(text);
        if (!t.ok()) return n->Error(fmt::format("maintenance window: invalid time \"{}\" (want RFC 3339)", text));
        *dst = core::EventTime::FromAbsl(*t);
      }
      if (w.end <= w.start) return end->Error("maintenance window: end must be after start");
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace quell::correlate
