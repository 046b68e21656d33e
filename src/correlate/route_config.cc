#include "correlate/route_config.h"

#include <algorithm>
#include <set>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {
namespace {

absl::Status ParseOne(const core::YamlNode& node, const RouteConfig* parent, RouteConfig* out) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "route", {"receiver", "matchers", "match", "match_re", "continue", "group_by", "group_wait",
                "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals",
                "class", "low_urgency_receiver", "runbook", "routes"}));
  RouteConfig& r = *out;
  r.where = node.location();
  if (parent != nullptr) {
    r.receiver = parent->receiver;
    r.receiver_where = parent->receiver_where;
    r.group_by = parent->group_by;
    r.group_by_all = parent->group_by_all;
    r.group_wait = parent->group_wait;
    r.group_interval = parent->group_interval;
    r.repeat_interval = parent->repeat_interval;
    r.route_class = parent->route_class;
    r.low_urgency_receiver = parent->low_urgency_receiver;
    r.runbook = parent->runbook;
    r.runbook_where = parent->runbook_where;
  }
  if (auto n = node.Child("receiver")) {
    QUELL_ASSIGN_OR_RETURN(r.receiver, n->AsString());
    r.receiver_where = n->location();
  }
  if (parent == nullptr) {
    if (r.receiver.empty()) return node.Error("route: the root route needs a receiver");
    if (node.Child("matchers") || node.Child("match") || node.Child("match_re")) {
      return node.Error("route: the root route must not have matchers");
    }
    if (node.Child("continue")) return node.Error("route: the root route cannot have continue");
  }
  if (auto n = node.Child("matchers")) {
    QUELL_ASSIGN_OR_RETURN(Matchers ms, ParseMatcherList(*n, "matchers"));
    for (Matcher& m : ms) r.matchers.push_back(std::move(m));
  }
  if (auto n = node.Child("match")) {
    QUELL_ASSIGN_OR_RETURN(Matchers ms, ParseLegacyMatch(*n, false, "match"));
    for (Matcher& m : ms) r.matchers.push_back(std::move(m));
  }
  if (auto n = node.Child("match_re")) {
    QUELL_ASSIGN_OR_RETURN(Matchers ms, ParseLegacyMatch(*n, true, "match_re"));
    for (Matcher& m : ms) r.matchers.push_back(std::move(m));
  }
  SortMatchers(&r.matchers);
  QUELL_RETURN_IF_ERROR(node.ReadBool("continue", &r.continue_matching));
  if (auto n = node.Child("group_by")) {
    QUELL_ASSIGN_OR_RETURN(std::vector<std::string> names, n->AsStringList());
    r.group_by.clear();
    r.group_by_all = false;
    std::set<std::string> seen;
    for (const std::string& name : names) {
      if (name == "...") {
        if (names.size() != 1) return n->Error("group_by: '...' must be the only entry");
        r.group_by_all = true;
        continue;
      }
      if (!seen.insert(name).second) {
        return n->Error(fmt::format("group_by: label \"{}\" is listed twice", name));
      }
      r.group_by.push_back(name);
    }
    std::sort(r.group_by.begin(), r.group_by.end());
  }
  QUELL_RETURN_IF_ERROR(node.ReadDuration("group_wait", &r.group_wait));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("group_interval", &r.group_interval));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("repeat_interval", &r.repeat_interval));
  if (r.group_interval <= absl::ZeroDuration()) {
    return (node.Child("group_interval") ? *node.Child("group_interval") : node)
        .Error("group_interval: must be greater than 0");
  }
  if (r.repeat_interval <= absl::ZeroDuration()) {
    return (node.Child("repeat_interval") ? *node.Child("repeat_interval") : node)
        .Error("repeat_interval: must be greater than 0");
  }
  QUELL_RETURN_IF_ERROR(node.ReadStringList("mute_time_intervals", &r.mute_time_intervals));
  QUELL_RETURN_IF_ERROR(node.ReadStringList("active_time_intervals", &r.active_time_intervals));
  if (auto n = node.Child("class")) {
    auto c_or = n->AsString();
    if (!c_or.ok()) return c_or.status();
    std::string c = *std::move(c_or);
    if (c == "actionable") {
      r.route_class = RouteClass::kActionable;
    } else if (c == "investigate") {
      r.route_class = RouteClass::kInvestigate;
    } else if (c == "noise") {
      r.route_class = RouteClass::kNoise;
    } else {
      return n->Error(fmt::format("class: \"{}\" is not one of actionable, investigate, noise", c));
    }
  }
  QUELL_RETURN_IF_ERROR(node.ReadString("low_urgency_receiver", &r.low_urgency_receiver));
  if (auto n = node.Child("runbook")) {
    QUELL_ASSIGN_OR_RETURN(r.runbook, n->AsString());
    r.runbook_where = n->location();
  }
  if (auto n = node.Child("routes")) {
    QUELL_RETURN_IF_ERROR(n->ExpectSequence("routes"));
    for (const core::YamlNode& child : n->Items()) {
      RouteConfig c;
      QUELL_RETURN_IF_ERROR(ParseOne(child, &r, &c));
      r.routes.push_back(std::move(c));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view RouteClassName(RouteClass c) {
  switch (c) {
    case RouteClass::kActionable: return "actionable";
    case RouteClass::kInvestigate: return "investigate";
    case RouteClass::kNoise: return "noise";
  }
  return "actionable";
}

absl::StatusOr<RouteConfig> ParseRoute(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectMap("route"));
  RouteConfig root;
  QUELL_RETURN_IF_ERROR(ParseOne(node, nullptr, &root));
  return root;
}

absl::StatusOr<RouteConfig> ParseChildRoute(const core::YamlNode& node, const RouteConfig& parent) {
  QUELL_RETURN_IF_ERROR(node.ExpectMap("route"));
  RouteConfig child;
  QUELL_RETURN_IF_ERROR(ParseOne(node, &parent, &child));
  return child;
}

}  // namespace quell::correlate
