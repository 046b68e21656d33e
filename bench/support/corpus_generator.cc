#include "bench/support/corpus_generator.h"

#include <algorithm>
#include <deque>

#include "fmt/format.h"

namespace quell::bench {
namespace {

constexpr const char* kPrefixes[] = {"checkout", "cart",    "payments", "search",  "catalog", "inventory",
                                     "shipping", "pricing", "accounts", "auth",    "profile", "reviews",
                                     "orders",   "billing", "ledger",   "notify",  "email",   "media",
                                     "ads",      "reco",    "fraud",    "tax",     "geo",     "session"};
constexpr const char* kTierSuffix[] = {"web", "api", "svc", "db"};
constexpr const char* kTeams[] = {"payments", "growth", "core", "platform", "data", "storefront"};
constexpr const char* kAlerts[] = {"High error rate", "Latency p99 high", "Saturation high", "Pod restarts",
                                   "Queue backlog",   "Connection errors", "Disk filling"};

int64_t Ns(core::EventTime t) { return t.unix_nanos(); }

}  // namespace

ServiceGraph ServiceGraph::Generate(uint64_t seed, int services, int hosts) {
  Rng rng(seed ^ 0x5eed'0000'9a9fULL);
  ServiceGraph g;
  g.services_.resize(static_cast<size_t>(services));
  // Tiers: 10% edge, 40% api, 35% backend, 15% datastore.
  auto tier_of = [&](int i) {
    double f = static_cast<double>(i) / services;
    return f < 0.10 ? 0 : f < 0.50 ? 1 : f < 0.85 ? 2 : 3;
  };
  for (int i = 0; i < services; ++i) {
    ServiceNode& s = g.services_[static_cast<size_t>(i)];
    s.tier = tier_of(i);
    const char* prefix = kPrefixes[static_cast<size_t>(i) % std::size(kPrefixes)];
    int gen = i / static_cast<int>(std::size(kPrefixes));
    s.name = gen == 0 ? fmt::format("{}-{}", prefix, kTierSuffix[s.tier])
                      : fmt::format("{}{}-{}", prefix, gen + 1, kTierSuffix[s.tier]);
    s.host = fmt::format("host-{:02d}", static_cast<int>(rng.Below(static_cast<uint64_t>(hosts))));
    s.env = rng.Chance(0.9) ? "prod" : "staging";
    s.team = kTeams[rng.Below(std::size(kTeams))];
    s.version = fmt::format("1.{}.{}", rng.Below(10), rng.Below(20));
  }
  for (int i = 0; i < services; ++i) {
    ServiceNode& s = g.services_[static_cast<size_t>(i)];
    if (s.tier == 3) continue;
    // Callees from deeper tiers.
    std::vector<int> deeper;
    for (int j = 0; j < services; ++j) {
      if (tier_of(j) > s.tier) deeper.push_back(j);
    }
    int n = static_cast<int>(rng.Between(1, 3));
    for (int k = 0; k < n && !deeper.empty(); ++k) {
      int callee = deeper[rng.Below(deeper.size())];
      if (std::find(s.calls.begin(), s.calls.end(), callee) != s.calls.end()) continue;
      s.calls.push_back(callee);
      g.services_[static_cast<size_t>(callee)].callers.push_back(i);
    }
  }
  return g;
}

std::vector<int> ServiceGraph::Dependents(int root, int max_depth) const {
  std::vector<int> out;
  std::vector<int> depth(services_.size(), -1);
  std::deque<int> q{root};
  depth[static_cast<size_t>(root)] = 0;
  while (!q.empty()) {
    int s = q.front();
    q.pop_front();
    if (depth[static_cast<size_t>(s)] >= max_depth) continue;
    for (int c : services_[static_cast<size_t>(s)].callers) {
      if (depth[static_cast<size_t>(c)] >= 0) continue;
      depth[static_cast<size_t>(c)] = depth[static_cast<size_t>(s)] + 1;
      out.push_back(c);
      q.push_back(c);
    }
  }
  return out;
}

int ServiceGraph::Find(const std::string& name) const {
  for (size_t i = 0; i < services_.size(); ++i) {
    if (services_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

CorpusGenerator::CorpusGenerator(CorpusOptions options)
    : options_(options), graph_(ServiceGraph::Generate(options.seed, options.services, options.hosts)),
      rng_(options.seed) {}

std::string CorpusGenerator::Hex(int digits) {
  std::string s;
  while (static_cast<int>(s.size()) < digits) s += fmt::format("{:016x}", rng_.Next());
  s.resize(static_cast<size_t>(digits));
  return s;
}

std::string CorpusGenerator::DatadogWebhook(int service, core::EventTime t, const std::string& alert, bool firing) {
  const ServiceNode& s = graph_.service(service);
  const char* transition = firing ? "Triggered" : "Recovered";
  int monitor = 100000 + service * 10 + static_cast<int>(std::hash<std::string>{}(alert) % 10);
  int64_t ms = Ns(t) / 1'000'000;
  return fmt::format(
      R"({{"id":"{}","alert_id":"{}","alert_transition":"{}","alert_type":"{}","alert_priority":"P{}",)"
      R"("title":"[{}] {} on {}","body":"%%%\n{} for {} in {}\n%%%","date":"{}","last_updated":"{}",)"
      R"("event_type":"query_alert_monitor","alert_scope":"env:{},service:{}","hostname":"{}",)"
      R"("tags":"env:{},service:{},team:{},version:{}","link":"https://app.datadoghq.com/monitors/{}","org":{{"id":"4242","name":"acme"}}}})",
      rng_.Next() >> 1, monitor, transition, firing ? "error" : "success", 1 + service % 4, transition, alert, s.name,
      alert, s.name, s.env, ms, ms, s.env, s.name, s.host, s.env, s.name, s.team, s.version, monitor);
}

std::string CorpusGenerator::DatadogEvent(int service, core::EventTime t, bool deploy) {
  const ServiceNode& s = graph_.service(service);
  if (deploy) {
    return fmt::format(
        R"({{"title":"Deployed {} {}","text":"%%%\nJenkins deployed {} {} to {}\n%%%","date_happened":{},"priority":"normal",)"
        R"("host":"ci-1","tags":["service:{}","env:{}","version:{}","deployment.color:{}"],"alert_type":"info",)"
        R"("aggregation_key":"deploy-{}-{}","source_type_name":"jenkins"}})",
        s.name, s.version, s.name, s.version, s.env, Ns(t) / 1'000'000'000, s.name, s.env, s.version,
        rng_.Chance(0.5) ? "green" : "blue", s.name, rng_.Below(10000));
  }
  return fmt::format(
      R"({{"title":"{} config changed","text":"Feature flag toggled on {}","date_happened":{},"priority":"low",)"
      R"("host":"{}","tags":["service:{}","env:{}"],"alert_type":"user_update","source_type_name":"my_apps"}})",
      s.name, s.name, Ns(t) / 1'000'000'000, s.host, s.name, s.env);
}

std::string CorpusGenerator::DatadogLogs(int service, core::EventTime t, int records, bool error) {
  const ServiceNode& s = graph_.service(service);
  std::string out = "[";
  for (int i = 0; i < records; ++i) {
    if (i) out += ",";
    int code = error ? 500 + static_cast<int>(rng_.Below(4)) : 200;
    out += fmt::format(
        R"({{"message":"{} /api/{} {} in {}ms","ddsource":"nginx","ddtags":"env:{},version:{},team:{}","hostname":"{}",)"
        R"("service":"{}","status":"{}","timestamp":{},"http":{{"method":"GET","status_code":{}}},"duration":{}}})",
        error ? "GET" : "GET", rng_.Below(50), code, rng_.Below(900), s.env, s.version, s.team, s.host, s.name,
        error ? "error" : "info", Ns(t) / 1'000'000 + i, code, rng_.Below(1000000));
  }
  return out + "]";
}

std::string CorpusGenerator::OtlpLogs(int service, core::EventTime t, int records, bool error) {
  const ServiceNode& s = graph_.service(service);
  std::string out = fmt::format(
      R"({{"resourceLogs":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{}"}}}},)"
      R"({{"key":"service.version","value":{{"stringValue":"{}"}}}},{{"key":"deployment.environment.name","value":{{"stringValue":"{}"}}}},)"
      R"({{"key":"host.name","value":{{"stringValue":"{}"}}}}]}},"scopeLogs":[{{"scope":{{"name":"{}-logger"}},"logRecords":[)",
      s.name, s.version, s.env, s.host, s.name);
  for (int i = 0; i < records; ++i) {
    if (i) out += ",";
    bool err = error && rng_.Chance(0.7);
    out += fmt::format(
        R"({{"timeUnixNano":"{}","observedTimeUnixNano":"{}","severityNumber":{},"severityText":"{}",)"
        R"("body":{{"stringValue":"{}"}},"attributes":[{{"key":"http.response.status_code","value":{{"intValue":{}}}}},)"
        R"({{"key":"http.route","value":{{"stringValue":"/api/{}"}}}}],"traceId":"{}","spanId":"{}"}})",
        Ns(t) + i * 1000, Ns(t) + i * 1000 + 500, err ? 17 : 9, err ? "ERROR" : "INFO",
        err ? "upstream request failed: connection reset" : "request completed", err ? 503 : 200, rng_.Below(40),
        Hex(32), Hex(16));
  }
  return out + "]}]}]}";
}

std::string CorpusGenerator::OtlpTraces(int service, core::EventTime t, int spans, bool error) {
  const ServiceNode& s = graph_.service(service);
  std::string out = fmt::format(
      R"({{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{}"}}}},)"
      R"({{"key":"deployment.environment","value":{{"stringValue":"{}"}}}},{{"key":"host.name","value":{{"stringValue":"{}"}}}}]}},)"
      R"("scopeSpans":[{{"scope":{{"name":"@opentelemetry/instrumentation-http"}},"spans":[)",
      s.name, s.env, s.host);
  std::string trace = Hex(32);
  for (int i = 0; i < spans; ++i) {
    if (i) out += ",";
    bool err = error && rng_.Chance(0.6);
    int64_t dur = err ? rng_.Between(800'000'000, 3'000'000'000) : rng_.Between(1'000'000, 80'000'000);
    int64_t start = Ns(t) + i * 1'000'000;
    out += fmt::format(
        R"({{"traceId":"{}","spanId":"{}","name":"GET /api/{}","kind":2,"startTimeUnixNano":"{}","endTimeUnixNano":"{}",)"
        R"("attributes":[{{"key":"http.request.method","value":{{"stringValue":"GET"}}}},{{"key":"http.response.status_code","value":{{"intValue":{}}}}}],)"
        R"("status":{{"code":{}}}}})",
        trace, Hex(16), rng_.Below(40), start, start + dur, err ? 503 : 200, err ? 2 : 0);
  }
  return out + "]}]}]}";
}

std::string CorpusGenerator::OtlpMetrics(int service, core::EventTime t, int points) {
  const ServiceNode& s = graph_.service(service);
  std::string out = fmt::format(
      R"({{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{}"}}}},)"
      R"({{"key":"host.name","value":{{"stringValue":"{}"}}}}]}},"scopeMetrics":[{{"scope":{{"name":"meter"}},"metrics":[)",
      s.name, s.host);
  out += R"({"name":"queue.depth","gauge":{"dataPoints":[)";
  for (int i = 0; i < points; ++i) {
    if (i) out += ",";
    out += fmt::format(R"({{"timeUnixNano":"{}","asInt":{},"attributes":[{{"key":"queue","value":{{"stringValue":"q{}"}}}}]}})",
                       Ns(t), rng_.Below(500), i);
  }
  out += fmt::format(
      R"(]}}}},{{"name":"http.server.requests","sum":{{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{{"timeUnixNano":"{}","asInt":"{}"}}]}}}},)"
      R"({{"name":"http.server.duration","unit":"ms","histogram":{{"aggregationTemporality":2,"dataPoints":[{{"timeUnixNano":"{}","count":{},"sum":{},"bucketCounts":[1,2,3],"explicitBounds":[10,100]}}]}}}})",
      Ns(t), rng_.Below(100000), Ns(t), 6, rng_.Below(1000));
  return out + "]}]}]}";
}

std::string CorpusGenerator::AlertmanagerAlerts(int service, core::EventTime t, const std::string& alert,
                                                bool firing) {
  const ServiceNode& s = graph_.service(service);
  absl::Time now = t.ToAbsl();
  std::string starts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now - absl::Minutes(1), absl::UTCTimeZone());
  std::string ends = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", firing ? now + absl::Minutes(4) : now,
                                      absl::UTCTimeZone());
  std::string name = alert;
  name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
  return fmt::format(
      R"([{{"labels":{{"alertname":"{}","service":"{}","env":"{}","instance":"{}:9100","severity":"{}","team":"{}"}},)"
      R"("annotations":{{"summary":"{} on {}","runbook_url":"https://runbooks/{}"}},"startsAt":"{}","endsAt":"{}",)"
      R"("generatorURL":"http://prometheus:9090/graph?g0.expr={}"}}])",
      name, s.name, s.env, s.host, firing ? "critical" : "warning", s.team, alert, s.name, name, starts, ends, name);
}

std::vector<std::string> CorpusGenerator::Bodies(core::Format format, size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  const int services = static_cast<int>(graph_.services().size());
  for (size_t i = 0; i < n; ++i) {
    core::EventTime t = options_.start + absl::Seconds(static_cast<int64_t>(i));
    int s = static_cast<int>(rng_.Below(static_cast<uint64_t>(services)));
    const std::string alert = kAlerts[rng_.Below(std::size(kAlerts))];
    switch (format) {
      case core::Format::kDatadogWebhook: out.push_back(DatadogWebhook(s, t, alert, rng_.Chance(0.7))); break;
      case core::Format::kDatadogEvent: out.push_back(DatadogEvent(s, t, rng_.Chance(0.3))); break;
      case core::Format::kDatadogLog:
        out.push_back(DatadogLogs(s, t, static_cast<int>(rng_.Between(1, 20)), rng_.Chance(0.1)));
        break;
      case core::Format::kOtlpLogs:
        out.push_back(OtlpLogs(s, t, static_cast<int>(rng_.Between(1, 20)), rng_.Chance(0.1)));
        break;
      case core::Format::kOtlpTraces:
        out.push_back(OtlpTraces(s, t, static_cast<int>(rng_.Between(1, 20)), rng_.Chance(0.1)));
        break;
      case core::Format::kOtlpMetrics: out.push_back(OtlpMetrics(s, t, static_cast<int>(rng_.Between(1, 8)))); break;
      case core::Format::kAlertmanager: out.push_back(AlertmanagerAlerts(s, t, alert, rng_.Chance(0.7))); break;
      default: break;
    }
  }
  return out;
}

std::vector<CorpusRecord> CorpusGenerator::Stream(const StreamOptions& o) {
  std::vector<CorpusRecord> out;
  incidents_.clear();
  const int services = static_cast<int>(graph_.services().size());
  const int64_t total_ns = absl::ToInt64Nanoseconds(o.duration);
  auto at = [&](int64_t offset_ns) { return options_.start + absl::Nanoseconds(std::clamp<int64_t>(offset_ns, 0, total_ns)); };
  auto push = [&](core::Format f, core::EventTime t, std::string body, const std::string& inc, int svc, bool root) {
    out.push_back(CorpusRecord{f, t, std::move(body), inc, svc, root});
  };
  // Background.
  const int64_t background = static_cast<int64_t>(o.background_per_second * absl::ToDoubleSeconds(o.duration));
  for (int64_t i = 0; i < background; ++i) {
    core::EventTime t = at(static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(total_ns))));
    int s = static_cast<int>(rng_.Below(static_cast<uint64_t>(services)));
    switch (rng_.Below(10)) {
      case 0: case 1: case 2: push(core::Format::kOtlpLogs, t, OtlpLogs(s, t, static_cast<int>(rng_.Between(1, 20)), false), "", s, false); break;
      case 3: case 4: push(core::Format::kOtlpTraces, t, OtlpTraces(s, t, static_cast<int>(rng_.Between(1, 10)), false), "", s, false); break;
      case 5: push(core::Format::kOtlpMetrics, t, OtlpMetrics(s, t, 3), "", s, false); break;
      case 6: push(core::Format::kDatadogLog, t, DatadogLogs(s, t, static_cast<int>(rng_.Between(1, 5)), false), "", s, false); break;
      case 7: push(core::Format::kDatadogEvent, t, DatadogEvent(s, t, rng_.Chance(0.5)), "", s, false); break;
      case 8: push(core::Format::kDatadogWebhook, t, DatadogWebhook(s, t, kAlerts[rng_.Below(std::size(kAlerts))], true), "", s, false); break;
      default: push(core::Format::kAlertmanager, t, AlertmanagerAlerts(s, t, "Pod restarts", true), "", s, false); break;
    }
  }
  // Incidents: roots from the backend and datastore tiers, spaced over the window.
  for (int k = 0; k < o.incidents; ++k) {
    Incident inc;
    inc.id = fmt::format("inc-{:04d}", k + 1);
    int root;
    do {
      root = static_cast<int>(rng_.Below(static_cast<uint64_t>(services)));
    } while (graph_.service(root).tier < 2 || graph_.service(root).callers.empty());
    inc.root_service = root;
    int64_t start_ns = total_ns * (k + 1) / (o.incidents + 1) - total_ns / (4 * (o.incidents + 1));
    int64_t length_ns = std::min<int64_t>(total_ns / (2 * (o.incidents + 1)), absl::ToInt64Nanoseconds(absl::Minutes(8)));
    inc.start = at(start_ns);
    inc.end = at(start_ns + length_ns);
    std::vector<int> deps = graph_.Dependents(root);
    if (static_cast<int>(deps.size()) > o.max_storm_services) deps.resize(static_cast<size_t>(o.max_storm_services));
    inc.affected = deps;
    // Root: webhook + Alertmanager alerts, error logs and spans, then recovery.
    const std::string root_alert = kAlerts[rng_.Below(std::size(kAlerts))];
    push(core::Format::kDatadogWebhook, inc.start, DatadogWebhook(root, inc.start, root_alert, true), inc.id, root, true);
    push(core::Format::kAlertmanager, at(start_ns + 2'000'000'000), AlertmanagerAlerts(root, at(start_ns + 2'000'000'000), "Connection errors", true), inc.id, root, true);
    for (int64_t r = 60'000'000'000; r < length_ns; r += 60'000'000'000) {  // Re-sends every minute.
      push(core::Format::kAlertmanager, at(start_ns + r), AlertmanagerAlerts(root, at(start_ns + r), "Connection errors", true), inc.id, root, true);
    }
    for (int j = 0; j < 5; ++j) {
      core::EventTime t = at(start_ns + j * 10'000'000'000LL);
      push(core::Format::kOtlpLogs, t, OtlpLogs(root, t, 10, true), inc.id, root, true);
      push(core::Format::kOtlpTraces, t, OtlpTraces(root, t, 5, true), inc.id, root, true);
    }
    // Dependents: alerts shortly after, some duplicated, some flapping.
    for (size_t d = 0; d < deps.size(); ++d) {
      int s = deps[d];
      int64_t delay = static_cast<int64_t>(5 + d * 7 + rng_.Below(30)) * 1'000'000'000LL;
      core::EventTime t = at(start_ns + delay);
      const std::string alert = kAlerts[rng_.Below(std::size(kAlerts))];
      bool webhook = rng_.Chance(0.5);
      auto fire = [&](core::EventTime when, bool firing) {
        if (webhook) push(core::Format::kDatadogWebhook, when, DatadogWebhook(s, when, alert, firing), inc.id, s, false);
        else push(core::Format::kAlertmanager, when, AlertmanagerAlerts(s, when, alert, firing), inc.id, s, false);
      };
      fire(t, true);
      if (rng_.Chance(o.duplicate_probability)) fire(at(start_ns + delay + 60'000'000'000LL), true);
      if (rng_.Chance(o.flap_probability)) {
        fire(at(start_ns + delay + 20'000'000'000LL), false);
        fire(at(start_ns + delay + 40'000'000'000LL), true);
      }
      push(core::Format::kOtlpLogs, t, OtlpLogs(s, t, static_cast<int>(rng_.Between(1, 20)), true), inc.id, s, false);
      fire(inc.end + absl::Seconds(static_cast<int64_t>(d)), false);
    }
    push(core::Format::kDatadogWebhook, inc.end, DatadogWebhook(root, inc.end, root_alert, false), inc.id, root, true);
    incidents_.push_back(std::move(inc));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const CorpusRecord& a, const CorpusRecord& b) { return a.observed < b.observed; });
  return out;
}

}  // namespace quell::bench
