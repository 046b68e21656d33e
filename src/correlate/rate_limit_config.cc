#include "correlate/rate_limit_config.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {

absl::StatusOr<std::vector<RateLimitConfig>> ParseRateLimits(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectSequence("rate_limits"));
  std::vector<RateLimitConfig> out;
  for (const core::YamlNode& item : node.Items()) {
    QUELL_RETURN_IF_ERROR(item.CheckKeys("rate limit", {"receiver", "pages", "window", "storm_receiver"}));
    RateLimitConfig r;
    r.where = item.location();
    QUELL_RETURN_IF_ERROR(item.RequireString("receiver", &r.receiver));
    r.receiver_where = item.Child("receiver")->location();
    for (const RateLimitConfig& o : out) {
      if (o.receiver == r.receiver) {
        return item.Child("receiver")->Error(fmt::format("rate_limits: receiver \"{}\" is listed twice", r.receiver));
      }
    }
    int64_t pages = r.pages;
    QUELL_RETURN_IF_ERROR(item.ReadInt("pages", &pages));
    if (pages < 1 || pages > 1000000) return item.Child("pages")->Error("rate_limits: pages must be in 1..1000000");
    r.pages = static_cast<int>(pages);
    QUELL_RETURN_IF_ERROR(item.ReadDuration("window", &r.window));
    if (r.window <= absl::ZeroDuration()) return item.Child("window")->Error("rate_limits: window must be > 0");
    QUELL_RETURN_IF_ERROR(item.ReadString("storm_receiver", &r.storm_receiver));
    if (r.storm_receiver.empty()) r.storm_receiver = r.receiver;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace quell::correlate
