#include "correlate/sharded_engine.h"

#include <algorithm>
#include <future>

#include "absl/container/flat_hash_map.h"
#include "core/fingerprint.h"
#include "core/strings.h"
#include "correlate/json_value.h"
#include "fmt/format.h"

namespace quell::correlate {

struct ShardedEngine::Worker {
  std::unique_ptr<Shard> shard;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Task> queue;
  static constexpr size_t kMaxFreeIndices = 128;
  std::vector<std::vector<uint32_t>> free_indices;  // Recycled Task::indices (guarded by mu).
  size_t batches_queued = 0;
  size_t capacity = 64;
  bool stop = false;
  // Wall time when this shard's event time last moved forward (a batch raised its newest event
  // time). Ticks move the watermark with the wall clock once it is idle_timeout old: no input,
  // or only input that does not advance event time (re-sends of alerts that started earlier,
  // which carry their old startsAt: Prometheus every resend_delay for as long as they fire).
  std::atomic<int64_t> last_progress_wall{0};
  const core::Clock* clock = nullptr;
  std::thread thread;

  void Run() {
    while (true) {
      Task task;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || !queue.empty(); });
        if (queue.empty()) return;
        task = std::move(queue.front());
        queue.pop_front();
        if (task.batch) --batches_queued;
      }
      if (task.batch) {
        const core::EventTime before = shard->max_event_time();
        if (task.all) {
          shard->Process(*task.batch);
        } else {
          shard->Process(*task.batch, task.indices);
          std::lock_guard<std::mutex> lock(mu);
          if (free_indices.size() < kMaxFreeIndices) free_indices.push_back(std::move(task.indices));
        }
        if (shard->max_event_time() > before) {
          last_progress_wall.store(clock->Now().unix_nanos(), std::memory_order_relaxed);
        }
        task.batch.reset();  // The last shard to finish frees the shared batch.
        if (task.pending && task.pending->fetch_sub(1, std::memory_order_acq_rel) == 1 && task.done && *task.done) {
          (*task.done)();
        }
      } else if (task.fn) {
        task.fn(*shard);
      }
    }
  }
};

ShardedEngine::ShardedEngine(std::shared_ptr<const CompiledRules> rules, core::NotificationSink* sink,
                             Silencer* silencer, const core::Clock* clock, int shards)
    : sink_(sink), silencer_(silencer), clock_(clock), rules_(rules) {
  int n = shards > 0 ? shards : rules->settings().shards;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->shard = std::make_unique<Shard>(rules, sink_, silencer_);
    w->capacity = static_cast<size_t>(rules->settings().queue_capacity);
    w->clock = clock_;
    w->last_progress_wall.store(clock_->Now().unix_nanos());
    shards_.push_back(std::move(w));
  }
  for (auto& w : shards_) {
    Worker* raw = w.get();
    w->thread = std::thread([raw] { raw->Run(); });
  }
}

ShardedEngine::~ShardedEngine() {
  {
    std::lock_guard<std::mutex> lock(ticker_mu_);
    stop_ticker_ = true;
  }
  ticker_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  for (auto& w : shards_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->stop = true;
    }
    w->cv.notify_all();
  }
  for (auto& w : shards_) w->thread.join();
}

std::shared_ptr<const CompiledRules> ShardedEngine::rules() const {
  std::lock_guard<std::mutex> lock(rules_mu_);
  return rules_;
}

size_t ShardedEngine::ShardFor(const CompiledRules& rules, const core::SignalBatch& batch, const core::Signal& s,
                               std::vector<int>* scratch) const {
  size_t n = shards_.size();
  if (n == 1) return 0;
  if (rules.shard_placement() == ShardPlacement::kSingle) return 0;
  core::LabelView labels = batch.labels(s);
  std::string_view service = core::FindLabel(labels, "service");
  int sid = rules.topology().Id(service);
  if (sid >= 0) {
    uint64_t h = (static_cast<uint64_t>(rules.topology().Component(sid)) + 1) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>((h >> 17) % n);
  }
  if (rules.shard_placement() == ShardPlacement::kKey) {
    return static_cast<size_t>(core::Fingerprint::OfSubset(labels, rules.shard_key()).value() % n);
  }
  rules.routes().Match(labels, scratch);
  const RouteConfig& rc = *rules.routes().route((*scratch)[0]).config;
  uint64_t h = rc.group_by_all ? s.fingerprint.value() : core::Fingerprint::OfSubset(labels, rc.group_by).value();
  return static_cast<size_t>((h ^ static_cast<uint64_t>((*scratch)[0])) % n);
}

absl::Status ShardedEngine::Submit(core::SignalBatch* batch, std::function<void()> done) {
  std::shared_ptr<const CompiledRules> rules = this->rules();
  size_t n = shards_.size();
  // Each signal's target shard (kAll: every shard, kNone: dropped). Thread-local scratch: no
  // allocation per batch once it has grown; the batch itself is shared, not split or copied.
  constexpr uint32_t kAll = ~uint32_t{0}, kNone = kAll - 1;
  thread_local std::vector<uint32_t> target;
  thread_local std::vector<uint32_t> count;
  thread_local std::vector<int> scratch;
  target.clear();
  count.assign(n, 0);
  if (n == 1) {
    count[0] = static_cast<uint32_t>(batch->size());
  } else {
    for (const core::Signal& s : batch->signals()) {
      uint32_t t = kNone;
      if (s.kind == core::SignalKind::kDeploy) {
        t = kAll;
        for (uint32_t& c : count) ++c;
      } else if (s.kind == core::SignalKind::kAlert) {
        t = static_cast<uint32_t>(ShardFor(*rules, *batch, s, &scratch));
        ++count[t];
      }
      target.push_back(t);
    }
  }
  // All-or-nothing admission: lock the target queues in index order.
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (count[i] == 0) continue;
    locks.emplace_back(shards_[i]->mu);
    if (shards_[i]->batches_queued >= shards_[i]->capacity) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError("correlate: shard queues are full");  // *batch untouched.
    }
  }
  if (admission_observer_) admission_observer_(*batch);
  int parts = 0;
  for (uint32_t c : count) parts += c > 0 ? 1 : 0;
  if (parts == 0) {
    locks.clear();
    batch->Clear();
    if (done) done();
    return absl::OkStatus();
  }
  auto shared = std::make_shared<const core::SignalBatch>(std::move(*batch));
  auto done_ptr = std::make_shared<std::function<void()>>(std::move(done));
  auto pending = std::make_shared<std::atomic<int>>(parts);
  for (size_t i = 0; i < n; ++i) {
    if (count[i] == 0) continue;
    Worker& w = *shards_[i];
    Task task{shared, {}, nullptr, pending, done_ptr};
    if (n > 1) {
      // Index lists are recycled through the worker's pool (returned after processing).
      if (!w.free_indices.empty()) {
        task.indices = std::move(w.free_indices.back());
        w.free_indices.pop_back();
      }
      task.indices.clear();
      task.indices.reserve(count[i]);
      for (uint32_t k = 0; k < target.size(); ++k) {
        if (target[k] == i || target[k] == kAll) task.indices.push_back(k);
      }
      task.all = false;
    }
    w.queue.push_back(std::move(task));
    ++w.batches_queued;
  }
  locks.clear();
  for (size_t i = 0; i < n; ++i) {
    if (count[i] > 0) shards_[i]->cv.notify_one();
  }
  batch->Clear();  // Moved from: make it a valid empty batch again.
  return absl::OkStatus();
}

void ShardedEngine::Post(size_t shard, Task task) {
  Worker& w = *shards_[shard];
  {
    std::lock_guard<std::mutex> lock(w.mu);
    w.queue.push_back(std::move(task));
  }
  w.cv.notify_one();
}

void ShardedEngine::Broadcast(const std::function<void(Shard&)>& fn) {
  for (size_t i = 0; i < shards_.size(); ++i) Post(i, Task{nullptr, {}, fn, nullptr, nullptr});
}

template <typename T>
std::vector<std::future<T>> ShardedEngine::Scatter(const std::function<T(Shard&)>& fn) {
  std::vector<std::future<T>> futures;
  for (size_t i = 0; i < shards_.size(); ++i) {
    auto promise = std::make_shared<std::promise<T>>();
    futures.push_back(promise->get_future());
    Post(i, Task{nullptr, {}, [promise, fn](Shard& s) { promise->set_value(fn(s)); }, nullptr, nullptr});
  }
  return futures;
}

template <typename T>
std::vector<T> ShardedEngine::Gather(const std::function<T(Shard&)>& fn) {
  std::vector<T> out;
  for (auto& f : Scatter(fn)) out.push_back(f.get());
  return out;
}

void ShardedEngine::AdvanceWatermark(core::EventTime t) {
  Broadcast([t](Shard& s) { s.AdvanceWatermark(t); });
}

void ShardedEngine::RecordDeployment(const core::Deployment& d) {
  Broadcast([d](Shard& s) { s.RecordDeployment(d); });
}

void ShardedEngine::Reload(std::shared_ptr<const CompiledRules> rules) {
  {
    std::lock_guard<std::mutex> lock(rules_mu_);
    rules_ = rules;
  }
  Broadcast([rules](Shard& s) { s.Reload(rules); });
}

absl::Status ShardedEngine::Ack(std::string_view incident_id, std::string_view who, std::string_view comment) {
  std::string id(incident_id), w(who), c(comment);
  auto results = Gather<absl::Status>([&](Shard& s) -> absl::Status {
    if (!s.HasIncident(id)) return absl::NotFoundError("");
    return s.Ack(id, w, c);
  });
  for (const absl::Status& st : results) {
    if (st.code() != absl::StatusCode::kNotFound) return st;
  }
  return absl::NotFoundError(fmt::format("ack: no incident {}", incident_id));
}

void ShardedEngine::Tick() {
  core::WallTime now = clock_->Now();
  std::shared_ptr<const CompiledRules> rules = this->rules();
  int64_t idle = absl::ToInt64Nanoseconds(rules->settings().idle_timeout);
  int64_t lateness = absl::ToInt64Nanoseconds(rules->settings().allowed_lateness);
  // The one place wall time becomes event time (live mode only).
  core::EventTime target = core::EventTime::FromUnixNanos(now.unix_nanos() - lateness);
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (now.unix_nanos() - shards_[i]->last_progress_wall.load(std::memory_order_relaxed) < idle) continue;
    Post(i, Task{nullptr, {}, [target](Shard& s) { s.AdvanceWatermark(target); }, nullptr, nullptr});
  }
}

void ShardedEngine::StartTicker() {
  if (ticker_.joinable()) return;
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(ticker_mu_);
    while (!stop_ticker_) {
      // A quarter of idle_timeout, between 50 ms and 1 s (the default idle_timeout of 30s ticks
      // once a second): with a short idle_timeout, group_wait fires that much sooner after the
      // input goes quiet, instead of up to a second late.
      const absl::Duration period =
          std::clamp(rules()->settings().idle_timeout / 4, absl::Milliseconds(50), absl::Seconds(1));
      ticker_cv_.wait_for(lock, absl::ToChronoMilliseconds(period));
      if (stop_ticker_) break;
      lock.unlock();
      Tick();
      lock.lock();
    }
  });
}

void ShardedEngine::Drain() {
  Gather<int>([](Shard&) { return 0; });
}

ShardedEngine::StateSnapshot ShardedEngine::BeginSerializeState() {
  StateSnapshot snapshot;
  snapshot.parts_ = Scatter<std::string>([](Shard& s) { return s.Serialize(); });
  return snapshot;
}

std::string ShardedEngine::StateSnapshot::Take() {
  std::string out = R"({"version":1,"shards":[)";
  bool first = true;
  for (std::future<std::string>& part : parts_) {
    if (!first) out += ',';
    first = false;
    out += part.get();
  }
  parts_.clear();
  out += "]}";
  return out;
}

std::string ShardedEngine::SerializeState() { return BeginSerializeState().Take(); }

absl::Status ShardedEngine::RestoreState(std::string_view json, size_t* alerts) {
  auto doc = JsonValue::Parse(json);
  if (!doc.ok()) return absl::DataLossError(fmt::format("correlation state: {}", std::string(doc.status().message())));
  const JsonValue* version = doc->Find("version");
  if (version == nullptr || version->AsInt64() != 1) return absl::DataLossError("correlation state: unsupported version");
  const JsonValue* parts = doc->Find("shards");
  if (parts == nullptr || !parts->is_array()) return absl::DataLossError("correlation state: no \"shards\" array");
  const size_t n = shards_.size();
  const std::shared_ptr<const CompiledRules> rules = this->rules();
  std::vector<std::string> routed(n);  // Per target shard: its alert objects, comma-separated.
  std::string deploys = "[]";
  std::string rule_names = "[]";  // What the alerts' decision logs name by index.
  std::string incidents;  // Every part's saved incident states, comma-separated.
  int64_t watermark = INT64_MAX;
  size_t count = 0;
  std::vector<int> scratch;
  absl::flat_hash_map<std::string, size_t> shard_of;  // Alert fingerprint (hex) -> target shard.
  std::string noise;                                    // Every part's noise counters, comma-separated.
  bool has_noise = false;
  std::vector<const JsonValue*> closed;                 // Every part's resolved incidents.
  for (size_t p = 0; p < parts->items().size(); ++p) {
    const JsonValue& part = parts->items()[p];
    const JsonValue* list = part.is_object() ? part.Find("alerts") : nullptr;
    if (list == nullptr || !list->is_array()) {
      return absl::DataLossError(fmt::format("correlation state: shard {} has no \"alerts\" array", p));
    }
    if (const JsonValue* r = part.Find("rule_names"); p == 0 && r != nullptr && r->is_array()) {
      rule_names.clear();  // Every part names the same rules (one config).
      r->AppendTo(&rule_names);
    }
    if (const JsonValue* d = part.Find("deploys"); p == 0 && d != nullptr && d->is_array()) {
      deploys.clear();
      d->AppendTo(&deploys);
    }
    if (const JsonValue* saved = part.Find("incidents"); saved != nullptr && saved->is_array()) {
      for (const JsonValue& inc : saved->items()) {  // Every shard gets them: each keeps its own.
        if (!incidents.empty()) incidents += ',';
        inc.AppendTo(&incidents);
      }
    }
    if (const JsonValue* saved = part.Find("closed"); saved != nullptr && saved->is_array()) {
      for (const JsonValue& inc : saved->items()) closed.push_back(&inc);
    }
    if (const JsonValue* saved = part.Find("noise"); saved != nullptr && saved->is_array()) {
      has_noise = true;
      for (const JsonValue& entry : saved->items()) {  // All to shard 0: the report sums the shards.
        if (!noise.empty()) noise += ',';
        entry.AppendTo(&noise);
      }
    }
    if (const JsonValue* w = part.Find("watermark"); w != nullptr && w->AsInt64() != INT64_MIN) {
      watermark = std::min(watermark, w->AsInt64());
    }
    for (const JsonValue& a : list->items()) {
      const JsonValue* labels = a.Find("labels");
      if (labels == nullptr || !labels->is_object()) {
        return absl::DataLossError(fmt::format("correlation state: shard {}: an alert without labels", p));
      }
      size_t target = 0;
      if (n > 1) {  // Where Submit would send it.
        core::SignalBatch batch;
        batch.Add().kind = core::SignalKind::kAlert;
        for (const auto& [name, value] : labels->members()) batch.AddLabelCopy(name, value.AsString());
        batch.FinishLabels();
        target = ShardFor(*rules, batch, batch.last(), &scratch);
      }
      if (!routed[target].empty()) routed[target] += ',';
      a.AppendTo(&routed[target]);
      if (n > 1) shard_of.emplace(a.GetString("fp"), target);
      ++count;
    }
  }
  // A resolved incident goes to the shard of its first member still saved, so that its page lists
  // its alerts (shard 0 when none is left).
  std::vector<std::string> closed_of(n);
  for (const JsonValue* inc : closed) {
    size_t target = 0;
    if (const JsonValue* members = inc->Find("members"); n > 1 && members != nullptr && members->is_array()) {
      for (const JsonValue& m : members->items()) {
        auto it = shard_of.find(m.AsString());
        if (it != shard_of.end()) {
          target = it->second;
          break;
        }
      }
    }
    if (!closed_of[target].empty()) closed_of[target] += ',';
    inc->AppendTo(&closed_of[target]);
  }
  std::vector<absl::Status> results(n);
  for (size_t i = 0; i < n; ++i) {
    std::string snapshot = fmt::format(
        R"({{"version":1,"watermark":{},"max_seen":{},"rule_names":{},"alerts":[{}],"deploys":{},"incidents":[{}],"closed":[{}])",
        watermark == INT64_MAX ? INT64_MIN : watermark, INT64_MIN, rule_names, routed[i], deploys, incidents,
        closed_of[i]);
    if (has_noise) snapshot += fmt::format(R"(,"noise":[{}])", i == 0 ? noise : "");
    snapshot += '}';
    absl::Status* result = &results[i];
    Post(i, Task{nullptr, {}, [snapshot = std::move(snapshot), result](Shard& s) { *result = s.Restore(snapshot); },
                 nullptr, nullptr});
  }
  Drain();
  for (const absl::Status& r : results) {
    if (!r.ok()) return absl::DataLossError(fmt::format("correlation state: {}", std::string(r.message())));
  }
  if (alerts != nullptr) *alerts = count;
  return absl::OkStatus();
}

std::vector<IncidentView> ShardedEngine::ListIncidents() {
  std::vector<IncidentView> out;
  for (auto& part : Gather<std::vector<IncidentView>>([](Shard& s) { return s.ListIncidents(); })) {
    for (auto& v : part) out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const IncidentView& a, const IncidentView& b) {
    if (a.started_at != b.started_at) return a.started_at > b.started_at;
    return a.id < b.id;
  });
  return out;
}

std::optional<IncidentView> ShardedEngine::GetIncident(std::string_view id) {
  std::string key(id);
  core::EventTime view = ViewTime();
  for (auto& r : Gather<std::optional<IncidentView>>([key, view](Shard& s) { return s.GetIncident(key, view); })) {
    if (r) return r;
  }
  return std::nullopt;
}

std::vector<DecisionRecord> ShardedEngine::Explain(std::string_view fingerprint_hex) {
  std::string key(fingerprint_hex);
  std::vector<DecisionRecord> out;
  for (auto& part : Gather<std::vector<DecisionRecord>>([key](Shard& s) { return s.Explain(key); })) {
    for (auto& d : part) out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(), [](const DecisionRecord& a, const DecisionRecord& b) { return a.time > b.time; });
  return out;
}

std::vector<AlertView> ShardedEngine::Alerts() {
  std::vector<AlertView> out;
  core::EventTime view = ViewTime();
  for (auto& part : Gather<std::vector<AlertView>>([view](Shard& s) { return s.Alerts(view); })) {
    for (auto& a : part) out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(), [](const AlertView& a, const AlertView& b) {
    if (a.starts_at != b.starts_at) return a.starts_at < b.starts_at;
    return a.fingerprint < b.fingerprint;
  });
  return out;
}

std::vector<AlertGroupView> ShardedEngine::Groups() {
  std::vector<AlertGroupView> out;
  core::EventTime view = ViewTime();
  for (auto& part : Gather<std::vector<AlertGroupView>>([view](Shard& s) { return s.Groups(view); })) {
    for (auto& g : part) out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const AlertGroupView& a, const AlertGroupView& b) { return a.group_key < b.group_key; });
  return out;
}

std::vector<NoiseRow> ShardedEngine::Noise(absl::Duration window) {
  std::vector<NoiseRow> rows;
  for (auto& part : Gather<std::vector<NoiseRow>>([window](Shard& s) {
         std::vector<NoiseRow> r;
         s.Noise(window, &r);
         return r;
       })) {
    for (NoiseRow& r : part) {
      auto it = std::find_if(rows.begin(), rows.end(), [&](const NoiseRow& x) { return x.alertname == r.alertname && x.route == r.route; });
      if (it == rows.end()) {
        rows.push_back(std::move(r));
        continue;
      }
      it->signals += r.signals;
      it->alerts += r.alerts;
      it->incidents += r.incidents;
      it->pages += r.pages;
      it->suppressed_silenced += r.suppressed_silenced;
      it->suppressed_inhibited += r.suppressed_inhibited;
      it->suppressed_maintenance += r.suppressed_maintenance;
      it->suppressed_flapping += r.suppressed_flapping;
      it->suppressed_transient += r.suppressed_transient;
      it->suppressed_noise += r.suppressed_noise;
      it->suppressed_storm += r.suppressed_storm;
      it->late += r.late;
      it->resolve_seconds.insert(it->resolve_seconds.end(), r.resolve_seconds.begin(), r.resolve_seconds.end());
    }
  }
  rows.erase(std::remove_if(rows.begin(), rows.end(), [](const NoiseRow& r) { return r.signals == 0 && r.alerts == 0; }), rows.end());
  std::sort(rows.begin(), rows.end(), [](const NoiseRow& a, const NoiseRow& b) {
    double na = static_cast<double>(a.signals) / static_cast<double>(a.pages + 1);
    double nb = static_cast<double>(b.signals) / static_cast<double>(b.pages + 1);
    if (na != nb) return na > nb;
    if (a.signals != b.signals) return a.signals > b.signals;
    return a.alertname < b.alertname;
  });
  return rows;
}

ShardStats ShardedEngine::Stats() {
  ShardStats total;
  for (const ShardStats& s : Gather<ShardStats>([](Shard& s) { return s.stats(); })) {
    total.signals += s.signals;
    total.alerts_in += s.alerts_in;
    total.duplicates += s.duplicates;
    total.ignored += s.ignored;
    total.late += s.late;
    total.resolved_unknown += s.resolved_unknown;
    total.evicted_alerts += s.evicted_alerts;
    total.evicted_incidents += s.evicted_incidents;
    total.notifications += s.notifications;
    total.pages += s.pages;
    total.storm_pages += s.storm_pages;
    total.rolled_into_storm += s.rolled_into_storm;
    total.active_alerts += s.active_alerts;
    total.open_incidents += s.open_incidents;
    total.incidents_opened += s.incidents_opened;
    total.deploys += s.deploys;
    total.future_clamped += s.future_clamped;
    for (size_t i = 0; i < kSuppressReasons; ++i) total.suppressed[i] += s.suppressed[i];
  }
  return total;
}

}  // namespace quell::correlate
