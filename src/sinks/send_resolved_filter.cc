// src/sinks/send_resolved_filter.cc
#include "sinks/send_resolved_filter.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace quell::sinks {
namespace {

// A member's identity within its incident: its fingerprint, else its labels.
std::string MemberId(const core::NotifiedAlert& a) {
  return a.fingerprint.empty() ? a.labels.ToString() : a.fingerprint;
}

// The sorted ids of the firing members `n` lists.
std::vector<std::string> FiringIds(const core::Notification& n) {
  std::vector<std::string> ids;
  for (const auto& a : n.alerts) {
    if (!a.resolved) ids.push_back(MemberId(a));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// The labels (name and value) that get(member) has for every one of `members`. REQUIRES: non-empty.
template <typename Get>
core::LabelSet Common(const std::vector<const core::NotifiedAlert*>& members, Get get) {
  std::vector<std::pair<std::string, std::string>> common;
  for (const core::Label& l : get(*members.front()).view()) common.emplace_back(l.name, l.value);
  for (size_t i = 1; i < members.size() && !common.empty(); ++i) {
    const core::LabelSet& s = get(*members[i]);
    std::erase_if(common, [&](const auto& p) { return !s.Has(p.first) || s.Get(p.first) != p.second; });
  }
  return core::LabelSet::FromPairs(std::move(common));
}

}  // namespace

struct SendResolvedFilter::State {
  struct Entry {
    std::vector<std::string> firing;  // Sorted member ids.
    std::list<std::string>::iterator lru;
  };
  explicit State(size_t max) : max_incidents(max) {}

  // True iff every id in `firing` (sorted) was firing in the last delivery for `key`.
  bool AllSent(const std::string& key, const std::vector<std::string>& firing) {
    std::lock_guard<std::mutex> l(mu);
    auto it = entries.find(key);
    if (it == entries.end()) return false;
    return std::includes(it->second.firing.begin(), it->second.firing.end(), firing.begin(), firing.end());
  }
  void Record(const std::string& key, std::vector<std::string> firing) {
    std::lock_guard<std::mutex> l(mu);
    auto it = entries.find(key);
    if (it != entries.end()) {
      it->second.firing = std::move(firing);
      lru.splice(lru.end(), lru, it->second.lru);
      return;
    }
    lru.push_back(key);
    entries.emplace(key, Entry{std::move(firing), std::prev(lru.end())});
    while (entries.size() > max_incidents) {
      entries.erase(lru.front());
      lru.pop_front();
    }
  }
  void Forget(const std::string& key) {
    std::lock_guard<std::mutex> l(mu);
    auto it = entries.find(key);
    if (it == entries.end()) return;
    lru.erase(it->second.lru);
    entries.erase(it);
  }

  const size_t max_incidents;
  std::mutex mu;
  absl::flat_hash_map<std::string, Entry> entries;  // By dedup key; guarded by mu.
  std::list<std::string> lru;                       // Least recently delivered first; guarded by mu.
};

SendResolvedFilter::SendResolvedFilter(size_t max_incidents)
    : state_(std::make_shared<State>(std::max<size_t>(1, max_incidents))) {}

const core::Notification* SendResolvedFilter::Filter(const core::Notification& n, core::Notification* scratch) const {
  if (n.status == core::NotificationStatus::kResolved) {
    state_->Forget(n.dedup_key);
    return nullptr;
  }
  size_t listed_firing = 0;
  bool lists_resolved = false;
  for (const auto& a : n.alerts) {
    if (a.resolved) {
      lists_resolved = true;
    } else {
      ++listed_firing;
    }
  }
  if (!lists_resolved && n.resolved_count == 0) return &n;
  // Only resolved members changed since the last delivery: DedupStage sends nothing.
  bool all_firing_listed = listed_firing >= n.firing_count;
  if (all_firing_listed && state_->AllSent(n.dedup_key, FiringIds(n))) return nullptr;
  // RetryStage: send the firing members only.
  *scratch = n;
  std::erase_if(scratch->alerts, [](const core::NotifiedAlert& a) { return a.resolved; });
  scratch->resolved_count = 0;
  scratch->truncated_alerts =
      n.firing_count > listed_firing ? static_cast<uint32_t>(n.firing_count - listed_firing) : 0;
  if (all_firing_listed && !scratch->alerts.empty()) {
    std::vector<const core::NotifiedAlert*> members;
    for (const auto& a : scratch->alerts) members.push_back(&a);
    scratch->common_labels =
        Common(members, [](const core::NotifiedAlert& a) -> const core::LabelSet& { return a.labels; });
    scratch->common_annotations =
        Common(members, [](const core::NotifiedAlert& a) -> const core::LabelSet& { return a.annotations; });
  }
  return scratch;
}

DeliveryCallback SendResolvedFilter::Track(const core::Notification& sent, DeliveryCallback done) const {
  if (sent.status != core::NotificationStatus::kFiring) return done;
  return [state = state_, key = sent.dedup_key, firing = FiringIds(sent), done = std::move(done)](
             DeliveryOutcome o) mutable {
    if (o.status.ok()) state->Record(key, std::move(firing));
    done(std::move(o));
  };
}

}  // namespace quell::sinks
