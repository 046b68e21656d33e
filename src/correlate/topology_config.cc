#include "correlate/topology_config.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {
namespace {

// DFS colouring; on a back edge fills `cycle` with the path.
bool FindCycle(const std::string& s, const std::map<std::string, const TopologyService*>& by_name,
               std::map<std::string, int>* colour, std::vector<std::string>* stack,
               std::vector<std::string>* cycle) {
  (*colour)[s] = 1;
  stack->push_back(s);
  for (const std::string& d : by_name.at(s)->depends_on) {
    int c = (*colour)[d];
    if (c == 1) {
      auto it = std::find(stack->begin(), stack->end(), d);
      cycle->assign(it, stack->end());
      cycle->push_back(d);
      return true;
    }
    if (c == 0 && FindCycle(d, by_name, colour, stack, cycle)) return true;
  }
  stack->pop_back();
  (*colour)[s] = 2;
  return false;
}

}  // namespace

absl::StatusOr<TopologyConfig> ParseTopology(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("topology", {"window", "services"}));
  TopologyConfig cfg;
  cfg.where = node.location();
  QUELL_RETURN_IF_ERROR(node.ReadDuration("window", &cfg.window));
  std::map<std::string, const TopologyService*> by_name;
  std::vector<core::YamlNode> nodes;
  if (auto services = node.Child("services")) {
    QUELL_RETURN_IF_ERROR(services->ExpectSequence("services"));
    for (const core::YamlNode& item : services->Items()) {
      QUELL_RETURN_IF_ERROR(item.CheckKeys("topology service", {"name", "depends_on"}));
      TopologyService s;
      s.where = item.location();
      QUELL_RETURN_IF_ERROR(item.RequireString("name", &s.name));
      QUELL_RETURN_IF_ERROR(item.ReadStringList("depends_on", &s.depends_on));
      for (const TopologyService& o : cfg.services) {
        if (o.name == s.name) {
          return item.Child("name")->Error(fmt::format("topology: service \"{}\" is listed twice", s.name));
        }
      }
      cfg.services.push_back(std::move(s));
      nodes.push_back(item);
    }
  }
  for (const TopologyService& s : cfg.services) by_name[s.name] = &s;
  for (size_t i = 0; i < cfg.services.size(); ++i) {
    for (const std::string& d : cfg.services[i].depends_on) {
      if (d == cfg.services[i].name) {
        return nodes[i].Child("depends_on")->Error(fmt::format("topology: service \"{}\" depends on itself", d));
      }
      if (!by_name.count(d)) {
        return nodes[i].Child("depends_on")->Error(
            fmt::format("topology: service \"{}\" depends on undefined service \"{}\"", cfg.services[i].name, d));
      }
    }
  }
  std::map<std::string, int> colour;
  for (size_t i = 0; i < cfg.services.size(); ++i) {
    std::vector<std::string> stack, cycle;
    if (colour[cfg.services[i].name] == 0 &&
        FindCycle(cfg.services[i].name, by_name, &colour, &stack, &cycle)) {
      return nodes[i].Error(fmt::format("topology: dependency cycle: {}", fmt::join(cycle, " -> ")));
    }
  }
  return cfg;
}

}  // namespace quell::correlate
