// bench/support/pipelined_http_client.cc
#include "bench/support/pipelined_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "core/strings.h"
#include "fmt/format.h"

namespace quell::bench {

PipelinedHttpClient::PipelinedHttpClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  int one = 1;
  if (connected_) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

PipelinedHttpClient::~PipelinedHttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string PipelinedHttpClient::Post(std::string_view path, std::string_view body, std::string_view extra_headers) {
  // JSON unless the extra headers name a Content-Type of their own.
  const bool typed = extra_headers.find("Content-Type:") != std::string_view::npos;
  return fmt::format("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}{}Content-Length: {}\r\n\r\n{}", path,
                     typed ? "" : "Content-Type: application/json\r\n", extra_headers, body.size(), body);
}

bool PipelinedHttpClient::Exchange(std::string_view requests, size_t count, std::vector<int>* statuses) {
  statuses->clear();
  if (!connected_) return false;
  for (size_t off = 0; off < requests.size();) {
    ssize_t n = ::send(fd_, requests.data() + off, requests.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  while (statuses->size() < count) {
    const size_t end = buf_.find("\r\n\r\n", pos_);
    if (end != std::string::npos && end >= pos_ + 12) {
      // "HTTP/1.1 200 OK": the status at 9..11; Content-Length in any case.
      const int status = std::atoi(buf_.substr(pos_ + 9, 3).c_str());
      size_t len = 0;
      for (size_t line = buf_.find("\r\n", pos_); line != std::string::npos && line < end;
           line = buf_.find("\r\n", line + 2)) {
        std::string_view header(buf_.data() + line + 2, end - line - 2);
        header = header.substr(0, header.find("\r\n"));
        if (header.size() > 15 && core::EqualsIgnoreCase(header.substr(0, 15), "content-length:")) {
          len = std::strtoul(std::string(header.substr(15)).c_str(), nullptr, 10);
        }
      }
      if (buf_.size() >= end + 4 + len) {
        statuses->push_back(status);
        pos_ = end + 4 + len;
        continue;
      }
    }
    buf_.erase(0, pos_);
    pos_ = 0;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace quell::bench
