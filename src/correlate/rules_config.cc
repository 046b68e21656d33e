#include "correlate/rules_config.h"

#include <filesystem>

#include "core/read_file.h"
#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {
namespace {

constexpr std::string_view kOwnKeys[] = {"route",       "inhibit_rules", "time_intervals",
                                         "maintenance_windows", "dedup", "flapping",
                                         "transient",   "topology",      "deploys",
                                         "rate_limits", "correlate"};
constexpr std::string_view kOtherKeys[] = {"server", "ingest", "receivers", "gates", "redaction",
                                           "outbox", "runbooks", "auth", "audit", "include"};

template <typename T, size_t N>
bool Contains(const T (&arr)[N], std::string_view key) {
  for (std::string_view k : arr) {
    if (k == key) return true;
  }
  return false;
}

absl::Status Err(const core::SourceLocation& where, std::string_view msg) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", where.ToString(), msg));
}

absl::Status ValidateRoute(const RulesConfig& cfg, const RouteConfig& r,
                           const std::set<std::string>& receivers, const std::string& runbooks_dir) {
  if (!receivers.count(r.receiver)) {
    return Err(r.receiver_where, fmt::format("route: undefined receiver \"{}\"", r.receiver));
  }
  if (!r.low_urgency_receiver.empty() && !receivers.count(r.low_urgency_receiver)) {
    return Err(r.where, fmt::format("route: undefined low_urgency_receiver \"{}\"", r.low_urgency_receiver));
  }
  for (const auto* list : {&r.mute_time_intervals, &r.active_time_intervals}) {
    for (const std::string& name : *list) {
      if (cfg.FindTimeInterval(name) == nullptr) {
        return Err(r.where, fmt::format("route: undefined time interval \"{}\"", name));
      }
    }
  }
  // A leaf (or a route alerts can stop at) that pages must carry a runbook.
  if (r.route_class == RouteClass::kActionable) {
    if (r.runbook.empty()) {
      return Err(r.where, fmt::format("route: paging route to receiver \"{}\" has no runbook", r.receiver));
    }
    if (!runbooks_dir.empty()) {
      std::filesystem::path p = std::filesystem::path(runbooks_dir) / r.runbook;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec)) {
        std::string where = runbooks_dir;
        if (std::filesystem::path(runbooks_dir).is_relative()) {  // Relative to the working directory: say which.
          std::filesystem::path cwd = std::filesystem::current_path(ec);
          if (!ec) where += fmt::format(" (relative to the working directory {})", cwd.string());
        }
        return Err(r.runbook_where, fmt::format("route: runbook \"{}\" does not exist in {}", r.runbook, where));
      }
    }
  }
  for (const RouteConfig& c : r.routes) QUELL_RETURN_IF_ERROR(ValidateRoute(cfg, c, receivers, runbooks_dir));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RulesConfig> ParseRulesConfig(const core::YamlNode& root, bool strict) {
  QUELL_RETURN_IF_ERROR(root.ExpectMap("config"));
  RulesConfig cfg;
  for (const core::YamlEntry& e : root.Entries()) {
    if (Contains(kOwnKeys, e.key)) continue;
    if (strict && !Contains(kOtherKeys, e.key)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: config: unknown key \"{}\"", e.key_location.ToString(), e.key));
    }
  }
  auto route = root.Child("route");
  if (!route) return root.Error("config: missing required key \"route\"");
  // time_intervals first: nothing refers backwards during parsing, but keep document-independent.
  if (auto n = root.Child("time_intervals")) { QUELL_ASSIGN_OR_RETURN(cfg.time_intervals, ParseTimeIntervals(*n)); }
  QUELL_ASSIGN_OR_RETURN(cfg.route, ParseRoute(*route));
  if (auto n = root.Child("inhibit_rules")) { QUELL_ASSIGN_OR_RETURN(cfg.inhibit_rules, ParseInhibitRules(*n)); }
  if (auto n = root.Child("maintenance_windows")) {
    QUELL_ASSIGN_OR_RETURN(cfg.maintenance_windows, ParseMaintenanceWindows(*n));
    for (const MaintenanceWindowConfig& w : cfg.maintenance_windows) {
      if (!w.time_interval.empty() && cfg.FindTimeInterval(w.time_interval) == nullptr) {
        return Err(w.time_interval_where, fmt::format("maintenance window: undefined time interval \"{}\"", w.time_interval));
      }
    }
  }
  if (auto n = root.Child("dedup")) { QUELL_ASSIGN_OR_RETURN(cfg.dedup, ParseDedup(*n)); }
  if (auto n = root.Child("flapping")) { QUELL_ASSIGN_OR_RETURN(cfg.flapping, ParseFlapping(*n)); }
  if (auto n = root.Child("transient")) { QUELL_ASSIGN_OR_RETURN(cfg.transient, ParseTransient(*n)); }
  if (auto n = root.Child("topology")) { QUELL_ASSIGN_OR_RETURN(cfg.topology, ParseTopology(*n)); }
  if (auto n = root.Child("deploys")) { QUELL_ASSIGN_OR_RETURN(cfg.deploys, ParseDeploys(*n)); }
  if (auto n = root.Child("rate_limits")) { QUELL_ASSIGN_OR_RETURN(cfg.rate_limits, ParseRateLimits(*n)); }
  if (auto n = root.Child("correlate")) { QUELL_ASSIGN_OR_RETURN(cfg.settings, ParseEngineSettings(*n)); }
  return cfg;
}

absl::Status Validate(const RulesConfig& config, const std::set<std::string>& receiver_names,
                      const std::string& runbooks_dir) {
  QUELL_RETURN_IF_ERROR(ValidateRoute(config, config.route, receiver_names, runbooks_dir));
  for (const RateLimitConfig& r : config.rate_limits) {
    if (!receiver_names.count(r.receiver)) {
      return Err(r.receiver_where, fmt::format("rate_limits: undefined receiver \"{}\"", r.receiver));
    }
    if (!receiver_names.count(r.storm_receiver)) {
      return Err(r.where, fmt::format("rate_limits: undefined storm_receiver \"{}\"", r.storm_receiver));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RulesConfig> LoadRulesFile(const std::string& path) {
  QUELL_ASSIGN_OR_RETURN(core::YamlNode root, core::YamlNode::LoadFile(path));
  QUELL_ASSIGN_OR_RETURN(RulesConfig cfg, ParseRulesConfig(root));
  QUELL_ASSIGN_OR_RETURN(cfg.original_yaml, core::ReadFile(path));
  return cfg;
}

absl::StatusOr<RulesConfig> LoadRulesString(std::string_view text, std::string name) {
  QUELL_ASSIGN_OR_RETURN(core::YamlNode root, core::YamlNode::LoadString(text, std::move(name)));
  QUELL_ASSIGN_OR_RETURN(RulesConfig cfg, ParseRulesConfig(root));
  cfg.original_yaml = std::string(text);
  return cfg;
}

}  // namespace quell::correlate
