// src/correlate/topology.h
//
// Topology: the compiled service graph. Services get dense ids; Component(id) is the weakly
// connected component (what may merge into one incident, and the sharding key); DependsOn(a, b)
// is true iff a depends on b directly or transitively (b is upstream of a). Immutable after
// construction; safe to share across threads.
#ifndef QUELL_CORRELATE_TOPOLOGY_H_
#define QUELL_CORRELATE_TOPOLOGY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "correlate/topology_config.h"

namespace quell::correlate {

class Topology {
 public:
  explicit Topology(const TopologyConfig& cfg);
  // Dense id of `service`, or -1 when it is not in the topology.
  int Id(std::string_view service) const;
  int Component(int id) const { return component_[id]; }
  bool DependsOn(int a, int b) const { return closure_[static_cast<size_t>(a) * n_ + b]; }
  const std::string& Name(int id) const { return names_[id]; }
  int size() const { return static_cast<int>(n_); }

 private:
  size_t n_ = 0;
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, int> ids_;
  std::vector<int> component_;
  std::vector<bool> closure_;  // n x n.
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_TOPOLOGY_H_
