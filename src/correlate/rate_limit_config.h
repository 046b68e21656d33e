// src/correlate/rate_limit_config.h
//
// `rate_limits:` per-receiver page budgets and storm roll-up. A receiver may get `pages` new
// incident pages per `window` (a token bucket: rate pages/window, burst pages). Past it, further
// new incidents roll up: the first one opens a storm and sends one storm page (to
// `storm_receiver`, default the same receiver); later ones join the storm silently (recorded "rolled
// into storm"). The storm closes after `window` without roll-ups. Updates and resolves of
// incidents that already paged are never limited.
//
//   rate_limits:
//     - receiver: pagerduty-payments
//       pages: 5
//       window: 10m
#ifndef QUELL_CORRELATE_RATE_LIMIT_CONFIG_H_
#define QUELL_CORRELATE_RATE_LIMIT_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::correlate {

struct RateLimitConfig {
  std::string receiver;
  int pages = 10;
  absl::Duration window = absl::Minutes(10);
  std::string storm_receiver;       // Default: receiver.
  core::SourceLocation where;
  core::SourceLocation receiver_where;
};

[[nodiscard]] absl::StatusOr<std::vector<RateLimitConfig>> ParseRateLimits(const core::YamlNode& node);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_RATE_LIMIT_CONFIG_H_
