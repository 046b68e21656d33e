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

DeadLetterEntry DeadLetterEntry::FromRejection(const core::Rejection& r, core::Format format,
                                               core::SourceKind source, std::string_view body,
                                               core::EventTime observed, size_t max_original_bytes) {
  DeadLetterEntry e;
  e.reason = r.reason;
  e.offset = r.offset;
  e.record_index = r.record_index;
  e.field = r.field == nullptr ? std::string_view() : std::string_view(r.field);
  e.source = source;
  e.format = format;
  e.observed = observed;
  size_t off = r.offset <= body.size() ? r.offset : body.size();
  std::string_view rest = body.substr(off);
  // A record that is one JSON value: just its bytes. Else everything from the offset on.
  size_t end = SkipJsonValue(rest, 0);
  if (end != std::string::npos && off != 0) rest = rest.substr(0, end);
  if (off == 0) rest = body;  // Body-level rejections keep the whole body.
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
  std::FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(fmt::format("dead-letter file {}: {}", path, std::strerror(err)));
  }
  return std::unique_ptr<DeadLetterFile>(new DeadLetterFile(f, path, std::move(options)));
}

DeadLetterFile::~DeadLetterFile() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status DeadLetterFile::Write(const DeadLetterEntry& entry) {
  counters_.Count(entry.reason);
  std::string line;
  if (options_.redact) {
    DeadLetterEntry redacted = entry;
    const std::string text = options_.redact(entry.original);
    redacted.original = text;
    redacted.redacted = true;
    line = redacted.ToJson();
  } else {
    line = entry.ToJson();
  }
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      (options_.flush_each && std::fflush(file_) != 0)) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    return absl::UnavailableError(fmt::format("dead-letter file {}: write failed: {}", path_, std::strerror(errno)));
  }
  written_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status DeadLetterFile::WriteRejections(std::span<const core::Rejection> rejections, core::Format format,
                                             core::SourceKind source, std::string_view body,
                                             core::EventTime observed) {
  absl::Status first;
  for (const core::Rejection& r : rejections) {
    absl::Status st =
        Write(DeadLetterEntry::FromRejection(r, format, source, body, observed, options_.max_original_bytes));
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

absl::Status DeadLetterFile::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::fflush(file_) != 0) {
    return absl::UnavailableError(fmt::format("dead-letter file {}: flush failed: {}", path_, std::strerror(errno)));
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
