// bench/correlate/storm_corpus.h
//
// A deterministic, labeled alert-storm corpus for the correlation benchmarks: a service dependency
// forest plus ground-truth incidents. Each cascade incident fails one root service at time T; the
// root and every (transitive) dependent service then fire 1-3 alerts each after a small delay
// (downstream later), and every alert is re-sent while it fires, as Prometheus does: Prometheus sends
// each firing alert again whenever `--rules.alert.resend-delay` (default 1m) has passed since it last
// sent it, at an evaluation, until the alert resolves (rules/alert.go needsSending). Resolved alerts
// are sent once here (Prometheus keeps re-sending them for 15 min; left out, which only lowers
// signals per incident).
// Independent incidents are single alerts on services outside the topology. Ground truth: the
// incident each alert belongs to and its root service. Header-only (bench/ compiles only
// *_bench.cc), seeded xorshift so every run builds the same corpus.
#ifndef QUELL_BENCH_CORRELATE_STORM_CORPUS_H_
#define QUELL_BENCH_CORRELATE_STORM_CORPUS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fmt/format.h"

namespace quell::bench {

struct CorpusAlert {
  int64_t time_ns;
  std::string alertname;
  std::string service;
  std::string instance;
  int incident;       // Ground-truth incident index.
  bool resolved = false;
};

struct CorpusIncident {
  std::string root_service;
  int64_t start_ns;
  int alerts = 0;     // Distinct alerts (fingerprints).
};

struct StormCorpus {
  std::string topology_yaml;           // `topology:` section.
  std::vector<CorpusAlert> signals;    // In time order.
  std::vector<CorpusIncident> incidents;
};

class XorShift {
 public:
  explicit XorShift(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  int Uniform(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t s_;
};

// `trees` dependency trees of depth 3 (root -> `fanout` mid services -> `fanout` leaves each);
// `cascades` cascade incidents spread `spacing_s` apart (each on a random tree, its root at a random
// node); `singles` independent incidents. Every alert fires for 10 minutes and is sent every
// `resend_every_s` seconds from its start (Prometheus' default resend delay: 60 s) until it resolves,
// at most `max_sends` times (0 = no limit). The corpus before 26 Nov 2026 sent every alert 5 times
// 15 s apart and then nothing for 9 minutes (resend_every_s 15, max_sends 5): kept for comparison.
inline StormCorpus BuildStormCorpus(int trees = 20, int fanout = 3, int cascades = 200, int singles = 200,
                                    int resend_every_s = 60, int max_sends = 0, int spacing_s = 1200,
                                    uint64_t seed = 42) {
  StormCorpus c;
  XorShift rng(seed);
  struct Node {
    std::string name;
    int parent;  // Upstream... the node this one depends on; -1 at a tree root.
  };
  std::vector<Node> nodes;
  c.topology_yaml = "topology:\n  window: 10m\n  services:\n";
  for (int t = 0; t < trees; ++t) {
    int root = static_cast<int>(nodes.size());
    nodes.push_back({fmt::format("db-{}", t), -1});
    for (int m = 0; m < fanout; ++m) {
      int mid = static_cast<int>(nodes.size());
      nodes.push_back({fmt::format("svc-{}-{}", t, m), root});
      for (int l = 0; l < fanout; ++l) nodes.push_back({fmt::format("web-{}-{}-{}", t, m, l), mid});
    }
  }
  for (const Node& n : nodes) {
    c.topology_yaml += fmt::format("    - name: {}\n", n.name);
    if (n.parent >= 0) c.topology_yaml += fmt::format("      depends_on: [{}]\n", nodes[static_cast<size_t>(n.parent)].name);
  }
  const int64_t base = int64_t{1767607200} * 1000000000;  // 2026-01-05T10:00:00Z
  auto add_alerts = [&](int incident, const std::string& service, int64_t t, int depth) {
    int count = 1 + rng.Uniform(3);
    for (int a = 0; a < count; ++a) {
      std::string name = fmt::format("Symptom{}", a);
      int64_t start = t + int64_t{depth} * 20 * 1000000000 + rng.Uniform(10) * int64_t{1000000000};
      // Firing for ten minutes, then resolved.
      const int64_t firing_ns = int64_t{600} * 1000000000;
      for (int r = 0; int64_t{r} * resend_every_s * 1000000000 < firing_ns && (max_sends == 0 || r < max_sends); ++r) {
        c.signals.push_back({start + int64_t{r} * resend_every_s * 1000000000, name, service, "i-0", incident});
      }
      c.signals.push_back({start + firing_ns, name, service, "i-0", incident, true});
      ++c.incidents[static_cast<size_t>(incident)].alerts;
    }
  };
  // Dependents of node i (i plus its subtree), with depth.
  std::vector<std::vector<int>> children(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].parent >= 0) children[static_cast<size_t>(nodes[i].parent)].push_back(static_cast<int>(i));
  }
  for (int k = 0; k < cascades; ++k) {
    int root = rng.Uniform(static_cast<int>(nodes.size()));
    int64_t t = base + int64_t{k} * spacing_s * 1000000000;
    c.incidents.push_back({nodes[static_cast<size_t>(root)].name, t, 0});
    int incident = static_cast<int>(c.incidents.size()) - 1;
    std::vector<std::pair<int, int>> stack{{root, 0}};
    while (!stack.empty()) {
      auto [n, depth] = stack.back();
      stack.pop_back();
      add_alerts(incident, nodes[static_cast<size_t>(n)].name, t, depth);
      for (int ch : children[static_cast<size_t>(n)]) stack.push_back({ch, depth + 1});
    }
  }
  for (int k = 0; k < singles; ++k) {
    int64_t t = base + rng.Uniform(cascades * spacing_s) * int64_t{1000000000};
    std::string service = fmt::format("standalone-{}", k);
    c.incidents.push_back({service, t, 0});
    add_alerts(static_cast<int>(c.incidents.size()) - 1, service, t, 0);
  }
  std::stable_sort(c.signals.begin(), c.signals.end(),
                   [](const CorpusAlert& a, const CorpusAlert& b) { return a.time_ns < b.time_ns; });
  return c;
}

}  // namespace quell::bench

#endif  // QUELL_BENCH_CORRELATE_STORM_CORPUS_H_
