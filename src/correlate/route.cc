#include "correlate/route.h"

#include "fmt/format.h"

namespace quell::correlate {

RouteTree::RouteTree(const RouteConfig& root) { Add(root, -1, MatchersToString(root.matchers)); }

int RouteTree::Add(const RouteConfig& cfg, int parent, std::string id) {
  int idx = static_cast<int>(routes_.size());
  routes_.emplace_back();
  routes_[idx].index = idx;
  routes_[idx].parent = parent;
  routes_[idx].config = &cfg;
  std::string key = parent >= 0 ? routes_[parent].key + "/" : "";
  key += MatchersToString(cfg.matchers);
  routes_[idx].key = key;
  routes_[idx].id = std::move(id);
  routes_[idx].name = fmt::format("route {} ({})", key, cfg.where.ToString());
  for (size_t i = 0; i < cfg.routes.size(); ++i) {
    const RouteConfig& c = cfg.routes[i];
    const std::string m = MatchersToString(c.matchers);
    bool twin = false;
    for (size_t j = 0; j < cfg.routes.size() && !twin; ++j) twin = j != i && MatchersToString(cfg.routes[j].matchers) == m;
    int ci = Add(c, idx, twin ? fmt::format("{}/{}/{}", routes_[idx].id, m, i) : routes_[idx].id + "/" + m);
    routes_[idx].children.push_back(ci);
  }
  return idx;
}

bool RouteTree::MatchFrom(int i, core::LabelView labels, std::vector<int>* out) const {
  const Route& r = routes_[i];
  if (!MatchesAll(r.config->matchers, labels)) return false;
  size_t before = out->size();
  for (int c : r.children) {
    bool matched = MatchFrom(c, labels, out);
    if (matched && !routes_[c].config->continue_matching) break;
  }
  if (out->size() == before) out->push_back(i);
  return true;
}

void RouteTree::Match(core::LabelView labels, std::vector<int>* out) const {
  out->clear();
  MatchFrom(0, labels, out);
}

int RouteTree::FindByKey(std::string_view key) const {
  for (const Route& r : routes_) {
    if (r.key == key) return r.index;
  }
  return -1;
}

}  // namespace quell::correlate
