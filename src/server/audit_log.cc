#include "server/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>

#include "core/json_writer.h"
#include "fmt/format.h"

namespace quell::server {

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, const core::Clock* clock) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::UnavailableError(fmt::format("audit log {}: cannot open: {}", path, std::strerror(errno)));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, fd, clock));
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status AuditLog::Append(const AuditEntry& e) {
  std::string line;
  core::JsonWriter w(&line);
  w.BeginObject();
  w.Field("time", core::FormatRfc3339(clock_->Now().ToAbsl()));
  w.Field("action", e.action);
  w.Field("principal", e.principal);
  w.Field("target", e.target);
  w.Key("details");
  w.BeginObject();
  for (const auto& [k, v] : e.details) w.Field(k, v);
  w.EndObject();
  w.EndObject();
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(fmt::format("audit log {}: write: {}", path_, std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) {
    return absl::UnavailableError(fmt::format("audit log {}: fsync: {}", path_, std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> AuditLog::Recent(size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ifstream in(path_);
  if (!in) return absl::UnavailableError(fmt::format("audit log {}: cannot read", path_));
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last.push_back(std::move(line));
    if (last.size() > limit) last.pop_front();
  }
  return std::vector<std::string>(last.rbegin(), last.rend());
}

core::HttpResponse AuditLog::HandleGet(const core::HttpRequest& request) const {
  size_t limit = 100;
  std::string_view q = request.Query("limit");
  if (!q.empty()) {
    size_t v = 0;
    for (char c : q) {
      if (c < '0' || c > '9' || v > 100000) {
        return core::HttpResponse::Json(400, R"({"error":"limit: want an integer 1..100000"})");
      }
      v = v * 10 + static_cast<size_t>(c - '0');
    }
    if (v == 0 || v > 100000) return core::HttpResponse::Json(400, R"({"error":"limit: want an integer 1..100000"})");
    limit = v;
  }
  auto lines = Recent(limit);
  if (!lines.ok()) {
    std::string body;
    core::JsonWriter w(&body);
    w.BeginObject();
    w.Field("error", std::string(lines.status().message()));
    w.EndObject();
    return core::HttpResponse::Json(503, std::move(body));
  }
  std::string body = "[";
  for (size_t i = 0; i < lines->size(); ++i) {
    if (i > 0) body += ",";
    body += (*lines)[i];
  }
  body += "]";
  return core::HttpResponse::Json(200, std::move(body));
}

}  // namespace quell::server
