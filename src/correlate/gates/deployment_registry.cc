#include "correlate/gates/deployment_registry.h"

#include <algorithm>
#include <tuple>

#include "fmt/format.h"

namespace quell::gates {

bool IsBaselineColor(core::DeployColor c) {
  return c == core::DeployColor::kBlue || c == core::DeployColor::kBaseline;
}
bool IsCanaryColor(core::DeployColor c) {
  return c == core::DeployColor::kGreen || c == core::DeployColor::kCanary;
}

namespace {

std::string MakeId(const core::Deployment& d) {
  return fmt::format("{}/{}/{}@{}", d.service, d.env, d.version,
                     core::FormatRfc3339(d.started_at.ToAbsl()));
}

// api (and unnamed) > deploy events > anything learned from telemetry attributes.
int SourceRank(std::string_view source) {
  if (source.empty() || source == "api") return 3;
  if (source == "deploy_signal" || source == "datadog_event") return 2;
  return 1;
}

}  // namespace

bool DeploymentRegistry::Upsert(const core::Deployment& d) {
  VersionKeyView key{d.service, d.env, d.version};
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    core::Deployment copy = d;
    if (copy.source.empty()) copy.source = "api";
    copy.id = MakeId(copy);
    by_key_.emplace(VersionKey::Of(key), std::move(copy));
    return true;
  }
  core::Deployment& cur = it->second;
  const core::Deployment before = cur;
  if (SourceRank(d.source) >= SourceRank(cur.source)) {
    if (d.color != core::DeployColor::kNone) cur.color = d.color;
    if (!d.started_at.is_zero()) cur.started_at = d.started_at;
    if (!d.link.empty()) cur.link = d.link;
    cur.source = d.source.empty() ? "api" : d.source;
  } else {
    if (cur.color == core::DeployColor::kNone) cur.color = d.color;
    if (cur.started_at.is_zero()) cur.started_at = d.started_at;
    if (cur.link.empty()) cur.link = d.link;
  }
  cur.id = MakeId(cur);
  return cur.color != before.color || cur.started_at != before.started_at ||
         cur.link != before.link || cur.source != before.source;
}

const core::Deployment* DeploymentRegistry::Find(VersionKeyView key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

const core::Deployment* DeploymentRegistry::Latest(std::string_view service, std::string_view env,
                                                   bool canary,
                                                   std::string_view exclude_version) const {
  const core::Deployment* best = nullptr;
  for (const auto& [key, d] : by_key_) {
    if (d.service != service || (!env.empty() && d.env != env)) continue;
    if (!exclude_version.empty() && d.version == exclude_version) continue;
    if (canary ? !IsCanaryColor(d.color) : !IsBaselineColor(d.color)) continue;
    if (best == nullptr || std::tie(d.started_at, d.version) > std::tie(best->started_at, best->version)) {
      best = &d;
    }
  }
  return best;
}

std::vector<core::Deployment> DeploymentRegistry::List() const {
  std::vector<core::Deployment> out;
  out.reserve(by_key_.size());
  for (const auto& [key, d] : by_key_) out.push_back(d);
  std::sort(out.begin(), out.end(), [](const core::Deployment& a, const core::Deployment& b) {
    return std::tie(a.service, a.env, a.started_at, a.version) <
           std::tie(b.service, b.env, b.started_at, b.version);
  });
  return out;
}

}  // namespace quell::gates
