// src/sinks/runbooks.cc
#include "sinks/runbooks.h"

#include <filesystem>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::sinks {

absl::StatusOr<RunbookConfig> ParseRunbookConfig(const core::YamlNode& node) {
  RunbookConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("runbooks", {"dir", "base_url"}));
  QUELL_RETURN_IF_ERROR(node.ReadString("dir", &c.dir));
  QUELL_RETURN_IF_ERROR(node.ReadString("base_url", &c.base_url));
  if (c.dir.empty()) return node.Error("runbooks: dir must not be empty");
  return c;
}

absl::Status ValidateRunbook(std::string_view dir, std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("runbook: name is empty");
  std::filesystem::path p(name);
  if (p.is_absolute()) {
    return absl::InvalidArgumentError(fmt::format("runbook \"{}\": must be relative to {}", name, dir));
  }
  for (const auto& part : p) {
    if (part == "..") {
      return absl::InvalidArgumentError(fmt::format("runbook \"{}\": must not contain \"..\"", name));
    }
  }
  std::filesystem::path full = std::filesystem::path(dir) / p;
  std::error_code ec;
  auto st = std::filesystem::status(full, ec);
  if (ec || !std::filesystem::exists(st)) {
    return absl::NotFoundError(fmt::format("runbook \"{}\": not found under {}/", name, dir));
  }
  if (!std::filesystem::is_regular_file(st)) {
    return absl::InvalidArgumentError(fmt::format("runbook \"{}\": not a regular file under {}/", name, dir));
  }
  return absl::OkStatus();
}

std::string RunbookBaseUrl(const RunbookConfig& config) {
  std::string base = config.base_url;
  if (base.empty()) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(config.dir, ec);
    base = "file://" + (ec ? config.dir : abs.lexically_normal().string());
  }
  if (base.back() != '/') base.push_back('/');
  return base;
}

}  // namespace quell::sinks
