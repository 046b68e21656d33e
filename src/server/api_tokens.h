// src/server/api_tokens.h
//
// ApiTokens: bearer tokens with scopes for Quell's HTTP API, loaded from a tokens file:
//
//   tokens:
//     - name: deploy-pipeline          # who; appears in the audit log
//       sha256: 9f86d081884c7d65...    # SHA-256 (hex) of the token: the file holds no usable secret
//       scopes: [read, gate]
//     - name: prometheus
//       token: {env: QUELL_INGEST_TOKEN}   # or a secret reference (core/secret_ref.h)
//       scopes: [ingest]
//
// Scopes: ingest (POST telemetry), read (GET APIs), silence (create/expire silences, ack incidents),
// gate (gate overrides, deployments), admin (everything, config reload). Requests carry
// `Authorization: Bearer <token>`. Authorize() hashes the presented token and compares digests with
// CRYPTO_memcmp (constant time) against every configured token, so timing reveals nothing.
// Answers: 401 (no or unknown token, with WWW-Authenticate), 403 (token lacks the scope).
// When no tokens file is configured, authorization is off (the embedded default binds to loopback);
// `quell check-config` warns about that for non-loopback listeners. Thread-safe after Load.
#ifndef QUELL_SERVER_API_TOKENS_H_
#define QUELL_SERVER_API_TOKENS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/http_message.h"

namespace quell::server {

enum class Scope : uint8_t { kIngest = 0, kRead, kSilence, kGate, kAdmin };
std::string_view ScopeName(Scope s);

class ApiTokens {
 public:
  // Authorization disabled: every request is allowed (principal "anonymous").
  ApiTokens() = default;
  [[nodiscard]] static absl::StatusOr<ApiTokens> LoadFile(const std::string& path);
  [[nodiscard]] static absl::StatusOr<ApiTokens> LoadString(std::string_view yaml, const std::string& name);

  bool enabled() const { return enabled_; }

  struct Decision {
    bool allowed = false;
    std::string principal;            // Token name, or "anonymous" when disabled.
    std::optional<core::HttpResponse> refusal;  // 401/403 JSON answer when !allowed.
  };
  Decision Authorize(const core::HttpRequest& request, Scope scope) const;

  // Wraps `handler` so it runs only for requests allowed `scope`; the principal is passed in the
  // request's headers as "X-Quell-Principal" (set by the wrapper, replacing any client value).
  core::HttpHandler Require(Scope scope, core::HttpHandler handler) const;

 private:
  struct Token {
    std::string name;
    std::array<uint8_t, 32> digest{};
    uint32_t scopes = 0;  // Bit per Scope.
  };
  bool enabled_ = false;
  std::vector<Token> tokens_;
};

// Lower-case hex SHA-256 of `s` (for writing tokens files: `quell` prints it with `token hash`).
std::string Sha256Hex(std::string_view s);

}  // namespace quell::server

#endif  // QUELL_SERVER_API_TOKENS_H_
