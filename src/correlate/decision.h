// src/correlate/decision.h
//
// Decision: one thing the engine decided about an alert, kept in the alert's bounded decision log
// for `explain` ("why did/didn't this page?"). In state it is 20 bytes (time, kind, rule index,
// argument; packed to 4-byte alignment, as it is held per fingerprint); Explain renders it as a DecisionRecord naming the rule and its config file:line:col.
#ifndef QUELL_CORRELATE_DECISION_H_
#define QUELL_CORRELATE_DECISION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_time.h"

namespace quell::correlate {

enum class DecisionKind : uint8_t {
  kDeduplicated = 0,  // New fingerprint F (first signal); later duplicates are only counted.
  kGrouped,           // Joined incident I (arg: incident id hash) via a route.
  kInhibited,         // Muted by source alert A (arg: fingerprint) under an inhibit rule.
  kSilenced,          // Muted by silence S (arg: index into the shard's silence id table).
  kMaintenance,       // Muted by a maintenance window.
  kTimeMuted,         // The route's mute/active time intervals held the notification.
  kHeldFlapping,      // Flapping detected; held.
  kReleasedFlapping,  // Stable again; released.
  kHeldTransient,     // Waiting out the transient grace.
  kTransient,         // Resolved within the grace: never pages.
  kNoise,             // Route class noise: recorded, never notified.
  kStorm,             // Rate limited; rolled into storm (arg: storm id hash).
  kLate,              // Arrived behind the watermark; dropped.
  kNotified,          // Part of a notification (arg: sequence).
  kResolved,          // State changed to resolved.
  kRefired,           // Resolved alert fired again.
  kEvicted,           // Dropped by the per-shard fingerprint limit.
  kAcked,             // Its incident was acknowledged; re-notification held.
  kDeployAttributed,  // Attributed to a deploy (arg: deploy time ns).
  kFutureClamped,     // Its time was beyond observed + max_future_skew: observed time used (arg: its own time ns).
  // A firing signal changed its severity (arg: old severity | new << 8 | 1 << 16 when its implied
  // `severity` label followed and its routes were matched again). Like kResolved and kRefired it
  // names no rule: the source decided. Appended last: kinds are saved by number in snapshots.
  kSeverityChanged,
};

std::string_view DecisionKindName(DecisionKind k);

#pragma pack(push, 4)
struct Decision {
  int64_t time_ns = 0;
  uint64_t arg = 0;
  uint32_t rule : 24 = 0;  // Index into CompiledRules::rules() (fewer than 2^24 rules).
  DecisionKind kind : 8 = DecisionKind::kDeduplicated;
};
#pragma pack(pop)
static_assert(sizeof(Decision) == 20);

// The rendered form returned by Explain (newest first).
struct DecisionRecord {
  core::EventTime time;
  std::string decision;  // DecisionKindName.
  std::string detail;    // "grouped into incident 1f3e...", "silenced by 6a1b...".
  std::string rule;      // "route {}/{severity=\"critical\"}", "inhibit_rules[0]", "flapping".
  std::string where;     // Config file:line:col of the rule, when it has one.
};

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_DECISION_H_
