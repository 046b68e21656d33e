// src/sinks/file/file_sink.cc
#include "sinks/file/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "fmt/format.h"
#include "sinks/notification_json.h"

namespace quell::sinks {

FileSink::FileSink(std::string name, int index, FileConfig config)
    : name_(std::move(name)),
      id_(IntegrationId(name_, "file", index)),
      config_(std::move(config)) {}

void FileSink::Deliver(const core::Notification& n, DeliveryCallback done) {
  DeliveryOutcome o;
  {
    std::lock_guard<std::mutex> l(mu_);
    line_.clear();
    AppendNotificationJson(n, &line_);
    line_.push_back('\n');
    int fd = ::open(config_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      o.status = absl::UnavailableError(
          fmt::format("file receiver \"{}\": open {}: {}", name_, config_.path, std::strerror(errno)));
    } else {
      const char* p = line_.data();
      size_t left = line_.size();
      while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          o.status = absl::UnavailableError(
              fmt::format("file receiver \"{}\": write {}: {}", name_, config_.path, std::strerror(errno)));
          break;
        }
        p += w;
        left -= static_cast<size_t>(w);
      }
      if (o.status.ok() && config_.fsync && ::fdatasync(fd) != 0) {
        o.status = absl::UnavailableError(
            fmt::format("file receiver \"{}\": fdatasync {}: {}", name_, config_.path, std::strerror(errno)));
      }
      ::close(fd);
    }
  }
  done(std::move(o));
}

}  // namespace quell::sinks
