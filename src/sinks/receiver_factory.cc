// src/sinks/receiver_factory.cc
#include "sinks/receiver_factory.h"

#include <algorithm>
#include <utility>

#include "core/status_macros.h"
#include "sinks/file/file_sink.h"
#include "sinks/pagerduty/pagerduty_sink.h"
#include "sinks/send_resolved_receiver.h"
#include "sinks/slack/slack_sink.h"
#include "sinks/stdout/stdout_sink.h"
#include "sinks/webhook/webhook_sink.h"

namespace quell::sinks {

absl::StatusOr<ReceiverSet> BuildReceivers(const SinksConfig& config, ReceiverDeps deps) {
  ReceiverSet set;
  bool needs_http = false;
  for (const auto& r : config.receivers) {
    needs_http |= !r.pagerduty_configs.empty() || !r.slack_configs.empty() || !r.webhook_configs.empty();
  }
  if (needs_http && !deps.http) deps.http = std::make_shared<HttpClient>();
  // Every integration goes through here once: wrapped for `send_resolved: false`, bare otherwise.
  auto add = [&](std::unique_ptr<Receiver> rec, const ReceiverConfig& rc, bool send_resolved,
                 std::optional<double> cap) {
    rec = WithSendResolved(std::move(rec), send_resolved, SendResolvedReceiver::GateVerdicts::kFiltered);
    std::optional<RateLimit> lim = rc.rate_limit;
    if (cap) {
      if (!lim || lim->per_second > *cap) lim = RateLimit{*cap, lim ? std::min(lim->burst, std::max(1.0, *cap)) : 1.0};
    }
    if (lim) set.rate_limits[rec->id()] = *lim;
    set.receivers.push_back(std::move(rec));
  };
  for (const auto& rc : config.receivers) {
    int i = 0;
    for (const auto& c : rc.pagerduty_configs) {
      QUELL_ASSIGN_OR_RETURN(auto s, PagerDutySink::Create(rc.name, i++, c, deps.http, deps.clock));
      add(std::move(s), rc, c.send_resolved, std::nullopt);
    }
    i = 0;
    for (const auto& c : rc.slack_configs) {
      QUELL_ASSIGN_OR_RETURN(auto s, SlackSink::Create(rc.name, i++, c, deps.http, deps.clock));
      add(std::move(s), rc, c.send_resolved, c.per_second);
    }
    i = 0;
    for (const auto& c : rc.webhook_configs) {
      QUELL_ASSIGN_OR_RETURN(auto s, WebhookSink::Create(rc.name, i++, c, deps.http, deps.clock));
      add(std::move(s), rc, c.send_resolved, std::nullopt);
    }
    i = 0;
    for (const auto& c : rc.file_configs) {
      add(std::make_unique<FileSink>(rc.name, i++, c), rc, c.send_resolved, std::nullopt);
    }
    i = 0;
    for (const auto& c : rc.stdout_configs) {
      add(std::make_unique<StdoutSink>(rc.name, i++, deps.stdout_stream), rc, c.send_resolved, std::nullopt);
    }
  }
  return set;
}

}  // namespace quell::sinks
