// src/sinks/receiver_factory.h
//
// BuildReceivers: turns a SinksConfig into live Receivers (resolving every secret reference) plus
// each integration's rate limit, ready to hand to the Dispatcher. Components are listed here by
// type, not self-registered. `kafka_configs` entries are NOT built here (the Kafka receiver lives
// in src/sinks/kafka/ and links this library): app/ builds them with BuildKafkaReceiver
// (kafka/kafka_sink.h) and appends them to ReceiverSet::receivers before creating the Dispatcher.
//
// send_resolved: an integration whose config says `send_resolved: false` is wrapped in a
// SendResolvedReceiver (send_resolved_receiver.h), which filters gate verdicts too; one with
// `send_resolved: true` (the default) is handed over bare. The integrations do not filter.
// Rate limits: an integration gets the receiver's `rate_limit`; Slack integrations are also
// capped at their `per_second` (default 1/s, Slack's limit).
// Errors name the receiver and, for secrets, the reference; never a secret value.
#ifndef QUELL_SINKS_RECEIVER_FACTORY_H_
#define QUELL_SINKS_RECEIVER_FACTORY_H_

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "sinks/dispatcher.h"
#include "sinks/http_client.h"
#include "sinks/receiver.h"
#include "sinks/sinks_config.h"

namespace quell::sinks {

struct ReceiverSet {
  std::vector<std::unique_ptr<Receiver>> receivers;
  std::map<std::string, RateLimit> rate_limits;  // By integration id.
};

struct ReceiverDeps {
  const core::Clock* clock = core::SystemClock::Get();
  // Default: a new HttpClient shared by all HTTP receivers (and owned only by them, so it is
  // destroyed, completing every in-flight callback, while the Dispatcher destroys its receivers).
  // A caller passing its own must not keep it alive past the Dispatcher.
  std::shared_ptr<HttpClient> http;
  std::FILE* stdout_stream = stdout;    // Where stdout receivers write.
};

[[nodiscard]] absl::StatusOr<ReceiverSet> BuildReceivers(const SinksConfig& config, ReceiverDeps deps = {});

}  // namespace quell::sinks

#endif  // QUELL_SINKS_RECEIVER_FACTORY_H_
