// src/server/audit_log.h
//
// AuditLog: an append-only JSONL file of who changed what: silences created/expired, incidents
// acknowledged, config reloaded (with its content hash and who asked), gates overridden, tokens used
// for writes. Each Append writes one line and fsyncs before returning, so an acknowledged change is on
// disk. Lines look like:
//   {"time":"2026-11-25T21:40:00Z","action":"silence.create","principal":"oncall","target":"<id>",
//    "details":{"comment":"..."}}
// GET /api/v1/audit?limit=N (default 100, newest first) reads it back.
// Thread-safe. `*clock` must outlive the AuditLog.
#ifndef QUELL_SERVER_AUDIT_LOG_H_
#define QUELL_SERVER_AUDIT_LOG_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/http_message.h"

namespace quell::server {

struct AuditEntry {
  std::string action;     // "silence.create", "silence.expire", "config.reload", "gate.override", ...
  std::string principal;  // Token name, "anonymous", "sighup", "file-watch".
  std::string target;     // Silence id, incident id, config content hash ...
  std::vector<std::pair<std::string, std::string>> details;
};

class AuditLog {
 public:
  // Opens (creating if needed) the file at `path` for appending.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path,
                                                                      const core::Clock* clock);
  ~AuditLog();

  // Appends one entry and fsyncs. Unavailable when the write or fsync fails.
  [[nodiscard]] absl::Status Append(const AuditEntry& entry);
  // Up to `limit` most recent lines, newest first (raw JSON objects).
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> Recent(size_t limit) const;

  core::HttpResponse HandleGet(const core::HttpRequest& request) const;

 private:
  AuditLog(std::string path, int fd, const core::Clock* clock) : path_(std::move(path)), fd_(fd), clock_(clock) {}
  std::string path_;
  int fd_;
  const core::Clock* clock_;
  mutable std::mutex mu_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_AUDIT_LOG_H_
