// src/sinks/secret_check.h
//
// The shared no-secret-in-errors check (as Alertmanager's notify/test does): every sink test runs
// CheckNoSecretIn on every Status and log line it sees, with the secrets it configured (routing
// keys, webhook URLs, tokens, passwords) and the PHI it planted. Test-only in spirit, but plain
// code so the Kafka receiver's tests can use it too. Thread-safe (pure).
#ifndef QUELL_SINKS_SECRET_CHECK_H_
#define QUELL_SINKS_SECRET_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace quell::sinks {

// OK iff no string of `secrets` (non-empty ones) occurs in `text`. The error names the index of
// the leaked secret, never the secret.
absl::Status CheckNoSecretIn(std::string_view text, const std::vector<std::string>& secrets);
inline absl::Status CheckNoSecretIn(const absl::Status& s, const std::vector<std::string>& secrets) {
  return CheckNoSecretIn(s.ToString(), secrets);
}

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SECRET_CHECK_H_
