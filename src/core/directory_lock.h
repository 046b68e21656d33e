// src/core/directory_lock.h
//
// DirectoryLock: an exclusive advisory lock (flock) on `<dir>/LOCK`, held for the object's
// lifetime, so that two Quell processes never write one durable directory (the outbox, the intake
// journal) at once: two instances on one state directory (an overlapping restart, a rolling
// update on a shared volume) would each deliver what the other recorded. The kernel releases the
// lock when its holder exits, kill -9 included, so a crash never leaves it stale. The file holds
// the holder's pid, for the error another process gets. Within one process, a second Acquire of a
// held directory fails too (flock locks belong to the open file).
//
// Thread-compatible; movable, not copyable.
#ifndef QUELL_CORE_DIRECTORY_LOCK_H_
#define QUELL_CORE_DIRECTORY_LOCK_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace quell::core {

class DirectoryLock {
 public:
  // Locks `dir` (which must exist). `what` names the directory's role in errors ("outbox").
  // Errors: FailedPrecondition when another process (or object) holds it, naming the holder's
  // pid; Internal when the lock file cannot be opened.
  [[nodiscard]] static absl::StatusOr<DirectoryLock> Acquire(const std::string& dir, std::string_view what);

  DirectoryLock() = default;
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

  bool held() const { return fd_ >= 0; }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace quell::core

#endif  // QUELL_CORE_DIRECTORY_LOCK_H_
