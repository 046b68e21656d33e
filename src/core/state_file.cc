#include "core/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/read_file.h"
#include "fmt/format.h"

namespace quell::core {

absl::Status WriteStateFile(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](std::string_view what) {
    return absl::UnavailableError(fmt::format("{}: {}: {}", tmp, what, std::strerror(errno)));
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("open");
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail("write");
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return fail("fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> ReadStateFile(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found) return std::optional<std::string>();
  if (ec) return absl::DataLossError(fmt::format("{}: {}", path, ec.message()));
  if (!std::filesystem::is_regular_file(st)) return absl::DataLossError(fmt::format("{}: not a regular file", path));
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return absl::DataLossError(std::string(bytes.status().message()));
  return std::optional<std::string>(*std::move(bytes));
}

}  // namespace quell::core
