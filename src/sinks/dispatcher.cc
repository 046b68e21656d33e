// src/sinks/dispatcher.cc
#include "sinks/dispatcher.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "sinks/notification_json.h"
#include "spdlog/spdlog.h"

namespace quell::sinks {

struct Dispatcher::Item {
  OutboxEntry entry;
  int attempts = 0;
  core::WallTime next_attempt;
  bool in_flight = false;
};

std::string_view AttemptOutcomeName(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kDelivered: return "delivered";
    case AttemptOutcome::kFailed: return "failed";
    case AttemptOutcome::kDeadLettered: return "dead_lettered";
  }
  return "unknown";
}

struct Dispatcher::KeyQueue {
  std::string key;
  std::deque<std::unique_ptr<Item>> items;
  // Position in Target::waiting while the head is waiting for its attempt.
  std::optional<std::multimap<int64_t, KeyQueue*>::iterator> waiting_it;
};

struct Dispatcher::Target {
  explicit Target(Receiver* r, CircuitConfig cc) : receiver(r), breaker(cc) {}
  Receiver* receiver;
  CircuitBreaker breaker;
  std::optional<core::TokenBucket> bucket;
  std::map<std::string, std::unique_ptr<KeyQueue>, std::less<>> queues;  // By dedup key.
  std::multimap<int64_t, KeyQueue*> waiting;  // Heads not in flight, by next attempt (unix ns).
  int in_flight = 0;
  int64_t queued = 0;
  int64_t delivered = 0;
  int64_t retries = 0;
  int64_t dead = 0;
  LatencyHistogram attempt[kAttemptOutcomeCount] = {
      LatencyHistogram(kDeliveryBucketsSeconds), LatencyHistogram(kDeliveryBucketsSeconds),
      LatencyHistogram(kDeliveryBucketsSeconds)};
  LatencyHistogram time_to_accept{kTimeToAcceptBucketsSeconds};
};

struct Dispatcher::Completion {
  Target* target;
  KeyQueue* queue;
  DeliveryOutcome outcome;
  core::WallTime at;    // When the callback ran.
  absl::Duration took;  // From Deliver to the callback.
};

Dispatcher::Dispatcher(const core::Clock* clock, Outbox* outbox, const Redactor* redactor,
                       std::vector<std::unique_ptr<Receiver>> receivers, std::map<std::string, RateLimit> rate_limits,
                       DispatcherOptions options)
    : clock_(clock),
      outbox_(outbox),
      redactor_(redactor),
      options_(options),
      retry_(outbox->config().retry, options.seed),
      max_age_(outbox->config().max_age),
      receivers_(std::move(receivers)) {
  for (auto& r : receivers_) {
    auto t = std::make_unique<Target>(r.get(), outbox->config().circuit_breaker);
    auto rl = rate_limits.find(r->id());
    if (rl != rate_limits.end() && rl->second.per_second > 0) {
      t->bucket.emplace(rl->second.per_second, std::max(1.0, rl->second.burst));
    }
    by_receiver_[r->name()].push_back(t.get());
    by_id_[r->id()] = t.get();
    targets_.push_back(std::move(t));
  }
  last_compact_ = clock_->Now();
  last_expire_scan_ = clock_->Now();
  last_sync_ = clock_->Now();
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Send(core::Notification n) {
  bool wake;
  {
    std::lock_guard<std::mutex> l(mu_);
    // Poll takes the whole inbox, so only the first Send of a burst needs to wake the thread:
    // one futex wake per burst, not per notification.
    wake = inbox_.empty();
    inbox_.push_back(std::move(n));
    ++stats_.received_total;
    activity_ = true;
  }
  if (wake) cv_.notify_all();
}

bool Dispatcher::WaitForActivityForTesting(absl::Duration timeout) {
  std::unique_lock<std::mutex> l(mu_);
  bool got = cv_.wait_for(l, absl::ToChronoNanoseconds(timeout),
                          [&] { return activity_ || !inbox_.empty() || !completions_.empty(); });
  activity_ = false;
  return got;
}

void Dispatcher::MarkWaiting(Target& t, KeyQueue& q) {
  if (q.waiting_it || q.items.empty() || q.items.front()->in_flight) return;
  q.waiting_it = t.waiting.emplace(q.items.front()->next_attempt.unix_nanos(), &q);
}

void Dispatcher::Enqueue(Target& t, OutboxEntry entry, core::WallTime now, bool recovered) {
  auto it = t.queues.find(entry.notification.dedup_key);
  if (it == t.queues.end()) {
    auto q = std::make_unique<KeyQueue>();
    q->key = entry.notification.dedup_key;
    it = t.queues.emplace(q->key, std::move(q)).first;
  }
  auto item = std::make_unique<Item>();
  item->entry = std::move(entry);
  item->next_attempt = now;
  it->second->items.push_back(std::move(item));
  ++t.queued;
  MarkWaiting(t, *it->second);
  (void)recovered;
}

void Dispatcher::DeadLetter(Target* t, const OutboxEntry& entry, std::string_view reason, int attempts) {
  absl::Status s = outbox_->DeadLetter(entry, reason, attempts);
  // As Alertmanager logs "Notify for alerts failed": the operator's first sign of a lost page. The
  // reason is a receiver status message, which never holds a secret or notification content
  // (receiver.h); the dedup key and incident id are Quell's own.
  spdlog::error("notify: {} for receiver \"{}\" (integration {}, dedup_key {}, incident {}) dead-lettered after {} "
                "attempt(s): {}{}",
                NotificationKindName(entry.notification.kind), entry.notification.receiver, entry.target,
                entry.notification.dedup_key, entry.notification.incident_id, attempts, reason,
                s.ok() ? "" : fmt::format(" (dead-letter file: {})", std::string(s.message())));
  std::lock_guard<std::mutex> l(mu_);
  ++stats_.dead_lettered_total;
  if (!s.ok()) ++stats_.outbox_errors_total;
  if (t != nullptr) ++t->dead;
}

void Dispatcher::Recover() {
  if (recovered_) return;
  recovered_ = true;
  core::WallTime now = clock_->Now();
  int64_t n = 0;
  for (auto& e : outbox_->TakeRecovered()) {
    auto it = by_id_.find(e.target);
    if (it == by_id_.end()) {
      DeadLetter(nullptr, e, "integration no longer configured", 0);
      continue;
    }
    Enqueue(*it->second, std::move(e), now, true);
    ++n;
  }
  std::lock_guard<std::mutex> l(mu_);
  stats_.recovered_total += n;
}

void Dispatcher::Ingest(std::vector<core::Notification> batch, core::WallTime now) {
  // Redact first: nothing unredacted reaches the outbox or a receiver.
  std::vector<Outbox::Item> items;
  std::vector<Target*> item_targets;
  std::vector<size_t> item_src;
  int64_t suppressed = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    core::Notification& n = batch[i];
    if (redactor_ != nullptr) redactor_->RedactNotification(&n);
    auto it = by_receiver_.find(n.receiver);
    if (it == by_receiver_.end()) {
      OutboxEntry e;
      e.target = n.receiver + "/unknown";
      e.enqueued_at = now;
      e.notification = n;
      DeadLetter(nullptr, e, "unknown receiver", 0);
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.unknown_receiver_total;
      continue;
    }
    for (Target* t : it->second) {
      if (outbox_->Holds(t->receiver->id(), n)) {
        // Derived again after a crash from input replayed since the engine's last checkpoint:
        // the outbox holds it from before, sent or pending (ADR 0057).
        spdlog::info("notify: {} for receiver \"{}\" (integration {}, dedup_key {}, incident {}, sequence {}) is in "
                     "the outbox from before the restart: not sent again",
                     NotificationKindName(n.kind), n.receiver, t->receiver->id(), n.dedup_key, n.incident_id,
                     n.sequence);
        ++suppressed;
        continue;
      }
      items.push_back(Outbox::Item{t->receiver->id(), &n});
      item_targets.push_back(t);
      item_src.push_back(i);
    }
  }
  if (suppressed > 0) {
    std::lock_guard<std::mutex> l(mu_);
    stats_.duplicates_suppressed_total += suppressed;
  }
  if (items.empty()) return;
  std::vector<uint64_t> ids;
  for (size_t start = 0; start < items.size(); start += static_cast<size_t>(options_.max_batch)) {
    size_t len = std::min(items.size() - start, static_cast<size_t>(options_.max_batch));
    auto ids_or = outbox_->AppendBatch(std::span<const Outbox::Item>(items.data() + start, len));
    if (ids_or.ok()) {
      ids.insert(ids.end(), ids_or->begin(), ids_or->end());
    } else {
      // The disk failed us; a page that never arrives is worse than one that is not durable.
      ids.insert(ids.end(), len, 0);
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.outbox_errors_total;
    }
  }
  // Move each notification into its last item; copy for the others.
  std::vector<size_t> last_use(batch.size(), SIZE_MAX);
  for (size_t k = 0; k < items.size(); ++k) last_use[item_src[k]] = k;
  for (size_t k = 0; k < items.size(); ++k) {
    OutboxEntry e;
    e.id = ids[k];
    e.target = item_targets[k]->receiver->id();
    e.enqueued_at = now;
    if (last_use[item_src[k]] == k) {
      e.notification = std::move(batch[item_src[k]]);
    } else {
      e.notification = batch[item_src[k]];
    }
    Enqueue(*item_targets[k], std::move(e), now, false);
  }
}

void Dispatcher::Finish(Target& t, KeyQueue& q, core::WallTime now) {
  q.items.pop_front();
  --t.queued;
  if (q.items.empty()) {
    t.queues.erase(q.key);  // Destroys q.
    return;
  }
  Item& next = *q.items.front();
  next.next_attempt = std::max(next.next_attempt, now);
  MarkWaiting(t, q);
}

void Dispatcher::Complete(Completion c, core::WallTime now) {
  Target& t = *c.target;
  KeyQueue& q = *c.queue;
  Item& item = *q.items.front();
  item.in_flight = false;
  --t.in_flight;
  const absl::Status& s = c.outcome.status;
  AttemptOutcome kind = s.ok() ? AttemptOutcome::kDelivered
                               : (IsRetryable(s) ? AttemptOutcome::kFailed : AttemptOutcome::kDeadLettered);
  t.attempt[static_cast<int>(kind)].Observe(c.took);
  if (s.ok()) {
    t.time_to_accept.Observe(c.at - item.entry.enqueued_at);
    if (t.breaker.state() != CircuitBreaker::State::kClosed) {
      spdlog::info("notify: integration {} reachable again, circuit closed", t.receiver->id());
    }
    t.breaker.OnSuccess();
    if (item.entry.id != 0) outbox_->MarkDone(item.entry.id);
    ++t.delivered;
    {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.delivered_total;
    }
    Finish(t, q, now);
  } else if (IsRetryable(s)) {
    if (s.code() == absl::StatusCode::kResourceExhausted) {
      t.breaker.OnNeutral();
    } else {
      const bool was_open = t.breaker.state() == CircuitBreaker::State::kOpen;
      t.breaker.OnFailure(now);
      if (!was_open && t.breaker.state() == CircuitBreaker::State::kOpen) {
        spdlog::warn("notify: integration {} unreachable, circuit open (next probe after {}): {}", t.receiver->id(),
                     absl::FormatDuration(t.breaker.reopen_at() - now), std::string(s.message()));
      }
    }
    spdlog::debug("notify: integration {} attempt {} failed, will retry: {}", t.receiver->id(), item.attempts,
                  std::string(s.message()));
    ++t.retries;
    {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.retries_total;
    }
    item.next_attempt = now + retry_.Backoff(item.attempts, c.outcome.retry_after);
    MarkWaiting(t, q);
  } else {
    t.breaker.OnNeutral();
    DeadLetter(&t, item.entry, s.message().empty() ? "permanent failure" : std::string(s.message()), item.attempts);
    Finish(t, q, now);
  }
}

void Dispatcher::Expire(core::WallTime now) {
  for (auto& tp : targets_) {
    Target& t = *tp;
    std::vector<KeyQueue*> touched;
    for (auto& [key, qp] : t.queues) {
      KeyQueue& q = *qp;
      bool changed = false;
      for (auto it = q.items.begin(); it != q.items.end();) {
        Item& item = **it;
        if (!item.in_flight && now - item.entry.enqueued_at >= max_age_) {
          DeadLetter(&t, item.entry, fmt::format("not delivered within max_age ({} attempts)", item.attempts),
                     item.attempts);
          if (it == q.items.begin() && q.waiting_it) {
            t.waiting.erase(*q.waiting_it);
            q.waiting_it.reset();
          }
          it = q.items.erase(it);
          --t.queued;
          changed = true;
        } else {
          ++it;
        }
      }
      if (changed) touched.push_back(&q);
    }
    for (KeyQueue* q : touched) {
      if (q->items.empty()) {
        if (q->waiting_it) t.waiting.erase(*q->waiting_it);
        t.queues.erase(q->key);
      } else {
        MarkWaiting(t, *q);
      }
    }
  }
}

core::WallTime Dispatcher::StartDue(Target& t, core::WallTime now) {
  core::WallTime next = core::WallTime::Max();
  while (!t.waiting.empty()) {
    auto it = t.waiting.begin();
    core::WallTime due = core::WallTime::FromUnixNanos(it->first);
    if (due > now) return std::min(next, due);
    if (t.in_flight >= options_.max_in_flight_per_target) return next;  // A completion wakes us.
    if (t.breaker.state() == CircuitBreaker::State::kOpen && now < t.breaker.reopen_at()) {
      return std::min(next, t.breaker.reopen_at());
    }
    if (t.bucket) {
      absl::Duration wait = t.bucket->WaitFor(now.unix_nanos());
      if (wait > absl::ZeroDuration()) return std::min(next, now + wait);
    }
    if (!t.breaker.Allow(now)) return next;  // Half-open with its probe in flight.
    if (t.bucket) t.bucket->TryTake(now.unix_nanos());
    KeyQueue* q = it->second;
    t.waiting.erase(it);
    q->waiting_it.reset();
    Item& item = *q->items.front();
    item.in_flight = true;
    ++item.attempts;
    ++t.in_flight;
    {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.attempts_total;
    }
    Target* tp = &t;
    core::WallTime started = clock_->Now();
    t.receiver->Deliver(item.entry.notification, [this, tp, q, started](DeliveryOutcome o) {
      core::WallTime at = clock_->Now();
      bool wake;
      {
        std::lock_guard<std::mutex> l(mu_);
        wake = completions_.empty();  // As in Send: Poll takes them all.
        completions_.push_back(Completion{tp, q, std::move(o), at, at - started});
        activity_ = true;
      }
      if (wake) cv_.notify_all();
    });
  }
  return next;
}

core::WallTime Dispatcher::Poll() {
  if (!recovered_) Recover();
  std::vector<core::Notification> inbox;
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> l(mu_);
    inbox.swap(inbox_);
    done.swap(completions_);
  }
  core::WallTime now = clock_->Now();
  if (!inbox.empty()) Ingest(std::move(inbox), now);
  for (auto& c : done) Complete(std::move(c), now);
  if (now - last_expire_scan_ >= options_.expire_scan_interval) {
    last_expire_scan_ = now;
    Expire(now);
  }
  core::WallTime next = core::WallTime::Max();
  for (auto& t : targets_) next = std::min(next, StartDue(*t, now));
  if (!done.empty()) {
    // DONE marks are written now and made durable with the next append (or within a second):
    // an fdatasync per completion would cap throughput at the disk's sync rate.
    absl::Status s = now - last_sync_ >= absl::Seconds(1) ? outbox_->Sync() : outbox_->Flush();
    if (now - last_sync_ >= absl::Seconds(1)) last_sync_ = now;
    if (!s.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.outbox_errors_total;
    }
  }
  if (now - last_compact_ >= options_.compact_interval) {
    last_compact_ = now;
    if (!outbox_->Compact().ok()) {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.outbox_errors_total;
    }
  }
  int64_t queued = 0;
  for (auto& t : targets_) queued += t->queued;
  if (queued > 0) {
    next = std::min(next, std::min(last_expire_scan_ + options_.expire_scan_interval, last_compact_ + options_.compact_interval));
  }
  std::vector<TargetStats> ts;
  ts.reserve(targets_.size());
  for (auto& t : targets_) {
    ts.push_back(TargetStats{t->receiver->id(), t->breaker.state(), t->queued, t->in_flight, t->delivered,
                             t->retries, t->dead});
  }
  OutboxStats os = outbox_->stats();
  {
    std::lock_guard<std::mutex> l(mu_);
    stats_.queued = queued;
    stats_.targets = std::move(ts);
    stats_.outbox = os;
  }
  return next;
}

void Dispatcher::Start() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
  }
  thread_ = std::thread([this] {
    for (;;) {
      core::WallTime next = Poll();
      std::unique_lock<std::mutex> l(mu_);
      if (stop_) break;
      absl::Duration wait = std::min(absl::Seconds(1), next - clock_->Now());
      if (wait > absl::ZeroDuration()) {
        cv_.wait_for(l, absl::ToChronoNanoseconds(wait),
                     [&] { return stop_ || !inbox_.empty() || !completions_.empty(); });
      }
      if (stop_) break;
    }
  });
}

void Dispatcher::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whatever was sent but not yet appended goes to the outbox now, so the next start delivers it.
  std::vector<core::Notification> rest;
  {
    std::lock_guard<std::mutex> l(mu_);
    rest.swap(inbox_);
  }
  if (!rest.empty()) Ingest(std::move(rest), clock_->Now());
  (void)outbox_->Sync();
}

std::vector<TargetLatency> Dispatcher::latency() const {
  // targets_ is fixed after construction; the histograms are atomics.
  std::vector<TargetLatency> out(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    const Target& t = *targets_[i];
    out[i].id = t.receiver->id();
    for (int k = 0; k < kAttemptOutcomeCount; ++k) out[i].attempt[k] = t.attempt[k].Read();
    out[i].time_to_accept = t.time_to_accept.Read();
  }
  return out;
}

DispatcherStats Dispatcher::stats() const {
  DispatcherStats s;
  {
    std::lock_guard<std::mutex> l(mu_);
    s = stats_;
  }
  return s;
}

}  // namespace quell::sinks
