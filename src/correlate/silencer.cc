#include "correlate/silencer.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/event_time.h"
#include "core/state_file.h"
#include "core/status_macros.h"
#include "core/strings.h"
#include "correlate/json_value.h"
#include "fmt/format.h"
#include "xxhash.h"

namespace quell::correlate {
namespace {

std::string MakeId(uint64_t counter, const Silence& s) {
  std::string seed = fmt::format("{}|{}|{}|{}", counter, s.created_by, s.comment,
                                 absl::ToUnixNanos(s.starts_at));
  uint64_t a = XXH3_64bits_withSeed(seed.data(), seed.size(), 1);
  uint64_t b = XXH3_64bits_withSeed(seed.data(), seed.size(), 2);
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF,
                     b >> 52, b & 0xFFFFFFFFFFFFull);
}

absl::Status Check(const Silence& s) {
  if (s.matchers.empty()) return absl::InvalidArgumentError("silence: at least one matcher is required");
  bool any_non_empty = false;
  for (const Matcher& m : s.matchers) {
    if (!m.Matches(std::string_view())) any_non_empty = true;
  }
  if (!any_non_empty) {
    return absl::InvalidArgumentError("silence: at least one matcher must not match the empty string");
  }
  if (s.created_by.empty()) return absl::InvalidArgumentError("silence: createdBy is required");
  if (s.comment.empty()) return absl::InvalidArgumentError("silence: comment is required");
  if (s.ends_at <= s.starts_at) return absl::InvalidArgumentError("silence: endsAt must be after startsAt");
  return absl::OkStatus();
}

bool SameMatchers(const Matchers& a, const Matchers& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Matcher& x, const Matcher& y) {
    return x.type() == y.type() && x.name() == y.name() && x.value() == y.value();
  });
}

// silence.go canUpdate: whether `prev` may become `next` in place without changing the history of
// what was silenced.
bool CanUpdate(const Silence& prev, const Silence& next, absl::Time now) {
  if (!SameMatchers(prev.matchers, next.matchers)) return false;
  switch (prev.State(now)) {
    case SilenceState::kActive:
      // Go compares Unix seconds: a client echoing startsAt with less precision keeps it.
      return absl::ToUnixSeconds(next.starts_at) == absl::ToUnixSeconds(prev.starts_at) && next.ends_at >= now;
    case SilenceState::kPending:
      return next.starts_at >= now;
    case SilenceState::kExpired:
      return false;
  }
  return false;
}

// Ends `*s` at `now` (silence.go expire). REQUIRES: `*s` is not expired at `now`.
void EndNow(Silence* s, absl::Time now) {
  if (s->State(now) == SilenceState::kPending) s->starts_at = now;
  s->ends_at = now;
  s->updated_at = now;
}

}  // namespace

std::string_view SilenceStateName(SilenceState s) {
  switch (s) {
    case SilenceState::kPending: return "pending";
    case SilenceState::kActive: return "active";
    case SilenceState::kExpired: return "expired";
  }
  return "expired";
}

absl::StatusOr<std::string> Silencer::Upsert(Silence s, absl::Time now) {
  QUELL_RETURN_IF_ERROR(Check(s));
  if (s.ends_at <= now) return absl::InvalidArgumentError("silence: endsAt is in the past");
  std::lock_guard<std::mutex> lock(mu_);
  s.updated_at = now;
  if (!s.id.empty()) {
    auto it = std::find_if(silences_.begin(), silences_.end(), [&](const Silence& o) { return o.id == s.id; });
    if (it == silences_.end()) return absl::NotFoundError(fmt::format("silence: no silence with id {}", s.id));
    if (CanUpdate(*it, s, now)) {
      *it = std::move(s);
      std::string id = it->id;
      QUELL_RETURN_IF_ERROR(CommitLocked());
      return id;
    }
    // The update would rewrite history: the old silence ends now, the update is a new silence.
    if (it->State(now) != SilenceState::kExpired) EndNow(&*it, now);
  }
  if (s.starts_at < now) s.starts_at = now;
  s.id = MakeId(++counter_, s);
  silences_.push_back(std::move(s));
  std::string id = silences_.back().id;
  QUELL_RETURN_IF_ERROR(CommitLocked());
  return id;
}

absl::Status Silencer::Expire(std::string_view id, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(silences_.begin(), silences_.end(), [&](const Silence& o) { return o.id == id; });
  if (it == silences_.end()) return absl::NotFoundError(fmt::format("silence: no silence with id {}", id));
  if (it->State(now) == SilenceState::kExpired) return absl::OkStatus();  // silence.go: idempotent.
  EndNow(&*it, now);
  return CommitLocked();
}

absl::StatusOr<Silence> Silencer::Get(std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Silence& s : silences_) {
    if (s.id == id) return s;
  }
  return absl::NotFoundError(fmt::format("silence: no silence with id {}", id));
}

std::vector<Silence> Silencer::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return silences_;
}

std::shared_ptr<const SilenceSnapshot> Silencer::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

void Silencer::GarbageCollect(absl::Time now, absl::Duration retention) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t before = silences_.size();
  silences_.erase(std::remove_if(silences_.begin(), silences_.end(),
                                 [&](const Silence& s) { return s.ends_at + retention < now; }),
                  silences_.end());
  if (silences_.size() != before) CommitLocked().IgnoreError();  // Retried by the next change.
}

absl::Status Silencer::CommitLocked() {
  PublishLocked();
  if (snapshot_path_.empty()) return absl::OkStatus();
  absl::Status st = core::WriteStateFile(snapshot_path_, SerializeLocked());
  if (!st.ok()) return absl::UnavailableError(fmt::format("silences: snapshot {}", std::string(st.message())));
  return absl::OkStatus();
}

absl::Status Silencer::OpenSnapshotFile(std::string path) {
  if (path.empty()) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return absl::UnavailableError(fmt::format("silences: snapshot {}: {}", path, ec.message()));
  absl::StatusOr<std::optional<std::string>> json = core::ReadStateFile(path);
  if (!json.ok()) return absl::DataLossError(fmt::format("silences: snapshot {}", std::string(json.status().message())));
  if (json->has_value()) {
    absl::Status st = Restore(**json);
    if (!st.ok()) return absl::DataLossError(fmt::format("{} ({})", std::string(st.message()), path));
  }
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_path_ = std::move(path);
  return absl::OkStatus();
}

void Silencer::PublishLocked() {
  snapshot_ = std::make_shared<const SilenceSnapshot>(silences_);
  version_.fetch_add(1, std::memory_order_acq_rel);
}

std::string SilenceToJson(const Silence& s, absl::Time now) {
  std::string out = "{\"id\":";
  AppendJsonQuoted(&out, s.id);
  out += ",\"status\":{\"state\":";
  AppendJsonQuoted(&out, SilenceStateName(s.State(now)));
  out += "},\"updatedAt\":";
  AppendJsonQuoted(&out, core::FormatRfc3339(s.updated_at));
  out += ",\"comment\":";
  AppendJsonQuoted(&out, s.comment);
  out += ",\"createdBy\":";
  AppendJsonQuoted(&out, s.created_by);
  out += ",\"endsAt\":";
  AppendJsonQuoted(&out, core::FormatRfc3339(s.ends_at));
  out += ",\"startsAt\":";
  AppendJsonQuoted(&out, core::FormatRfc3339(s.starts_at));
  out += ",\"matchers\":[";
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    const Matcher& m = s.matchers[i];
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonQuoted(&out, m.name());
    out += ",\"value\":";
    AppendJsonQuoted(&out, m.value());
    fmt::format_to(std::back_inserter(out), ",\"isRegex\":{},\"isEqual\":{}}}", m.is_regex(), m.is_equal());
  }
  out += "]}";
  return out;
}

namespace {

// The string member `key` of `obj` into *out ("" when absent or null); another type is an error,
// as Go's encoding/json refuses it.
absl::Status StringMember(const JsonValue& obj, std::string_view key, std::string_view what, std::string* out) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return absl::OkStatus();
  if (!v->is_string()) return absl::InvalidArgumentError(fmt::format("silence: {}{} must be a string", what, key));
  *out = v->AsString();
  return absl::OkStatus();
}

// The boolean member `key` of `obj`: `def` when absent or null (nullopt: required), an error when
// of another type.
absl::StatusOr<bool> BoolMember(const JsonValue& obj, std::string_view key, std::string_view what,
                                std::optional<bool> def) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->is_null()) {
    if (def.has_value()) return *def;
    return absl::InvalidArgumentError(fmt::format("silence: {}{} is required", what, key));
  }
  if (!v->is_bool()) return absl::InvalidArgumentError(fmt::format("silence: {}{} must be a boolean", what, key));
  return v->AsBool();
}

}  // namespace

absl::StatusOr<Silence> SilenceFromJson(std::string_view body) {
  auto doc = JsonValue::Parse(body);
  if (!doc.ok()) return absl::InvalidArgumentError(fmt::format("silence: {}", std::string(doc.status().message())));
  if (!doc->is_object()) return absl::InvalidArgumentError("silence: body must be a JSON object");
  Silence s;
  QUELL_RETURN_IF_ERROR(StringMember(*doc, "id", "", &s.id));
  QUELL_RETURN_IF_ERROR(StringMember(*doc, "createdBy", "", &s.created_by));
  QUELL_RETURN_IF_ERROR(StringMember(*doc, "comment", "", &s.comment));
  for (auto [key, dst] : {std::pair{"startsAt", &s.starts_at}, std::pair{"endsAt", &s.ends_at}}) {
    const JsonValue* v = doc->Find(key);
    if (v == nullptr || !v->is_string()) {
      return absl::InvalidArgumentError(fmt::format("silence: {} is required", key));
    }
    auto t = core::ParseRfc3339(v->AsString());
    if (!t.ok()) return absl::InvalidArgumentError(fmt::format("silence: {}: invalid time", key));
    *dst = *t;
  }
  const JsonValue* ms = doc->Find("matchers");
  if (ms == nullptr || !ms->is_array()) return absl::InvalidArgumentError("silence: matchers must be a list");
  for (size_t i = 0; i < ms->items().size(); ++i) {
    const JsonValue& m = ms->items()[i];
    const std::string what = fmt::format("matchers[{}].", i);
    if (!m.is_object()) return absl::InvalidArgumentError(fmt::format("silence: matchers[{}] must be an object", i));
    for (std::string_view key : {"name", "value"}) {
      const JsonValue* v = m.Find(key);
      if (v == nullptr || v->is_null()) {
        return absl::InvalidArgumentError(fmt::format("silence: {}{} is required", what, key));
      }
    }
    std::string name, value;
    QUELL_RETURN_IF_ERROR(StringMember(m, "name", what, &name));
    QUELL_RETURN_IF_ERROR(StringMember(m, "value", what, &value));
    QUELL_ASSIGN_OR_RETURN(bool regex, BoolMember(m, "isRegex", what, std::nullopt));
    QUELL_ASSIGN_OR_RETURN(bool equal, BoolMember(m, "isEqual", what, true));
    MatchType type = regex ? (equal ? MatchType::kRegexp : MatchType::kNotRegexp)
                           : (equal ? MatchType::kEqual : MatchType::kNotEqual);
    auto matcher = Matcher::Create(type, std::move(name), std::move(value));
    if (!matcher.ok()) return absl::InvalidArgumentError(fmt::format("silence: {}", std::string(matcher.status().message())));
    s.matchers.push_back(std::move(*matcher));
  }
  return s;
}

std::string Silencer::Serialize() const {
  std::lock_guard<std::mutex> lock(mu_);
  return SerializeLocked();
}

std::string Silencer::SerializeLocked() const {
  std::string out = fmt::format("{{\"version\":1,\"counter\":{},\"silences\":[", counter_);
  for (size_t i = 0; i < silences_.size(); ++i) {
    if (i > 0) out += ',';
    // updatedAt is carried by the gettable shape; the state is recomputed on read.
    out += SilenceToJson(silences_[i], absl::InfinitePast());
  }
  out += "]}";
  return out;
}

absl::Status Silencer::Restore(std::string_view json) {
  auto doc = JsonValue::Parse(json);
  if (!doc.ok()) return absl::DataLossError(fmt::format("silences: {}", std::string(doc.status().message())));
  const JsonValue* list = doc->Find("silences");
  if (list == nullptr || !list->is_array()) return absl::DataLossError("silences: missing silences list");
  std::vector<Silence> restored;
  for (const JsonValue& item : list->items()) {
    Silence out;
    out.id = item.GetString("id");
    out.created_by = item.GetString("createdBy");
    out.comment = item.GetString("comment");
    for (auto [key, dst] : {std::pair{"startsAt", &out.starts_at}, std::pair{"endsAt", &out.ends_at},
                            std::pair{"updatedAt", &out.updated_at}}) {
      auto t = core::ParseRfc3339(item.GetString(key));
      if (!t.ok()) return absl::DataLossError(fmt::format("silences: {}: invalid {}", out.id, key));
      *dst = *t;
    }
    const JsonValue* ms = item.Find("matchers");
    if (ms == nullptr || !ms->is_array()) return absl::DataLossError(fmt::format("silences: {}: no matchers", out.id));
    for (const JsonValue& m : ms->items()) {
      const JsonValue* r = m.Find("isRegex");
      const JsonValue* e = m.Find("isEqual");
      bool regex = r != nullptr && r->AsBool();
      bool equal = e == nullptr || e->AsBool();
      auto matcher = Matcher::Create(regex ? (equal ? MatchType::kRegexp : MatchType::kNotRegexp)
                                           : (equal ? MatchType::kEqual : MatchType::kNotEqual),
                                     m.GetString("name"), m.GetString("value"));
      if (!matcher.ok()) return absl::DataLossError(fmt::format("silences: {}: bad matcher", out.id));
      out.matchers.push_back(std::move(*matcher));
    }
    restored.push_back(std::move(out));
  }
  std::lock_guard<std::mutex> lock(mu_);
  silences_ = std::move(restored);
  const JsonValue* counter = doc->Find("counter");
  counter_ = counter != nullptr ? static_cast<uint64_t>(counter->AsInt64()) : silences_.size();
  PublishLocked();
  return absl::OkStatus();
}

}  // namespace quell::correlate
