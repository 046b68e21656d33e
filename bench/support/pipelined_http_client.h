// bench/support/pipelined_http_client.h
//
// PipelinedHttpClient: the load generator's connection. One keep-alive TCP connection to
// 127.0.0.1:port (TCP_NODELAY) that writes several whole HTTP/1.1 requests at once and then reads
// their answers in order, as a pipelining client does. Shared by http_intake_bench and
// quell-e2e-alertmanager. Answers are delimited by Content-Length (no chunked bodies: Quell's and
// Alertmanager's answers carry it). Not thread-safe: one per thread.
#ifndef QUELL_BENCH_SUPPORT_PIPELINED_HTTP_CLIENT_H_
#define QUELL_BENCH_SUPPORT_PIPELINED_HTTP_CLIENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quell::bench {

class PipelinedHttpClient {
 public:
  explicit PipelinedHttpClient(uint16_t port);
  ~PipelinedHttpClient();
  PipelinedHttpClient(const PipelinedHttpClient&) = delete;
  PipelinedHttpClient& operator=(const PipelinedHttpClient&) = delete;

  bool connected() const { return connected_; }

  // One POST, `extra_headers` being whole "Name: value\r\n" lines; Content-Type: application/json
  // unless they name another.
  static std::string Post(std::string_view path, std::string_view body, std::string_view extra_headers = {});

  // Writes `requests` (one or more whole requests) and reads `count` answers, whose status codes
  // go to `*statuses` (cleared first). False when the connection fails or closes.
  bool Exchange(std::string_view requests, size_t count, std::vector<int>* statuses);

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;  // Received, not yet consumed from pos_ on.
  size_t pos_ = 0;
};

}  // namespace quell::bench

#endif  // QUELL_BENCH_SUPPORT_PIPELINED_HTTP_CLIENT_H_
