// bench/support/corpus_generator.h
//
// CorpusGenerator: deterministic (seeded) synthetic telemetry for benchmarks, the bundled sample
// stream and labeled correlation tests. Same seed and options -> byte-identical output on every
// platform (own PRNG arithmetic, no std distributions).
//
// The world: `services` services (default 200) on `hosts` hosts (default 40), in four tiers
// (edge, api, backend, datastore); each service calls 1-3 services of deeper tiers. The
// ServiceGraph is exposed (callers/callees, transitive dependents) so a correlation corpus can
// label which alerts belong to which root cause.
//
// Bodies per format (what the parser benchmarks use): Datadog monitor webhooks in the "rich"
// template (~500 bytes), Datadog events (some deploys), Datadog log batches, OTLP/JSON logs
// (1-20 records per request, OTel JS shapes: string timestamps, numeric ints), OTLP traces (spans
// with errors and latency), OTLP metrics (gauge, sum, histogram), Alertmanager alert lists.
//
// Stream(): a time-ordered mix of background traffic and incidents. An incident picks a root
// service, fires its alerts, then within seconds to minutes its transitive dependents fire too
// (an alert storm), with duplicates (Alertmanager-style re-sends), flapping alerts and error
// logs/spans, and resolves after a while. Every record carries its ground truth: the incident id
// ("" for background) and the service it is about.
//
// Thread-safety: none; one generator per thread.
#ifndef QUELL_BENCH_SUPPORT_CORPUS_GENERATOR_H_
#define QUELL_BENCH_SUPPORT_CORPUS_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/event_time.h"
#include "core/signal.h"

namespace quell::bench {

// splitmix64: tiny, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

struct ServiceNode {
  std::string name;      // "checkout-api"
  std::string host;      // "host-07"
  std::string env;       // "prod" (most) or "staging"
  std::string team;
  std::string version;   // "1.4.2"
  int tier = 0;          // 0 edge, 1 api, 2 backend, 3 datastore.
  std::vector<int> calls;    // Services this one depends on (deeper tiers).
  std::vector<int> callers;  // Services that depend on this one.
};

class ServiceGraph {
 public:
  static ServiceGraph Generate(uint64_t seed, int services, int hosts);
  const std::vector<ServiceNode>& services() const { return services_; }
  const ServiceNode& service(int i) const { return services_[static_cast<size_t>(i)]; }
  // Services that (transitively) depend on `root`, nearest first, at most `max_depth` hops away;
  // excludes `root`.
  std::vector<int> Dependents(int root, int max_depth = 4) const;
  int Find(const std::string& name) const;  // -1 when absent.

 private:
  std::vector<ServiceNode> services_;
};

// One generated input body with its ground truth.
struct CorpusRecord {
  core::Format format = core::Format::kUnknown;
  core::EventTime observed;   // When it arrives.
  std::string body;
  std::string incident_id;    // Ground truth: "" for background traffic.
  int service = -1;           // The service the record is about.
  bool root_cause = false;    // True for the root service's own signals.
};

struct Incident {
  std::string id;             // "inc-0001"
  int root_service = -1;
  core::EventTime start, end;
  std::vector<int> affected;  // Dependents that alerted (root excluded).
};

struct CorpusOptions {
  uint64_t seed = 42;
  int services = 200;
  int hosts = 40;
  core::EventTime start = core::EventTime::FromUnixNanos(1767225600000000000);  // 2026-01-01T00:00:00Z
};

struct StreamOptions {
  absl::Duration duration = absl::Minutes(30);
  int incidents = 2;                 // Storms in the window.
  double background_per_second = 1;  // Background bodies per second (all formats).
  int max_storm_services = 12;       // Dependents that alert per incident, at most.
  double flap_probability = 0.15;    // Chance a storm alert flaps (fire, resolve, fire).
  double duplicate_probability = 0.5;  // Chance an alert is re-sent (same labels) 60 s later.
};

class CorpusGenerator {
 public:
  explicit CorpusGenerator(CorpusOptions options = {});
  const ServiceGraph& graph() const { return graph_; }
  const CorpusOptions& options() const { return options_; }

  // n bodies of one format, for parser benchmarks. Times advance 1 s per body from start.
  std::vector<std::string> Bodies(core::Format format, size_t n);

  // One body of `format` about `service` at `t`; `firing` picks the alert state where it applies,
  // `error` makes logs/spans errors.
  std::string DatadogWebhook(int service, core::EventTime t, const std::string& alert, bool firing);
  std::string DatadogEvent(int service, core::EventTime t, bool deploy);
  std::string DatadogLogs(int service, core::EventTime t, int records, bool error);
  std::string OtlpLogs(int service, core::EventTime t, int records, bool error);
  std::string OtlpTraces(int service, core::EventTime t, int spans, bool error);
  std::string OtlpMetrics(int service, core::EventTime t, int points);
  std::string AlertmanagerAlerts(int service, core::EventTime t, const std::string& alert, bool firing);

  // A time-ordered mixed stream with incidents; incidents() describes them afterwards.
  std::vector<CorpusRecord> Stream(const StreamOptions& options);
  const std::vector<Incident>& incidents() const { return incidents_; }

 private:
  std::string Hex(int digits);
  CorpusOptions options_;
  ServiceGraph graph_;
  Rng rng_;
  std::vector<Incident> incidents_;
};

}  // namespace quell::bench

#endif  // QUELL_BENCH_SUPPORT_CORPUS_GENERATOR_H_
