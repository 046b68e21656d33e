// src/correlate/compiled_rules.h
//
// CompiledRules: a RulesConfig turned into what the engine runs: the route tree, the topology,
// and the rule table that decisions point into (so an explain entry names "inhibit_rules[2]
// at rules.yaml:40:5"). Built once per (re)load and shared read-only by every shard through a
// shared_ptr; incidents keep the CompiledRules they were opened under, so a reload never changes
// the route settings of an open incident. Immutable; safe to share across threads.
#ifndef QUELL_CORRELATE_COMPILED_RULES_H_
#define QUELL_CORRELATE_COMPILED_RULES_H_

#include <memory>
#include <string>
#include <vector>

#include "correlate/route.h"
#include "correlate/rules_config.h"
#include "correlate/topology.h"

namespace quell::correlate {

struct RuleRef {
  std::string name;
  std::string where;  // file:line:col, or "" for built-in rules.
};

// Where ShardedEngine puts an alert (docs/rules.md, "Sharding"). Every rule the engine applies
// across alerts must find them on one shard: the alerts of one group, of one topology component,
// and an inhibition's source and target.
enum class ShardPlacement {
  // No inhibit rules: the topology component when the alert's service is in the topology, else the
  // hash of its first matched route and that route's group_by values.
  kRoute,
  // Inhibit rules: the topology component when the alert's service is in the topology, else the
  // hash of its values of shard_key(): the labels every inhibit rule's `equal` and every route's
  // group_by share, so that a source and its target (equal values) and a group's alerts (equal
  // group_by values) meet whatever route they took.
  kKey,
  // Inhibit rules whose `equal` and the routes' group_by share no label (or a topology with a key
  // that lacks `service`): every alert on the first shard, so that inhibition stays exact.
  kSingle,
};

class CompiledRules {
 public:
  static std::shared_ptr<const CompiledRules> Build(RulesConfig config);

  const RulesConfig& config() const { return config_; }
  const RouteTree& routes() const { return *routes_; }
  const Topology& topology() const { return *topology_; }
  const std::vector<RuleRef>& rules() const { return rules_; }
  const EngineSettings& settings() const { return config_.settings; }

  // Rule table indices.
  uint32_t RouteRule(int route) const { return static_cast<uint32_t>(route); }
  uint32_t InhibitRule(size_t i) const { return inhibit_base_ + static_cast<uint32_t>(i); }
  uint32_t MaintenanceRule(size_t i) const { return maintenance_base_ + static_cast<uint32_t>(i); }
  uint32_t RateLimitRule(size_t i) const { return rate_limit_base_ + static_cast<uint32_t>(i); }
  uint32_t dedup_rule() const { return fixed_base_ + 0; }
  uint32_t flapping_rule() const { return fixed_base_ + 1; }
  uint32_t transient_rule() const { return fixed_base_ + 2; }
  uint32_t lateness_rule() const { return fixed_base_ + 3; }
  uint32_t eviction_rule() const { return fixed_base_ + 4; }
  uint32_t silence_rule() const { return fixed_base_ + 5; }
  uint32_t ack_rule() const { return fixed_base_ + 6; }
  uint32_t deploys_rule() const { return fixed_base_ + 7; }
  uint32_t future_skew_rule() const { return fixed_base_ + 8; }
  // Index of the rate limit for `receiver`, or -1.
  int RateLimitFor(std::string_view receiver) const;

  ShardPlacement shard_placement() const { return shard_placement_; }
  // kKey: the label names (sorted) whose values place an alert.
  const std::vector<std::string>& shard_key() const { return shard_key_; }
  // One line for check-config: how alerts are placed on shards, and why.
  std::string DescribeShardPlacement() const;

 private:
  CompiledRules() = default;
  void PlaceShards();
  RulesConfig config_;
  std::unique_ptr<RouteTree> routes_;
  std::unique_ptr<Topology> topology_;
  std::vector<RuleRef> rules_;
  uint32_t inhibit_base_ = 0, maintenance_base_ = 0, rate_limit_base_ = 0, fixed_base_ = 0;
  ShardPlacement shard_placement_ = ShardPlacement::kRoute;
  std::vector<std::string> shard_key_;
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_COMPILED_RULES_H_
