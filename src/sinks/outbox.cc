// src/sinks/outbox.cc
#include "sinks/outbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <utility>

#include "core/json_writer.h"
#include "core/read_file.h"
#include "core/status_macros.h"
#include "fmt/format.h"
#include "sinks/notification_json.h"
#include "xxhash.h"

namespace quell::sinks {
namespace {

constexpr uint8_t kAppend = 1;
constexpr uint8_t kDone = 2;
constexpr uint8_t kDead = 3;
constexpr size_t kHeader = 8;                  // length + crc
constexpr uint32_t kMaxRecord = 64u << 20;     // Sanity bound on a record's length.

void PutU16(std::string* s, uint16_t v) { s->append(reinterpret_cast<const char*>(&v), 2); }
void PutU32(std::string* s, uint32_t v) { s->append(reinterpret_cast<const char*>(&v), 4); }
void PutU64(std::string* s, uint64_t v) { s->append(reinterpret_cast<const char*>(&v), 8); }
uint16_t GetU16(const char* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
uint32_t GetU32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
uint64_t GetU64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

uint32_t Crc(const char* p, size_t n) {
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(p), static_cast<uInt>(n)));
}

absl::Status Errno(std::string_view what, const std::string& path) {
  int e = errno;
  return absl::InternalError(fmt::format("outbox: {} {}: {}", what, path, std::strerror(e)));
}

absl::Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

std::string SegmentName(uint64_t index) { return fmt::format("seg-{:012d}.log", index); }

struct Decoded {
  uint8_t type = 0;
  uint64_t id = 0;
  int64_t enqueued_ns = 0;
  std::string_view target;
  std::string_view json;
};

// Decodes the record at data[pos]; returns its total size, or 0 if torn/corrupt.
size_t DecodeRecord(std::string_view data, size_t pos, Decoded* d) {
  if (data.size() - pos < kHeader + 1) return 0;
  uint32_t len = GetU32(data.data() + pos);
  uint32_t crc = GetU32(data.data() + pos + 4);
  if (len < 1 || len > kMaxRecord || data.size() - pos - kHeader < len) return 0;
  const char* body = data.data() + pos + kHeader;
  if (Crc(body, len) != crc) return 0;
  d->type = static_cast<uint8_t>(body[0]);
  const char* p = body + 1;
  size_t rest = len - 1;
  if (d->type == kDone || d->type == kDead) {
    if (rest != 8) return 0;
    d->id = GetU64(p);
  } else if (d->type == kAppend) {
    if (rest < 18) return 0;
    d->id = GetU64(p);
    d->enqueued_ns = static_cast<int64_t>(GetU64(p + 8));
    uint16_t tl = GetU16(p + 16);
    if (rest < 18u + tl) return 0;
    d->target = std::string_view(p + 18, tl);
    d->json = std::string_view(p + 18 + tl, rest - 18 - tl);
  } else {
    return 0;
  }
  return kHeader + len;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  absl::StatusOr<std::string> text = core::ReadFile(path);
  if (!text.ok()) return absl::InternalError(fmt::format("outbox: {}", std::string(text.status().message())));
  return text;
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

absl::StatusOr<OutboxConfig> ParseOutboxConfig(const core::YamlNode& node) {
  OutboxConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("outbox", {"dir", "max_age", "segment_bytes", "max_segments",
                                                  "dead_letter_file", "sent_retention", "fsync", "retry",
                                                  "circuit_breaker"}));
  QUELL_RETURN_IF_ERROR(node.ReadString("dir", &c.dir));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("max_age", &c.max_age));
  QUELL_RETURN_IF_ERROR(node.ReadInt("segment_bytes", &c.segment_bytes));
  int64_t max_segments = c.max_segments;
  QUELL_RETURN_IF_ERROR(node.ReadInt("max_segments", &max_segments));
  QUELL_RETURN_IF_ERROR(node.ReadString("dead_letter_file", &c.dead_letter_file));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("sent_retention", &c.sent_retention));
  QUELL_RETURN_IF_ERROR(node.ReadBool("fsync", &c.fsync));
  if (c.dir.empty()) return node.Child("dir")->Error("outbox: dir must not be empty");
  if (c.max_age <= absl::ZeroDuration()) return node.Error("outbox: max_age must be > 0");
  if (c.segment_bytes < 4096) return node.Error("outbox: segment_bytes must be >= 4096");
  if (max_segments < 2 || max_segments > 100000) return node.Error("outbox: max_segments must be >= 2");
  c.max_segments = static_cast<int>(max_segments);
  if (auto r = node.Child("retry")) {
    QUELL_ASSIGN_OR_RETURN(c.retry, ParseRetryConfig(*r));
  }
  if (auto cb = node.Child("circuit_breaker")) {
    QUELL_ASSIGN_OR_RETURN(c.circuit_breaker, ParseCircuitConfig(*cb));
  }
  return c;
}

Outbox::Outbox(OutboxConfig config, const core::Clock* clock) : config_(std::move(config)), clock_(clock) {}

Outbox::~Outbox() {
  if (fd_ >= 0) {
    (void)WriteBuffered(config_.fsync);
    ::close(fd_);
  }
}

std::string Outbox::dead_letter_path() const {
  return config_.dead_letter_file.empty() ? config_.dir + "/dead-letter.jsonl" : config_.dead_letter_file;
}

absl::StatusOr<std::unique_ptr<Outbox>> Outbox::Open(const OutboxConfig& config, const core::Clock* clock) {
  std::unique_ptr<Outbox> o(new Outbox(config, clock));
  std::error_code ec;
  std::filesystem::create_directories(config.dir, ec);
  if (ec) return absl::InternalError(fmt::format("outbox: cannot create {}: {}", config.dir, ec.message()));
  QUELL_ASSIGN_OR_RETURN(o->lock_, core::DirectoryLock::Acquire(config.dir, "outbox"));
  QUELL_RETURN_IF_ERROR(o->Replay());
  return o;
}

absl::Status Outbox::Replay() {
  DIR* d = ::opendir(config_.dir.c_str());
  if (d == nullptr) return Errno("opendir", config_.dir);
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() == 20 && n.substr(0, 4) == "seg-" && n.substr(16) == ".log") {
      Segment s;
      s.index = std::stoull(std::string(n.substr(4, 12)));
      s.path = config_.dir + "/" + std::string(n);
      segments_[s.index] = s;
    }
  }
  ::closedir(d);
  std::map<uint64_t, OutboxEntry> pending;
  std::vector<Sent> sent;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    bool last = std::next(it) == segments_.end();
    QUELL_RETURN_IF_ERROR(ReplaySegment(it->second, last, &pending, &sent));
  }
  for (auto& [id, e] : pending) {
    recovered_.push_back(std::move(e));
  }
  // What was appended in the last sent_retention of the log (not of the clock: a long downtime
  // must not make the notifications sent just before a crash unknown).
  core::WallTime newest = core::WallTime::FromUnixNanos(INT64_MIN);
  for (const Sent& e : sent) newest = std::max(newest, e.enqueued_at);
  for (const Sent& e : sent) {
    if (newest - e.enqueued_at > config_.sent_retention) continue;
    sent_identities_.insert(e.identity);
    sent_contents_.insert(e.content);
  }
  sent_until_ = clock_->Now() + config_.sent_retention;
  for (const auto& [id, m] : pending_) segments_[m.segment].live++;
  uint64_t active = segments_.empty() ? 1 : segments_.rbegin()->first;
  return OpenActive(active);
}

absl::Status Outbox::ReplaySegment(Segment& seg, bool last, std::map<uint64_t, OutboxEntry>* pending,
                                   std::vector<Sent>* sent) {
  QUELL_ASSIGN_OR_RETURN(std::string data, ReadFile(seg.path));
  size_t pos = 0;
  Decoded rec;
  while (pos < data.size()) {
    size_t n = DecodeRecord(data, pos, &rec);
    if (n == 0) break;
    if (rec.type == kAppend) {
      next_id_ = std::max(next_id_, rec.id + 1);
      auto n_or = NotificationFromJson(rec.json);
      if (!n_or.ok()) {
        ++stats_.corrupt_records;
      } else {
        const core::WallTime enqueued = core::WallTime::FromUnixNanos(rec.enqueued_ns);
        seg.newest = std::max(seg.newest, enqueued);
        if (config_.sent_retention > absl::ZeroDuration()) {
          core::Notification& n = *n_or;
          const core::EventTime time = n.time;
          n.time = core::EventTime();
          sent->push_back(Sent{enqueued, SentIdentity(rec.target, n), SentContent(rec.target, n)});
          n.time = time;
        }
        auto found = pending->find(rec.id);
        if (found == pending->end()) {  // Not a relocated copy of a pending entry.
          OutboxEntry& e = (*pending)[rec.id];
          e.id = rec.id;
          e.target = std::string(rec.target);
          e.enqueued_at = core::WallTime::FromUnixNanos(rec.enqueued_ns);
          e.notification = std::move(*n_or);
        }
        pending_[rec.id] = Meta{seg.index, core::WallTime::FromUnixNanos(rec.enqueued_ns)};
      }
    } else {
      pending->erase(rec.id);
      pending_.erase(rec.id);
    }
    pos += n;
  }
  if (pos < data.size()) {
    ++stats_.corrupt_records;
    if (last) {
      // A torn tail from a crash mid-write: cut it so new records follow valid ones.
      if (::truncate(seg.path.c_str(), static_cast<off_t>(pos)) != 0) return Errno("truncate", seg.path);
    }
  }
  seg.bytes = static_cast<int64_t>(pos);
  return absl::OkStatus();
}

absl::Status Outbox::OpenActive(uint64_t index) {
  if (fd_ >= 0) {
    if (dirty_ && config_.fsync) ::fdatasync(fd_);
    dirty_ = false;
    ::close(fd_);
  }
  Segment& s = segments_[index];
  s.index = index;
  s.path = config_.dir + "/" + SegmentName(index);
  fd_ = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return Errno("open", s.path);
  if (config_.fsync) SyncDir(config_.dir);
  return absl::OkStatus();
}

std::vector<OutboxEntry> Outbox::TakeRecovered() { return std::move(recovered_); }

uint64_t Outbox::SentIdentity(std::string_view target, const core::Notification& n) {
  // Formatted into an inline buffer: no allocation per notification while Holds() is armed.
  fmt::memory_buffer key;
  fmt::format_to(std::back_inserter(key), "{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", target, static_cast<int>(n.kind),
                 static_cast<int>(n.status), n.dedup_key, n.incident_id, n.sequence);
  return XXH3_64bits(key.data(), key.size());
}

uint64_t Outbox::SentContent(std::string_view target, const core::Notification& n) {
  json_.assign(target);
  json_.push_back('\x1f');
  AppendNotificationJson(n, &json_);
  return XXH3_64bits(json_.data(), json_.size());
}

bool Outbox::Holds(std::string_view target, const core::Notification& n) {
  if (sent_identities_.empty()) return false;
  if (clock_->Now() >= sent_until_) {  // Long past the restart: nothing is derived again now.
    sent_identities_ = {};
    sent_contents_ = {};
    return false;
  }
  if (!sent_identities_.contains(SentIdentity(target, n))) return false;
  core::Notification timeless = n;
  timeless.time = core::EventTime();
  return sent_contents_.contains(SentContent(target, timeless));
}

void Outbox::EncodeAppend(uint64_t id, core::WallTime enqueued, std::string_view target, const core::Notification& n) {
  json_.clear();
  AppendNotificationJson(n, &json_);
  size_t start = buf_.size();
  uint32_t len = static_cast<uint32_t>(1 + 18 + target.size() + json_.size());
  PutU32(&buf_, len);
  PutU32(&buf_, 0);
  buf_.push_back(static_cast<char>(kAppend));
  PutU64(&buf_, id);
  PutU64(&buf_, static_cast<uint64_t>(enqueued.unix_nanos()));
  PutU16(&buf_, static_cast<uint16_t>(target.size()));
  buf_.append(target);
  buf_.append(json_);
  uint32_t crc = Crc(buf_.data() + start + kHeader, len);
  std::memcpy(buf_.data() + start + 4, &crc, 4);
}

void Outbox::EncodeMark(uint8_t type, uint64_t id) {
  size_t start = buf_.size();
  PutU32(&buf_, 9);
  PutU32(&buf_, 0);
  buf_.push_back(static_cast<char>(type));
  PutU64(&buf_, id);
  uint32_t crc = Crc(buf_.data() + start + kHeader, 9);
  std::memcpy(buf_.data() + start + 4, &crc, 4);
}

absl::Status Outbox::WriteBuffered(bool sync) {
  Segment& active = segments_.rbegin()->second;
  if (!buf_.empty()) {
    QUELL_RETURN_IF_ERROR(WriteAll(fd_, buf_.data(), buf_.size(), active.path));
    active.bytes += static_cast<int64_t>(buf_.size());
    buf_.clear();
    dirty_ = true;
  }
  if (sync && dirty_) {
    if (::fdatasync(fd_) != 0) return Errno("fdatasync", active.path);
    ++stats_.fsyncs_total;
    dirty_ = false;
  }
  return absl::OkStatus();
}

absl::Status Outbox::Flush() { return WriteBuffered(false); }

absl::Status Outbox::MaybeRotate() {
  Segment& active = segments_.rbegin()->second;
  if (active.bytes < config_.segment_bytes) return absl::OkStatus();
  QUELL_RETURN_IF_ERROR(WriteBuffered(config_.fsync));
  return OpenActive(active.index + 1);
}

absl::StatusOr<std::vector<uint64_t>> Outbox::AppendBatch(std::span<const Item> items) {
  QUELL_RETURN_IF_ERROR(MaybeRotate());
  core::WallTime now = clock_->Now();
  std::vector<uint64_t> ids;
  ids.reserve(items.size());
  uint64_t active = segments_.rbegin()->first;
  for (const Item& it : items) {
    uint64_t id = next_id_++;
    EncodeAppend(id, now, it.target, *it.notification);
    ids.push_back(id);
  }
  QUELL_RETURN_IF_ERROR(WriteBuffered(config_.fsync));
  for (uint64_t id : ids) pending_[id] = Meta{active, now};
  segments_[active].live += static_cast<int64_t>(ids.size());
  if (!ids.empty()) segments_[active].newest = std::max(segments_[active].newest, now);
  stats_.appended_total += static_cast<int64_t>(ids.size());
  return ids;
}

void Outbox::Finish(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  auto seg = segments_.find(it->second.segment);
  if (seg != segments_.end()) seg->second.live--;
  pending_.erase(it);
}

void Outbox::MarkDone(uint64_t id) {
  if (!pending_.contains(id)) return;
  EncodeMark(kDone, id);
  Finish(id);
  ++stats_.done_total;
}

absl::Status Outbox::DeadLetter(const OutboxEntry& entry, std::string_view reason, int attempts) {
  std::string line;
  core::JsonWriter w(&line);
  w.BeginObject();
  w.Field("dead_lettered_at", core::FormatRfc3339(clock_->Now().ToAbsl()));
  w.Field("enqueued_at", core::FormatRfc3339(entry.enqueued_at.ToAbsl()));
  w.Field("target", entry.target);
  w.Field("reason", reason);
  w.Field("attempts", attempts);
  w.Key("notification");
  std::string n;
  AppendNotificationJson(entry.notification, &n);
  w.Raw(n);
  w.EndObject();
  line.push_back('\n');
  std::string path = dead_letter_path();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open", path);
  absl::Status s = WriteAll(fd, line.data(), line.size(), path);
  if (s.ok() && config_.fsync && ::fdatasync(fd) != 0) s = Errno("fdatasync", path);
  ::close(fd);
  QUELL_RETURN_IF_ERROR(s);
  if (pending_.contains(entry.id)) {
    EncodeMark(kDead, entry.id);
    Finish(entry.id);
  }
  ++stats_.dead_lettered_total;
  return absl::OkStatus();
}

absl::Status Outbox::Sync() { return WriteBuffered(config_.fsync); }

absl::Status Outbox::Compact() {
  QUELL_RETURN_IF_ERROR(WriteBuffered(config_.fsync));
  // Relocate the live entries of the oldest segment when there are too many segments.
  while (static_cast<int>(segments_.size()) > config_.max_segments) {
    Segment& oldest = segments_.begin()->second;
    if (oldest.live == 0) break;
    QUELL_ASSIGN_OR_RETURN(std::string data, ReadFile(oldest.path));
    size_t pos = 0;
    Decoded rec;
    uint64_t active = segments_.rbegin()->first;
    std::vector<uint64_t> moved;
    while (pos < data.size()) {
      size_t n = DecodeRecord(data, pos, &rec);
      if (n == 0) break;
      if (rec.type == kAppend) {
        auto it = pending_.find(rec.id);
        if (it != pending_.end() && it->second.segment == oldest.index) {
          buf_.append(data, pos, n);  // Same record bytes: same id, enqueue time and body.
          moved.push_back(rec.id);
        }
      }
      pos += n;
    }
    QUELL_RETURN_IF_ERROR(WriteBuffered(true));
    for (uint64_t id : moved) pending_[id].segment = active;
    segments_[active].live += static_cast<int64_t>(moved.size());
    oldest.live -= static_cast<int64_t>(moved.size());
    break;  // One segment per call; a segment with unreadable live entries stays.
  }
  // Delete the oldest segments whose entries are all done (oldest first, so DONE records for
  // entries in older segments are never lost before those segments are), once what they hold was
  // appended more than sent_retention ago (Holds() at the next start reads it), or at once while
  // there are more than max_segments (the disk bound wins).
  const core::WallTime now = clock_->Now();
  while (segments_.size() > 1) {
    auto it = segments_.begin();
    if (it->second.live != 0) break;
    if (static_cast<int>(segments_.size()) <= config_.max_segments &&
        now - it->second.newest < config_.sent_retention) {
      break;
    }
    if (::unlink(it->second.path.c_str()) != 0 && errno != ENOENT) return Errno("unlink", it->second.path);
    segments_.erase(it);
  }
  return absl::OkStatus();
}

OutboxStats Outbox::stats() const {
  OutboxStats s = stats_;
  s.depth = static_cast<int64_t>(pending_.size());
  s.segments = static_cast<int64_t>(segments_.size());
  s.bytes = 0;
  for (const auto& [i, seg] : segments_) s.bytes += seg.bytes;
  s.bytes += static_cast<int64_t>(buf_.size());
  core::WallTime oldest = core::WallTime::Max();
  // Ids increase with time, so the first pending entry is (nearly) the oldest; relocated entries
  // keep their enqueue time.
  for (const auto& [id, m] : pending_) {
    oldest = std::min(oldest, m.enqueued_at);
    break;
  }
  s.oldest_age = pending_.empty() ? absl::ZeroDuration() : clock_->Now() - oldest;
  return s;
}

}  // namespace quell::sinks
