#include "correlate/compiled_rules.h"

#include "fmt/format.h"

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
  return c;
}

int CompiledRules::RateLimitFor(std::string_view receiver) const {
  for (size_t i = 0; i < config_.rate_limits.size(); ++i) {
    if (config_.rate_limits[i].receiver == receiver) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace quell::correlate
