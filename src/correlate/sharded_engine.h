// src/correlate/sharded_engine.h
//
// ShardedEngine: the correlation engine's runtime. It implements core::BatchSink: Submit splits a
// batch by correlation key onto N shard threads, each owning one Shard and one bounded queue, so
// everything that may merge lands on one shard and shards share nothing:
//
//   key = topology connected component of the signal's service, when the service is in the
//         topology; else the group key (group_by labels) of the first route the alert matches.
//   deploy signals go to every shard (attribution may be needed anywhere); other kinds are
//   dropped here (counted).
//
// Submit shares the batch with its target shards (moved into one shared_ptr) and gives each shard
// the indices of its signals (lists recycled through a per-shard pool): no signal or string is
// copied per shard.
//
// Backpressure: Submit refuses the whole batch with ResourceExhausted when any target queue holds
// queue_capacity batches; `*batch` is then untouched. `done` runs on a shard thread once every part
// has been processed. Queries (ListIncidents, Explain, ...) and control (Reload, Ack,
// AdvanceWatermark, RecordDeployment) travel through the same queues as tasks and never wait for
// capacity, so a reload lands between batches and a query sees a consistent shard.
//
// Live mode: Tick() advances the watermark of every shard whose event time has not moved forward
// for idle_timeout (wall time, from the injected Clock; no input, or only input older than what
// it has seen, such as re-sends of long-firing alerts) to (now - allowed_lateness), so group_wait
// and resolves fire on a quiet system. StartTicker() runs Tick() on a thread every idle_timeout / 4,
// clamped to 50 ms..1 s (once a second with the default 30s); tests call Tick() directly with a
// ManualClock.
//
// Threading: every public method is thread-safe. The only locks are the per-shard queue mutexes.
// `*sink`, `*silencer` and `*clock` must outlive the engine; the destructor drains and joins.
#ifndef QUELL_CORRELATE_SHARDED_ENGINE_H_
#define QUELL_CORRELATE_SHARDED_ENGINE_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "core/batch_sink.h"
#include "core/clock.h"
#include "core/deployment.h"
#include "core/notification_sink.h"
#include "correlate/compiled_rules.h"
#include "correlate/shard.h"
#include "correlate/silencer.h"

namespace quell::correlate {

class ShardedEngine final : public core::BatchSink {
 public:
  // `shards` 0 = rules->settings().shards, and if that is 0 too, hardware_concurrency().
  ShardedEngine(std::shared_ptr<const CompiledRules> rules, core::NotificationSink* sink,
                Silencer* silencer, const core::Clock* clock, int shards = 0);
  ~ShardedEngine() override;

  [[nodiscard]] absl::Status Submit(core::SignalBatch* batch, std::function<void()> done) override;
  // Called by Submit with every batch the engine admits (never with a refused one), before the
  // batch is split and cleared, on the submitting thread while the target queues are locked: keep it
  // short. The app uses it to feed deploy gates exactly once per accepted batch. Set before the first
  // Submit.
  void SetAdmissionObserver(std::function<void(const core::SignalBatch&)> observer) {
    admission_observer_ = std::move(observer);
  }

  void AdvanceWatermark(core::EventTime t);
  void RecordDeployment(const core::Deployment& d);
  void Reload(std::shared_ptr<const CompiledRules> rules);
  [[nodiscard]] absl::Status Ack(std::string_view incident_id, std::string_view who, std::string_view comment);

  // Live mode (see class comment).
  void Tick();
  void StartTicker();

  // Blocks until every task queued before the call has run (tests, shutdown, snapshots).
  void Drain();

  // Correlation state across restarts (the runtime's `state_file`). SerializeState() writes every
  // shard's snapshot (Shard::Serialize: alerts with labels, annotations, state and times; the
  // watermark; deploys) into one JSON document, {"version":1,"shards":[<shard snapshot>...]}, each
  // taken between two batches on its shard thread (consistent per shard). RestoreState() rebuilds
  // the shards from such a document, sending every alert to the shard this engine routes its
  // labels to, so the snapshot may come from a run with another shard count or other rules. Every
  // shard gets the first snapshot's deploys (deploys reach every shard) and the lowest watermark
  // of the snapshots, and every shard is offered every saved incident state (Shard::Restore: the
  // shard whose re-admitted alerts form an incident with that dedup key takes it back, with its id
  // and what it notified, so it does not notify again). `*alerts` (optional) is set to the
  // number of alerts restored. REQUIRES: no Submit yet. Errors: DataLoss (a document that is not
  // such a snapshot; shards may then hold part of it).
  std::string SerializeState();
  [[nodiscard]] absl::Status RestoreState(std::string_view json, size_t* alerts = nullptr);
  // SerializeState in two steps, for a checkpoint taken at a cut (the intake journal's): Begin
  // queues every shard's snapshot task now, so each shard's part holds exactly the batches
  // queued to it before the call; Take() waits for the parts and returns the document.
  class StateSnapshot {
   public:
    std::string Take();

   private:
    friend class ShardedEngine;
    std::vector<std::future<std::string>> parts_;
  };
  StateSnapshot BeginSerializeState();

  // Reads: newest first; safe from any thread (run on the shard threads).
  std::vector<IncidentView> ListIncidents();
  std::optional<IncidentView> GetIncident(std::string_view id);
  std::vector<DecisionRecord> Explain(std::string_view fingerprint_hex);
  std::vector<AlertView> Alerts();
  std::vector<AlertGroupView> Groups();
  // Sorted by noise: signals per page, then signals.
  std::vector<NoiseRow> Noise(absl::Duration window);
  ShardStats Stats();
  uint64_t refused_batches() const { return refused_.load(std::memory_order_relaxed); }

  Silencer* silencer() const { return silencer_; }
  std::shared_ptr<const CompiledRules> rules() const;
  int shard_count() const { return static_cast<int>(shards_.size()); }
  const core::Clock* clock() const { return clock_; }

 private:
  struct Worker;
  struct Task {
    std::shared_ptr<const core::SignalBatch> batch;  // Or null for a control task; shared by shards.
    std::vector<uint32_t> indices;                   // The signals of `batch` for this shard...
    std::function<void(Shard&)> fn;
    std::shared_ptr<std::atomic<int>> pending;
    std::shared_ptr<std::function<void()>> done;
    bool all = true;                                 // ...unless all of them (one shard).
  };
  void Post(size_t shard, Task task);
  void Broadcast(const std::function<void(Shard&)>& fn);
  template <typename T>
  std::vector<T> Gather(const std::function<T(Shard&)>& fn);
  // Gather's first half: queues `fn` on every shard and returns the futures of its results.
  template <typename T>
  std::vector<std::future<T>> Scatter(const std::function<T(Shard&)>& fn);
  // Read views evaluate silences and windows at the later of the shard's event time and the wall
  // clock, so an API reader sees a silence created "now" as active (display only; decisions never
  // use it).
  core::EventTime ViewTime() const { return core::EventTime::FromUnixNanos(clock_->Now().unix_nanos()); }
  size_t ShardFor(const CompiledRules& rules, const core::SignalBatch& batch, const core::Signal& s,
                  std::vector<int>* scratch) const;

  core::NotificationSink* sink_;
  std::function<void(const core::SignalBatch&)> admission_observer_;
  Silencer* silencer_;
  const core::Clock* clock_;
  mutable std::mutex rules_mu_;
  std::shared_ptr<const CompiledRules> rules_;
  std::vector<std::unique_ptr<Worker>> shards_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<bool> stop_ticker_{false};
  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  std::thread ticker_;
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_SHARDED_ENGINE_H_
