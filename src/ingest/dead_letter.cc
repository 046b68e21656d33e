#include "ingest/dead_letter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

namespace {

size_t RecordBegin(const core::Rejection& r) {
  return r.record_begin != core::Rejection::kRecordAtOffset ? r.record_begin : r.offset;
}

}  // namespace

DeadLetterEntry DeadLetterEntry::FromRejection(const core::Rejection& r, core::Format format,
                                               core::SourceKind source, std::string_view body,
                                               core::EventTime observed, size_t max_original_bytes,
                                               size_t next_begin) {
  DeadLetterEntry e;
  e.reason = r.reason;
  e.offset = r.offset;
  e.record_index = r.record_index;
  e.field = r.field == nullptr ? std::string_view() : std::string_view(r.field);
  e.source = source;
  e.format = format;
  e.observed = observed;
  // The record starts at the offset unless the rejection says where it starts (an invalid byte
  // inside it, or the whole body).
  const size_t begin = RecordBegin(r);
  size_t off = begin <= body.size() ? begin : body.size();
  std::string_view rest = body.substr(off);
  // A record that is one JSON value: just its bytes. Else everything from the offset on.
  size_t end = SkipJsonValue(rest, 0);
  if (end != std::string::npos && off != 0) rest = rest.substr(0, end);
  if (off == 0) rest = body;  // Body-level rejections keep the whole body.
  // An undelimited rest stops where the next rejection's record starts: no byte in two entries.
  if (next_begin > off && next_begin - off < rest.size()) rest = rest.substr(0, next_begin - off);
  if (rest.size() > max_original_bytes) {
    rest = rest.substr(0, max_original_bytes);
    e.truncated = true;
  }
  e.original = rest;
  return e;
}

std::string DeadLetterEntry::ToJson() const {
  std::string out;
  out.reserve(original.size() + 200);
  fmt::format_to(std::back_inserter(out), R"({{"time":{},"reason":"{}","offset":{},"record":{},"field":")",
                 observed.unix_nanos(), core::RejectReasonName(reason), offset, record_index);
  AppendJsonEscaped(&out, field);
  fmt::format_to(std::back_inserter(out), R"(","source":"{}","format":"{}",)", core::SourceKindName(source),
                 core::FormatName(format));
  if (FirstInvalidUtf8(original) == original.size()) {
    out.append(R"("original":")");
    AppendJsonEscaped(&out, original);
  } else {
    out.append(R"("original_b64":")");
    out.append(absl::Base64Escape(core::ToAbsl(original)));
  }
  out.push_back('"');
  if (truncated) out.append(R"(,"truncated":true)");
  if (redacted) out.append(R"(,"redacted":true)");
  out.push_back('}');
  return out;
}

DeadLetterStats DeadLetterCounters::stats() const {
  DeadLetterStats s;
  for (size_t i = 0; i < s.by_reason.size(); ++i) s.by_reason[i] = by_reason_[i].load(std::memory_order_relaxed);
  return s;
}

absl::StatusOr<std::unique_ptr<DeadLetterFile>> DeadLetterFile::Open(const std::string& path, Options options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(fmt::format("dead-letter file {}: {}", path, std::strerror(errno)));
  return std::unique_ptr<DeadLetterFile>(new DeadLetterFile(fd, path, std::move(options)));
}

DeadLetterFile::~DeadLetterFile() {
  if (fd_ >= 0) ::close(fd_);
}

void DeadLetterFile::AppendLine(const DeadLetterEntry& entry, std::string* out) const {
  if (options_.redact) {
    DeadLetterEntry redacted = entry;
    const std::string text = options_.redact(entry.original);
    redacted.original = text;
    redacted.redacted = true;
    out->append(redacted.ToJson());
  } else {
    out->append(entry.ToJson());
  }
  out->push_back('\n');
}

absl::Status DeadLetterFile::WriteLines(std::string_view lines, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!lines.empty()) {
    const ssize_t w = ::write(fd_, lines.data(), lines.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : EIO;
      write_errors_.fetch_add(n, std::memory_order_relaxed);
      return absl::UnavailableError(fmt::format("dead-letter file {}: write failed: {}", path_, std::strerror(err)));
    }
    lines.remove_prefix(static_cast<size_t>(w));
  }
  written_.fetch_add(n, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status DeadLetterFile::Write(const DeadLetterEntry& entry) {
  counters_.Count(entry.reason);
  std::string line;
  AppendLine(entry, &line);
  return WriteLines(line, 1);
}

absl::Status DeadLetterFile::WriteRejections(std::span<const core::Rejection> rejections, core::Format format,
                                             core::SourceKind source, std::string_view body,
                                             core::EventTime observed) {
  if (rejections.empty()) return absl::OkStatus();
  std::string lines;
  for (size_t i = 0; i < rejections.size(); ++i) {
    const core::Rejection& r = rejections[i];
    counters_.Count(r.reason);
    const size_t next = i + 1 < rejections.size() ? RecordBegin(rejections[i + 1]) : std::string::npos;
    AppendLine(DeadLetterEntry::FromRejection(r, format, source, body, observed, options_.max_original_bytes, next),
               &lines);
  }
  return WriteLines(lines, rejections.size());
}

absl::Status DeadLetterFile::Sync() {
  if (::fdatasync(fd_) != 0) {
    return absl::UnavailableError(fmt::format("dead-letter file {}: fdatasync failed: {}", path_, std::strerror(errno)));
  }
  return absl::OkStatus();
}

DeadLetterStats DeadLetterFile::stats() const {
  DeadLetterStats s = counters_.stats();
  s.written = written_.load(std::memory_order_relaxed);
  s.write_errors = write_errors_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace quell::ingest
