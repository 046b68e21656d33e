// src/sinks/dispatcher.h
//
// Dispatcher: the core::NotificationSink the engine and the gate evaluator hand notifications to.
// For each notification:  redact -> outbox append (fsync'd per batch) -> route to every
// integration of the named receiver -> deliver with retry / circuit breaker / rate limit ->
// mark done (or dead-letter).
//
// Guarantees
//   - At-least-once: a notification is in the outbox (fsync'd) before its first attempt and leaves
//     it only when its receiver accepted it, it failed permanently, or it grew older than
//     outbox.max_age; the last two go to the dead-letter file and are counted, never dropped
//     silently. After a restart, Recover() re-queues everything pending.
//   - Once across a crash: a notification equal to one the outbox held when it was opened (apart
//     from its decision time; Outbox::Holds) is not appended or sent again for that integration,
//     but counted (duplicates_suppressed_total). After a crash the engine derives again what it
//     handed over since its last checkpoint, from the input replayed since then; the copy sent
//     or still pending before the crash is the one delivered (ADR 0057).
//   - Per incident order: for one (integration, dedup_key) at most one attempt is in flight, and a
//     later notification waits until every earlier one is done: a resolve never overtakes its
//     trigger, also across restarts (the outbox replays in append order).
//   - Independence: each integration has its own queue, circuit breaker and rate limit; a dead
//     webhook does not delay PagerDuty.
//   - Nothing is dropped for rate limits or an open circuit: notifications wait in the queue.
//   - Redaction happens before the outbox write, so PHI never reaches disk or any receiver.
//   - Notifications for an unknown receiver are dead-lettered (reason "unknown receiver").
//
// Operation: Send() only queues (thread-safe, never blocks on I/O). Poll() does one step on the
// calling thread: drain Send()s into one outbox batch, apply delivery outcomes, expire, start the
// attempts that are due, and return when the next step is due. Start() runs Poll() on an owned
// thread, waking on Send, on delivery outcomes and at the returned time. Tests use a ManualClock
// and call Poll() themselves (WaitForActivityForTesting waits for real I/O with a deadline).
//
// Threading: Send, stats and WaitForActivityForTesting are thread-safe; Poll/Recover run on one
// thread at a time (the owned thread after Start). Lifetimes: `*clock`, `*outbox` and `*redactor`
// (may be null: no redaction) must outlive the Dispatcher; it owns the receivers and destroys them
// first, so their in-flight callbacks complete while it is still alive.
#ifndef QUELL_SINKS_DISPATCHER_H_
#define QUELL_SINKS_DISPATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/notification.h"
#include "core/notification_sink.h"
#include "core/token_bucket.h"
#include "sinks/circuit_breaker.h"
#include "sinks/latency_histogram.h"
#include "sinks/outbox.h"
#include "sinks/receiver.h"
#include "sinks/redactor.h"
#include "sinks/retry_policy.h"

namespace quell::sinks {

// A token bucket per integration: `per_second` deliveries per second, bursts of `burst`.
struct RateLimit {
  double per_second = 0;  // 0: unlimited.
  double burst = 1;
};

struct DispatcherOptions {
  uint64_t seed = 0x5eed;                 // Retry jitter RNG seed (tests pin it).
  int max_in_flight_per_target = 256;     // Concurrent attempts per integration.
  int max_batch = 8192;                   // Notifications per outbox append (group commit).
  absl::Duration compact_interval = absl::Seconds(10);
  absl::Duration expire_scan_interval = absl::Seconds(1);
};

struct TargetStats {
  std::string id;                         // Integration id.
  CircuitBreaker::State circuit = CircuitBreaker::State::kClosed;
  int64_t queued = 0;                     // Waiting or in flight.
  int64_t in_flight = 0;
  int64_t delivered_total = 0;
  int64_t retries_total = 0;
  int64_t dead_lettered_total = 0;
};

// How long deliveries take, per integration (see Dispatcher::latency()).
enum class AttemptOutcome : uint8_t { kDelivered = 0, kFailed, kDeadLettered };
inline constexpr int kAttemptOutcomeCount = 3;
// "delivered" (accepted), "failed" (transient: will be retried), "dead_lettered" (permanent).
std::string_view AttemptOutcomeName(AttemptOutcome o);

struct TargetLatency {
  std::string id;  // Integration id.
  // Per outcome (indexed by AttemptOutcome): from the start of an attempt (Deliver) to its outcome
  // (the receiver's callback), kDeliveryBucketsSeconds.
  LatencyHistogram::Snapshot attempt[kAttemptOutcomeCount];
  // From the outbox append to acceptance, retries included (kTimeToAcceptBucketsSeconds); entries
  // recovered after a restart count from their original append.
  LatencyHistogram::Snapshot time_to_accept;
};

struct DispatcherStats {
  int64_t received_total = 0;             // Send() calls.
  int64_t delivered_total = 0;            // Accepted by a receiver.
  int64_t attempts_total = 0;
  int64_t retries_total = 0;              // Attempts that failed transiently and will be retried.
  int64_t dead_lettered_total = 0;        // Permanent failures, max_age, unknown receiver.
  int64_t unknown_receiver_total = 0;
  int64_t outbox_errors_total = 0;        // Outbox writes that failed (delivery still attempted).
  int64_t recovered_total = 0;            // Entries re-queued from the outbox by Recover().
  // (Notification, integration) pairs not sent because the outbox already held them from before
  // the restart (Outbox::Holds: derived again from replayed input; ADR 0057).
  int64_t duplicates_suppressed_total = 0;
  int64_t queued = 0;                     // In memory, all integrations.
  std::vector<TargetStats> targets;
  OutboxStats outbox;
};

class Dispatcher final : public core::NotificationSink {
 public:
  // `rate_limits` maps integration ids (Receiver::id()) to their bucket; absent means unlimited.
  // REQUIRES: integration ids are unique.
  Dispatcher(const core::Clock* clock, Outbox* outbox, const Redactor* redactor,
             std::vector<std::unique_ptr<Receiver>> receivers, std::map<std::string, RateLimit> rate_limits,
             DispatcherOptions options = {});
  ~Dispatcher() override;

  // Queues `n` for delivery to the integrations of receiver `n.receiver`. Never blocks on I/O.
  void Send(core::Notification n) override;

  // Re-queues the outbox's pending entries (once; Poll calls it if nobody did). Entries whose
  // target no longer exists (receiver removed from config) are dead-lettered.
  void Recover();
  // One step (see the class comment). Returns when the next step is due (WallTime::Max() when only
  // an outside event can make progress).
  core::WallTime Poll();

  // Runs Poll on an owned thread until Stop(). Stop waits for the thread, appends whatever was
  // sent but not yet appended, then syncs the outbox; entries not yet delivered stay in the outbox
  // for the next start. The destructor calls Stop.
  void Start();
  void Stop();

  DispatcherStats stats() const;
  // One entry per integration, in configuration order. Thread-safe (reads atomics).
  std::vector<TargetLatency> latency() const;
  // Blocks until a Send() or a delivery outcome arrives, or `timeout` (real time) passes.
  // Returns true iff something arrived. For tests and benchmarks driving Poll() themselves.
  bool WaitForActivityForTesting(absl::Duration timeout);

 private:
  struct Item;
  struct KeyQueue;
  struct Target;
  struct Completion;

  void Ingest(std::vector<core::Notification> batch, core::WallTime now);
  void Enqueue(Target& t, OutboxEntry entry, core::WallTime now, bool recovered);
  void Complete(Completion c, core::WallTime now);
  void Finish(Target& t, KeyQueue& q, core::WallTime now);
  void DeadLetter(Target* t, const OutboxEntry& entry, std::string_view reason, int attempts);
  void Expire(core::WallTime now);
  core::WallTime StartDue(Target& t, core::WallTime now);
  void MarkWaiting(Target& t, KeyQueue& q);

  const core::Clock* clock_;
  Outbox* outbox_;
  const Redactor* redactor_;
  DispatcherOptions options_;
  RetryPolicy retry_;
  absl::Duration max_age_;

  mutable std::mutex mu_;                       // Guards inbox_, completions_, stop_, stats_.
  std::condition_variable cv_;
  std::vector<core::Notification> inbox_;
  std::vector<Completion> completions_;
  bool stop_ = false;
  bool activity_ = false;
  DispatcherStats stats_;

  bool recovered_ = false;                      // Poll thread only (below too).
  core::WallTime last_compact_;
  core::WallTime last_expire_scan_;
  core::WallTime last_sync_;
  std::map<std::string, std::vector<Target*>, std::less<>> by_receiver_;
  std::map<std::string, Target*, std::less<>> by_id_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::thread thread_;
  std::vector<std::unique_ptr<Receiver>> receivers_;  // Last: destroyed first.
};

}  // namespace quell::sinks

#endif  // QUELL_SINKS_DISPATCHER_H_
