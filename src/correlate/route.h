// src/correlate/route.h
//
// RouteTree: the compiled `route:` tree, flattened into a vector in depth-first order. Match()
// follows Alertmanager's dispatch: starting at the root, the first matching child wins unless it
// has `continue: true`; a route none of whose children match takes the alert itself. Each Route
// knows its Alertmanager key ("{}/{severity=\"critical\"}"), used in group keys and dedup keys.
// Immutable after Build; safe to share across threads.
#ifndef QUELL_CORRELATE_ROUTE_H_
#define QUELL_CORRELATE_ROUTE_H_

#include <string>
#include <vector>

#include "core/label.h"
#include "correlate/route_config.h"

namespace quell::correlate {

struct Route {
  int index = 0;
  int parent = -1;
  std::vector<int> children;
  const RouteConfig* config = nullptr;  // Points into the RulesConfig the tree was built from.
  std::string key;                      // Alertmanager route key (group_key prefix).
  // Unique among all routes: the key, but built from the parent's id and, where siblings have the
  // same matchers, with "/<sibling index>" appended (Alertmanager's Route.ID()). Equal to `key`
  // unless siblings collide. Incident identity and dedup keys use it.
  std::string id;
  std::string name;                     // For explain: "route <key> (receiver R)".
};

class RouteTree {
 public:
  // REQUIRES: `root` outlives the tree.
  explicit RouteTree(const RouteConfig& root);
  // Appends the indices of the routes `labels` lands on to *out (cleared first).
  void Match(core::LabelView labels, std::vector<int>* out) const;
  const Route& route(int i) const { return routes_[i]; }
  size_t size() const { return routes_.size(); }
  // Index of the route with `key`, or -1.
  int FindByKey(std::string_view key) const;

 private:
  int Add(const RouteConfig& cfg, int parent, std::string id);
  bool MatchFrom(int i, core::LabelView labels, std::vector<int>* out) const;
  std::vector<Route> routes_;
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_ROUTE_H_
