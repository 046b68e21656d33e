// src/sinks/secret_check.cc
#include "sinks/secret_check.h"

#include "fmt/format.h"

namespace quell::sinks {

absl::Status CheckNoSecretIn(std::string_view text, const std::vector<std::string>& secrets) {
  for (size_t i = 0; i < secrets.size(); ++i) {
    if (!secrets[i].empty() && text.find(secrets[i]) != std::string_view::npos) {
      return absl::InternalError(fmt::format("secret check: secret #{} leaked", i));
    }
  }
  return absl::OkStatus();
}

}  // namespace quell::sinks
