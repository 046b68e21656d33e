// src/correlate/silencer.h
//
// Silencer: the silence store, with Alertmanager API v2 semantics. A silence has matchers
// (name, value, isRegex, isEqual), startsAt/endsAt, createdBy and comment (both required), an id
// and updatedAt. Its state at time t: pending (t < startsAt), active (startsAt <= t < endsAt),
// expired (t >= endsAt). Upsert with an id updates that silence in place while it is not expired
// (an expired one is replaced by a new silence with a new id, as Alertmanager does); Expire sets
// endsAt to now (a pending silence expires with startsAt = endsAt = now).
//
// Ids look like UUIDs but are deterministic: derived from a counter and the silence's content,
// so a replay of the same API actions yields the same ids (scenario tests rely on it).
//
// Thread-safe: the HTTP API writes, engine shards read. Shards poll version() (an atomic load)
// and take a new Snapshot() (one mutex acquisition) only when it changed; matching then runs on
// the immutable snapshot without locks. Serialize()/Restore() use JSON (the v2 gettable shape).
//
// Persistence (as Alertmanager's --storage.path snapshot): after OpenSnapshotFile(path), every
// change (create, update, expire, garbage collection) rewrites `path` atomically while the lock is
// held: the JSON goes to `path`.tmp, is fsynced, renamed over `path`, and the directory is
// fsynced, so a crash leaves either the old or the new file, never a torn one. Silence changes
// are rare (API calls), so the write is synchronous and not debounced.
#ifndef QUELL_CORRELATE_SILENCER_H_
#define QUELL_CORRELATE_SILENCER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/label.h"
#include "correlate/matcher.h"

namespace quell::correlate {

enum class SilenceState : uint8_t { kPending = 0, kActive, kExpired };
std::string_view SilenceStateName(SilenceState s);  // "pending", "active", "expired"

struct Silence {
  std::string id;
  Matchers matchers;
  absl::Time starts_at;
  absl::Time ends_at;
  absl::Time updated_at;
  std::string created_by;
  std::string comment;

  SilenceState State(absl::Time now) const {
    if (now < starts_at) return SilenceState::kPending;
    if (now < ends_at) return SilenceState::kActive;
    return SilenceState::kExpired;
  }
  bool Mutes(core::LabelView labels, absl::Time now) const {
    return State(now) == SilenceState::kActive && MatchesAll(matchers, labels);
  }
};

using SilenceSnapshot = std::vector<Silence>;

class Silencer {
 public:
  Silencer() : snapshot_(std::make_shared<const SilenceSnapshot>()) {}

  // Creates (empty id) or updates a silence. Errors: InvalidArgument (no matchers, a matcher
  // that matches the empty string only... see docs, missing createdBy/comment, endsAt not after
  // startsAt, endsAt in the past), NotFound (unknown id). Returns the id.
  [[nodiscard]] absl::StatusOr<std::string> Upsert(Silence s, absl::Time now);
  // Errors: NotFound, InvalidArgument "silence: already expired".
  [[nodiscard]] absl::Status Expire(std::string_view id, absl::Time now);
  [[nodiscard]] absl::StatusOr<Silence> Get(std::string_view id) const;
  std::vector<Silence> List() const;

  std::shared_ptr<const SilenceSnapshot> Snapshot() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Drops silences expired for longer than `retention` (Alertmanager keeps them 5 days).
  void GarbageCollect(absl::Time now, absl::Duration retention);

  std::string Serialize() const;
  [[nodiscard]] absl::Status Restore(std::string_view json);

  // Loads `path` when it exists (Restore), then persists every later change to it (see the class
  // comment); an empty path turns persistence off. Call once, before serving. Errors: DataLoss
  // (unreadable or corrupt file), Unavailable (cannot create its directory). A change whose write
  // fails stays in memory and the mutating call returns Unavailable ("silences: snapshot ...").
  [[nodiscard]] absl::Status OpenSnapshotFile(std::string path);

 private:
  void PublishLocked();
  std::string SerializeLocked() const;
  // Publishes and writes the snapshot file (when open).
  [[nodiscard]] absl::Status CommitLocked();
  std::string snapshot_path_;
  mutable std::mutex mu_;
  std::vector<Silence> silences_;
  uint64_t counter_ = 0;
  std::shared_ptr<const SilenceSnapshot> snapshot_;
  std::atomic<uint64_t> version_{0};
};

// The JSON object Alertmanager's API v2 returns for a silence (gettableSilence), at `now`.
std::string SilenceToJson(const Silence& s, absl::Time now);
// Parses a postableSilence body (matchers[], startsAt, endsAt, createdBy, comment, id?).
[[nodiscard]] absl::StatusOr<Silence> SilenceFromJson(std::string_view body);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_SILENCER_H_
