// src/correlate/silencer.h
//
// Silencer: the silence store, with Alertmanager API v2 semantics. A silence has matchers
// (name, value, isRegex, isEqual), startsAt/endsAt, createdBy and comment (both required), an id
// and updatedAt. Its state at time t: pending (t < startsAt), active (startsAt <= t < endsAt),
// expired (t >= endsAt). "now" is the caller's: the silences API passes its clock's time.
//
// Upsert follows Alertmanager's Silences.Set (silence/silence.go). With an id, the silence is
// updated in place only when that leaves the history of what was silenced unchanged (canUpdate):
// the matchers are equal (same order, names, operators, values) and
//   - the old silence is active: the new startsAt is in the same second as the old one and the
//     new endsAt is not before now;
//   - the old silence is pending: the new startsAt is not before now;
//   - the old silence is expired: never.
// Otherwise the old silence is expired (unless it already is) and the update becomes a new
// silence with a new id, which Upsert returns. A new silence (created or replacing) whose
// startsAt is before now starts now. Expire sets endsAt to now (a pending silence expires with
// startsAt = endsAt = now); expiring an expired silence succeeds and changes nothing.
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

  // Creates (empty id) or updates a silence (see the class comment); returns its id, a new one
  // when the update replaced the silence. Errors, checked before anything changes:
  // InvalidArgument (no matchers, every matcher matches the empty string, missing
  // createdBy/comment, endsAt not after startsAt, endsAt not after now), NotFound (unknown id).
  [[nodiscard]] absl::StatusOr<std::string> Upsert(Silence s, absl::Time now);
  // Ends the silence now. An expired silence is left as it is (OK, as Alertmanager answers).
  // Errors: NotFound.
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
// Parses a postableSilence body (matchers[], startsAt, endsAt, createdBy, comment, id?). Types
// are checked as Alertmanager's Go decoder checks them: a member of another JSON type than its
// field's is InvalidArgument (null counts as absent). Each matcher needs name (a non-empty
// string: any label name, see matcher.h), value (a string) and isRegex (a boolean); isEqual is
// an optional boolean, default true.
[[nodiscard]] absl::StatusOr<Silence> SilenceFromJson(std::string_view body);

}  // namespace quell::correlate

#endif  // QUELL_CORRELATE_SILENCER_H_
