// src/sinks/receiver.h
//
// Receiver: one delivery integration (one entry of a receiver's `pagerduty_configs`,
// `slack_configs`, `webhook_configs`, `kafka_configs`, `file_configs` or `stdout_configs`). A named
// receiver in config is a list of integrations; the Dispatcher (dispatcher.h) keeps one outbox entry
// per (notification, integration) and calls Deliver on each integration independently, so a slow
// Slack never holds back PagerDuty.
//
// Contract for implementations (PagerDuty, Slack, webhook, file, stdout here; Kafka in
// src/sinks/kafka/):
//   - Deliver starts ONE attempt to hand `n` to the downstream system and reports the outcome by
//     calling `done` exactly once, from any thread (an I/O thread, or inline before Deliver
//     returns). It never retries by itself: retries, backoff, circuit breaking, rate limits and
//     the outbox belong to the Dispatcher.
//   - Deliver must not block for long (no network waits on the caller's thread): queue the work on
//     the integration's own I/O thread (HttpClient, the librdkafka producer) and report later.
//   - The outcome's status code says what the Dispatcher does next:
//       OK                    accepted (PagerDuty 202, Slack 200 "ok", webhook 2xx, Kafka delivery
//                             report without error); the outbox entry is marked done.
//       Unavailable           transient (connect error, timeout, 5xx, broker down): retry with
//                             exponential backoff and full jitter; counts toward the circuit.
//       ResourceExhausted     throttled (HTTP 429, queue full): retry no earlier than
//                             `retry_after` when it is set, else backoff; does NOT count toward
//                             the circuit (the endpoint is alive, only busy).
//       anything else         permanent (InvalidArgument for HTTP 400 / Slack `invalid_payload`,
//                             PermissionDenied for 401/403, NotFound for 404/410 /
//                             `channel_not_found`, ...): never retried; the entry goes to the
//                             dead-letter file and is counted.
//   - `retry_after` is the downstream's own hint (HTTP Retry-After, seconds or HTTP date, already
//     converted to a duration); zero when absent.
//   - Status messages read "<type> receiver \"<name>\": detail" and NEVER contain a secret
//     (routing key, token, webhook URL, password) or notification content (which may hold PHI even
//     after redaction of known patterns). Status codes and HTTP status numbers are fine;
//     downstream error strings only when they are from a known safe set (Slack's `no_text`).
//     Every sink test runs sinks::CheckNoSecretIn (sinks/secret_check.h) on every status.
//   - `n` has already been redacted by the Dispatcher; a receiver serialises it as it is.
//   - `n` is only valid during the Deliver call: copy what the async part needs (the serialised
//     body) before returning.
//
// Threading: Deliver may be called concurrently for different notifications from the Dispatcher
// thread; implementations are thread-safe. The Dispatcher never has two attempts in flight for the
// same (integration, dedup_key), so per-incident order is preserved by construction.
// Lifetime: every `done` callback runs exactly once, also when the Receiver is destroyed with
// attempts in flight (they complete, or are reported Unavailable, no later than the destruction of
// the I/O resources they use: the shared HttpClient, the Kafka producer). Callbacks must not touch
// the Receiver itself (it may be gone): copy what they need (name, clock pointer).
#ifndef QUELL_SINKS_RECEIVER_H_
#define QUELL_SINKS_RECEIVER_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/notification.h"

namespace quell::sinks {

// The outcome of one delivery attempt.
struct DeliveryOutcome {
  absl::Status status;                              // See the contract above.
  absl::Duration retry_after = absl::ZeroDuration();  // Downstream hint; zero when absent.

  static DeliveryOutcome Ok() { return {}; }
};

// Called exactly once per Deliver call, from any thread.
using DeliveryCallback = std::function<void(DeliveryOutcome)>;

// True iff the Dispatcher retries `s`: Unavailable, ResourceExhausted (and DeadlineExceeded,
// Aborted, which some client libraries return for transient faults).
bool IsRetryable(const absl::Status& s);

class Receiver {
 public:
  virtual ~Receiver() = default;

  // The receiver name from config (`receivers[].name`); several integrations share one name.
  virtual const std::string& name() const = 0;
  // The integration type: "pagerduty", "slack", "webhook", "kafka", "file", "stdout".
  virtual std::string_view type() const = 0;
  // A stable id for this integration, unique within the config, used as the outbox target and as
  // the circuit-breaker / rate-limit key: "<name>/<type>/<index>" (see IntegrationId below).
  virtual const std::string& id() const = 0;

  // Starts one delivery attempt; reports through `done` (see the contract above).
  virtual void Deliver(const core::Notification& n, DeliveryCallback done) = 0;
};

// "<receiver>/<type>/<index>": the id every Receiver implementation returns from id().
std::string IntegrationId(std::string_view receiver, std::string_view type, int index);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_RECEIVER_H_
