// src/server/health_endpoints.h
//
// /healthz answers 200 while the process serves requests (liveness). /readyz answers 200 only when
// every readiness condition holds (config loaded, state restored, Kafka consumer assigned ...), and
// 503 otherwise; both bodies are JSON listing the conditions so an operator sees what is missing:
//   {"status":"not ready","conditions":[{"name":"config","ok":true,"detail":"..."}, ...]}
// Conditions are registered by the app at start-up (not ready until Set(name, true)).
// Thread-safe.
#ifndef QUELL_SERVER_HEALTH_ENDPOINTS_H_
#define QUELL_SERVER_HEALTH_ENDPOINTS_H_

#include <mutex>
#include <string>
#include <vector>

#include "core/http_message.h"

namespace quell::server {

class Readiness {
 public:
  // Declares a condition, initially not met.
  void Require(const std::string& name, const std::string& detail = "pending");
  // Marks a condition met or not; declares it if new.
  void Set(const std::string& name, bool ok, const std::string& detail = "");
  bool Ready() const;

  core::HttpResponse HandleReadyz(const core::HttpRequest& request) const;
  static core::HttpResponse HandleHealthz(const core::HttpRequest& request);

 private:
  struct Condition {
    std::string name;
    bool ok = false;
    std::string detail;
  };
  mutable std::mutex mu_;
  std::vector<Condition> conditions_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_HEALTH_ENDPOINTS_H_
