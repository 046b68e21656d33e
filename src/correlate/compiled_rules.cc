#include "correlate/compiled_rules.h"

#include <algorithm>
#include <iterator>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace quell::correlate {

std::shared_ptr<const CompiledRules> CompiledRules::Build(RulesConfig config) {
  std::shared_ptr<CompiledRules> c(new CompiledRules());
  c->config_ = std::move(config);
  c->routes_ = std::make_unique<RouteTree>(c->config_.route);
  c->topology_ = std::make_unique<Topology>(c->config_.topology);
  for (size_t i = 0; i < c->routes_->size(); ++i) {
    const Route& r = c->routes_->route(static_cast<int>(i));
    c->rules_.push_back({fmt::format("route {}", r.key), r.config->where.ToString()});
  }
  c->inhibit_base_ = static_cast<uint32_t>(c->rules_.size());
  for (const InhibitRuleConfig& r : c->config_.inhibit_rules) c->rules_.push_back({r.name, r.where.ToString()});
  c->maintenance_base_ = static_cast<uint32_t>(c->rules_.size());
  for (const MaintenanceWindowConfig& w : c->config_.maintenance_windows) {
    c->rules_.push_back({fmt::format("maintenance_windows {}", w.name), w.where.ToString()});
  }
  c->rate_limit_base_ = static_cast<uint32_t>(c->rules_.size());
  for (const RateLimitConfig& r : c->config_.rate_limits) {
    c->rules_.push_back({fmt::format("rate_limits {}", r.receiver), r.where.ToString()});
  }
  c->fixed_base_ = static_cast<uint32_t>(c->rules_.size());
  const RulesConfig& cfg = c->config_;
  c->rules_.push_back({"dedup", cfg.dedup.rules.empty() ? "" : cfg.dedup.rules[0].where.ToString()});
  c->rules_.push_back({"flapping", cfg.flapping.where.ToString()});
  c->rules_.push_back({"transient", cfg.transient.where.ToString()});
  c->rules_.push_back({"correlate.allowed_lateness", cfg.settings.where.ToString()});
  c->rules_.push_back({"correlate.max_fingerprints_per_shard", cfg.settings.where.ToString()});
  c->rules_.push_back({"silence", ""});
  c->rules_.push_back({"ack", ""});
  c->rules_.push_back({"deploys", cfg.deploys.where.ToString()});
  c->rules_.push_back({"correlate.max_future_skew", cfg.settings.where.ToString()});
  c->PlaceShards();
  return c;
}

void CompiledRules::PlaceShards() {
  const auto& inhibit = config_.inhibit_rules;
  if (inhibit.empty()) {
    shard_placement_ = ShardPlacement::kRoute;
    return;
  }
  // The labels every inhibit rule's `equal` and every route's group_by name (both sorted).
  std::vector<std::string> key = inhibit[0].equal;
  auto keep_common = [&key](const std::vector<std::string>& names) {
    std::vector<std::string> common;
    std::set_intersection(key.begin(), key.end(), names.begin(), names.end(), std::back_inserter(common));
    key = std::move(common);
  };
  for (const InhibitRuleConfig& r : inhibit) keep_common(r.equal);
  for (size_t i = 0; i < routes_->size(); ++i) {
    const RouteConfig& rc = *routes_->route(static_cast<int>(i)).config;
    if (!rc.group_by_all) keep_common(rc.group_by);  // group_by: ['...'] groups by every label.
  }
  // Alerts of a topology component meet by the component, which follows from `service` alone.
  const bool topology = !config_.topology.services.empty();
  if (key.empty() || (topology && !std::binary_search(key.begin(), key.end(), std::string("service")))) {
    shard_placement_ = ShardPlacement::kSingle;
    return;
  }
  shard_placement_ = ShardPlacement::kKey;
  shard_key_ = std::move(key);
}

std::string CompiledRules::DescribeShardPlacement() const {
  switch (shard_placement_) {
    case ShardPlacement::kRoute:
      return "by topology component, else by first route and its group_by";
    case ShardPlacement::kKey:
      return fmt::format("by topology component, else by [{}] (shared by every inhibit rule's equal and every "
                         "route's group_by)",
                         fmt::join(shard_key_, ", "));
    case ShardPlacement::kSingle:
      return "every alert on one shard: the inhibit rules' equal and the routes' group_by share no label"
             " (with a topology: not service), so a source and its target could land on different shards";
  }
  return "";
}

int CompiledRules::RateLimitFor(std::string_view receiver) const {
  for (size_t i = 0; i < config_.rate_limits.size(); ++i) {
    if (config_.rate_limits[i].receiver == receiver) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace quell::correlate
