#include "correlate/topology.h"

#include <numeric>

#include "core/strings.h"

namespace quell::correlate {

Topology::Topology(const TopologyConfig& cfg) : n_(cfg.services.size()) {
  for (const TopologyService& s : cfg.services) {
    ids_[s.name] = static_cast<int>(names_.size());
    names_.push_back(s.name);
  }
  closure_.assign(n_ * n_, false);
  std::vector<int> parent(n_);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (size_t i = 0; i < n_; ++i) {
    for (const std::string& d : cfg.services[i].depends_on) {
      int j = ids_.at(d);
      closure_[i * n_ + j] = true;
      parent[find(static_cast<int>(i))] = find(j);
    }
  }
  // Floyd-Warshall style closure; topologies are small (hundreds of services).
  for (size_t k = 0; k < n_; ++k) {
    for (size_t i = 0; i < n_; ++i) {
      if (!closure_[i * n_ + k]) continue;
      for (size_t j = 0; j < n_; ++j) {
        if (closure_[k * n_ + j]) closure_[i * n_ + j] = true;
      }
    }
  }
  component_.resize(n_);
  for (size_t i = 0; i < n_; ++i) component_[i] = find(static_cast<int>(i));
}

int Topology::Id(std::string_view service) const {
  if (service.empty() || n_ == 0) return -1;
  auto it = ids_.find(core::ToAbsl(service));
  return it == ids_.end() ? -1 : it->second;
}

}  // namespace quell::correlate
