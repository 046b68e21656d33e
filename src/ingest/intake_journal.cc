// src/ingest/intake_journal.cc
#include "ingest/intake_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fmt/format.h"
#include "ingest/ndjson_record_writer.h"

namespace quell::ingest {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "intake-";
constexpr std::string_view kSuffix = ".ndjson";

// The segment number in "intake-00000000000000000042.ndjson", or 0 when the name is not a segment's.
uint64_t SegmentId(std::string_view name) {
  if (name.size() != kPrefix.size() + 20 + kSuffix.size() || !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return 0;
  }
  uint64_t id = 0;
  for (char c : name.substr(kPrefix.size(), 20)) {
    if (c < '0' || c > '9') return 0;
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  return id;
}

void SyncDir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  ::fsync(dfd);
  ::close(dfd);
}

}  // namespace

// An open segment file, shared by the group commit's leader while it syncs (a checkpoint may
// close the segment meanwhile).
struct IntakeJournal::Fd {
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

IntakeJournal::IntakeJournal(IntakeJournalConfig config) : config_(std::move(config)) {}

IntakeJournal::~IntakeJournal() {
  if (syncer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    syncer_.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ && current_records_ > 0 && config_.fsync != JournalFsync::kNever) ::fdatasync(fd_->fd);
  fd_.reset();
  if (current_records_ == 0 && current_ != 0) {
    std::error_code ec;
    fs::remove(SegmentPath(current_), ec);
  }
}

std::string IntakeJournal::SegmentPath(uint64_t id) const {
  return fmt::format("{}/{}{:020d}{}", config_.dir, kPrefix, id, kSuffix);
}

absl::StatusOr<std::unique_ptr<IntakeJournal>> IntakeJournal::Open(const IntakeJournalConfig& config,
                                                                   uint64_t covered, uint64_t checkpoint_number) {
  std::unique_ptr<IntakeJournal> j(new IntakeJournal(config));
  j->checkpoints_.store(checkpoint_number);
  std::error_code ec;
  fs::create_directories(config.dir, ec);
  if (ec) return absl::UnavailableError(fmt::format("intake journal {}: {}", config.dir, ec.message()));
  auto lock = core::DirectoryLock::Acquire(config.dir, "intake journal");
  if (!lock.ok()) return lock.status();
  j->lock_ = *std::move(lock);
  std::vector<std::pair<uint64_t, uint64_t>> found;  // (id, bytes)
  for (fs::directory_iterator it(config.dir, ec), end; !ec && it != end; it.increment(ec)) {
    uint64_t id = SegmentId(it->path().filename().string());
    if (id == 0 || !it->is_regular_file()) continue;
    std::error_code size_ec;
    uint64_t bytes = fs::file_size(it->path(), size_ec);
    found.emplace_back(id, size_ec ? 0 : bytes);
  }
  if (ec) return absl::UnavailableError(fmt::format("intake journal {}: {}", config.dir, ec.message()));
  std::sort(found.begin(), found.end());
  uint64_t next = covered + 1;
  for (const auto& [id, bytes] : found) {
    if (id <= covered) {  // In the restored state: not replayed again.
      std::error_code rm_ec;
      fs::remove(j->SegmentPath(id), rm_ec);
      if (rm_ec) return absl::UnavailableError(fmt::format("intake journal {}: {}", j->SegmentPath(id), rm_ec.message()));
      ++j->covered_at_open_;
      continue;
    }
    j->leftovers_.push_back(j->SegmentPath(id));
    j->closed_.push_back(Closed{id, bytes});
    next = id + 1;
  }
  absl::Status s = j->OpenSegment(next);
  if (!s.ok()) return s;
  SyncDir(config.dir);
  if (config.fsync == JournalFsync::kInterval) {
    IntakeJournal* self = j.get();
    j->syncer_ = std::thread([self] { self->SyncLoop(); });
  }
  return j;
}

void IntakeJournal::SyncLoop() {
  uint64_t synced = 0;
  std::unique_lock<std::mutex> stop(stop_mu_);
  while (!stop_cv_.wait_for(stop, absl::ToChronoMilliseconds(config_.fsync_interval), [this] { return stopping_; })) {
    std::shared_ptr<Fd> fd;
    uint64_t appended;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fd = fd_;
      appended = appended_;
    }
    if (appended == synced || !fd) continue;
    if (::fdatasync(fd->fd) == 0) {
      synced = appended;
      stats_.syncs.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats_.write_errors.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

absl::Status IntakeJournal::OpenSegment(uint64_t id) {
  std::string path = SegmentPath(id);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(fmt::format("intake journal {}: {}", path, std::strerror(errno)));
  fd_ = std::make_shared<Fd>(fd);
  current_ = id;
  current_records_ = 0;
  current_bytes_ = 0;
  return absl::OkStatus();
}

absl::Status IntakeJournal::Append(IntakeJournalTicket* ticket, core::Format format, core::EventTime observed,
                                   std::string_view body, std::string_view ddtags) {
  // Formatted outside the lock (a body of 30 KB takes ~12 us to validate), written under it.
  thread_local std::string line;
  RecordWriter::FormatRecord(format, observed, body, &line, ddtags);
  std::lock_guard<std::mutex> lock(mu_);
  // Submitted before a cut that came since: that checkpoint's snapshot holds the record, which
  // lands in a segment after its mark. Marked, so that a replay into that state skips it. Rare (a
  // checkpoint inside a request's microseconds): formatted again here. Under mu_, no cut can
  // come between this test and the write.
  if (ticket->submitted && checkpoints_.load() > ticket->submit_checkpoint) {
    RecordWriter::FormatRecord(format, observed, body, &line, ddtags, ticket->submit_checkpoint + 1);
  }
  if (!fd_) {
    stats_.write_errors.fetch_add(1, std::memory_order_relaxed);
    failing_.store(true, std::memory_order_relaxed);
    return absl::UnavailableError(fmt::format("intake journal {}: no open segment", config_.dir));
  }
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_->fd, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      // A partial line would end in the middle of a record: cut it off, so the next record starts
      // on a line of its own (a replay dead-letters what is left, with its reason).
      if (off > 0 && ::ftruncate(fd_->fd, static_cast<off_t>(current_bytes_)) != 0) {
        (void)::write(fd_->fd, "\n", 1);
      }
      stats_.write_errors.fetch_add(1, std::memory_order_relaxed);
      failing_.store(true, std::memory_order_relaxed);
      return absl::UnavailableError(
          fmt::format("intake journal {}: write failed: {}", SegmentPath(current_), std::strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  ++current_records_;
  current_bytes_ += line.size();
  ticket->segment = current_;
  ticket->sequence = ++appended_;
  if (!ticket->submitted) {  // Appended first: pending until its submit ends.
    ticket->pending = true;
    ++pending_[current_];
  }
  stats_.records.fetch_add(1, std::memory_order_relaxed);
  stats_.bytes.fetch_add(line.size(), std::memory_order_relaxed);
  if (line.capacity() > (1u << 20)) std::string().swap(line);  // Do not keep one large body's buffer.
  return absl::OkStatus();
}

IntakeJournal::SubmitScope::SubmitScope(IntakeJournal* journal, IntakeJournalTicket* ticket)
    : journal_(journal), ticket_(ticket) {
  std::unique_lock<std::mutex> lock(journal_->cut_mu_);
  journal_->cut_cv_.wait(lock, [&] { return !journal_->cutting_; });
  ++journal_->submits_in_flight_;
  ticket_->submitted = true;
  ticket_->submit_checkpoint = journal_->checkpoints_.load();  // Stable until the scope ends.
}

IntakeJournal::SubmitScope::~SubmitScope() {
  journal_->Release(ticket_);  // Before the cut can come: a record appended first is now covered.
  std::lock_guard<std::mutex> lock(journal_->cut_mu_);
  if (--journal_->submits_in_flight_ == 0 && journal_->cutting_) journal_->cut_cv_.notify_all();
}

void IntakeJournal::Release(IntakeJournalTicket* ticket) {
  if (!ticket->pending) return;
  ticket->pending = false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(ticket->segment);
  if (it != pending_.end() && --it->second == 0) pending_.erase(it);
}

absl::Status IntakeJournal::WaitDurable(const IntakeJournalTicket& ticket) {
  if (config_.fsync != JournalFsync::kAlways) {
    failing_.store(false, std::memory_order_relaxed);  // Its Append succeeded.
    return absl::OkStatus();
  }
  std::unique_lock<std::mutex> lock(sync_mu_);
  while (synced_ < ticket.sequence) {
    if (syncing_) {
      sync_cv_.wait(lock);
      continue;
    }
    // This thread syncs for every record appended so far (group commit).
    syncing_ = true;
    std::shared_ptr<Fd> fd;
    uint64_t target;
    {
      std::lock_guard<std::mutex> g(mu_);
      fd = fd_;
      target = appended_;
    }
    lock.unlock();
    int rc = fd ? ::fdatasync(fd->fd) : 0;
    int err = errno;
    lock.lock();
    syncing_ = false;
    stats_.syncs.fetch_add(1, std::memory_order_relaxed);
    if (rc == 0) synced_ = std::max(synced_, target);
    sync_cv_.notify_all();
    if (rc != 0) {
      stats_.write_errors.fetch_add(1, std::memory_order_relaxed);
      failing_.store(true, std::memory_order_relaxed);
      return absl::UnavailableError(fmt::format("intake journal {}: fdatasync failed: {}", config_.dir, std::strerror(err)));
    }
  }
  failing_.store(false, std::memory_order_relaxed);
  return absl::OkStatus();
}

uint64_t IntakeJournal::BeginCheckpoint(const std::function<void()>& at_cut) {
  {
    std::unique_lock<std::mutex> cut(cut_mu_);
    cut_cv_.wait(cut, [&] { return !cutting_; });  // One cut at a time.
    cutting_ = true;
    cut_cv_.wait(cut, [&] { return submits_in_flight_ == 0; });
  }
  struct EndCut {  // Lets submits go on however at_cut returns.
    IntakeJournal* j;
    ~EndCut() {
      {
        std::lock_guard<std::mutex> cut(j->cut_mu_);
        j->cutting_ = false;
      }
      j->cut_cv_.notify_all();
    }
  } end_cut{this};
  const uint64_t mark = CloseSegmentAtCut();
  if (at_cut) at_cut();
  return mark;
}

uint64_t IntakeJournal::CloseSegmentAtCut() {
  std::lock_guard<std::mutex> lock(mu_);
  checkpoints_.fetch_add(1);
  if (current_records_ > 0) {
    // Records of a closed segment must be on disk before a later group commit (on the next
    // segment's file) reports their sequence numbers durable.
    if (config_.fsync != JournalFsync::kNever && fd_) ::fdatasync(fd_->fd);
    closed_.push_back(Closed{current_, current_bytes_});
    absl::Status s = OpenSegment(current_ + 1);
    if (!s.ok()) {
      // Keep appending to the segment we have; it stays current (and untrimmed) until a later
      // checkpoint can close it.
      closed_.pop_back();
      stats_.write_errors.fetch_add(1, std::memory_order_relaxed);
    } else {
      SyncDir(config_.dir);
    }
  }
  uint64_t mark = 0;
  for (const Closed& c : closed_) {
    if (pending_.count(c.id) != 0) break;
    mark = c.id;
  }
  return mark;
}

absl::Status IntakeJournal::CheckpointDurable(uint64_t mark) {
  std::vector<Closed> trim;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!closed_.empty() && closed_.front().id <= mark) {
      trim.push_back(closed_.front());
      closed_.erase(closed_.begin());
    }
  }
  absl::Status result;
  std::vector<Closed> kept;
  for (const Closed& c : trim) {
    std::string path = SegmentPath(c.id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      result = absl::UnavailableError(fmt::format("intake journal {}: cannot remove: {}", path, std::strerror(errno)));
      kept.push_back(c);
      continue;
    }
    stats_.segments_trimmed.fetch_add(1, std::memory_order_relaxed);
  }
  if (!kept.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    closed_.insert(closed_.begin(), kept.begin(), kept.end());
  }
  if (kept.size() < trim.size()) SyncDir(config_.dir);
  return result;
}

size_t IntakeJournal::segments() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_.size() + (fd_ ? 1 : 0);
}

uint64_t IntakeJournal::disk_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t b = current_bytes_;
  for (const Closed& c : closed_) b += c.bytes;
  return b;
}

}  // namespace quell::ingest
