// src/core/directory_lock.cc
#include "core/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "fmt/format.h"

namespace quell::core {

absl::StatusOr<DirectoryLock> DirectoryLock::Acquire(const std::string& dir, std::string_view what) {
  const std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(fmt::format("{}: cannot open {}: {}", what, path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return absl::InternalError(fmt::format("{}: cannot lock {}: {}", what, path, std::strerror(err)));
    }
    std::string_view text(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    int64_t pid = 0;
    const auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), pid);
    const bool known = parse_error == std::errc() && end == text.data() + text.size() && pid > 0;
    const std::string holder = known ? fmt::format(" (pid {})", pid) : "";
    return absl::FailedPreconditionError(
        fmt::format("{}: {} is in use by another Quell process{}; two processes must not share it", what, dir, holder));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);  // For the message only.
  return DirectoryLock(fd);
}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // Closing the open file releases the flock.
}

}  // namespace quell::core
