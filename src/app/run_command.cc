#include <signal.h>

#include <filesystem>
#include <memory>

#include "app/commands.h"
#include "app/logging.h"
#include "app/runtime.h"
#include "spdlog/spdlog.h"

namespace quell::app {
namespace {

std::filesystem::file_time_type MTime(const std::string& path) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(path, ec);
  return ec ? std::filesystem::file_time_type{} : t;
}

}  // namespace

int RunRunCommand(const std::string& config_path) {
  // The embedded default's bundled files: found once, loaded from and logged as the same place.
  const std::string resource_dir = config_path.empty() ? EmbeddedDefaultResourceDir() : std::string();
  absl::StatusOr<QuellConfig> config =
      config_path.empty() ? LoadEmbeddedDefaultFrom(resource_dir) : LoadConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "quell run: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  // The log redactor uses the config's redaction rules (defaults when absent).
  absl::StatusOr<std::unique_ptr<sinks::Redactor>> log_redactor = sinks::Redactor::Create(config->sinks.redaction);
  if (!log_redactor.ok()) {
    std::fprintf(stderr, "quell run: %s\n", std::string(log_redactor.status().message()).c_str());
    return 1;
  }
  SetUpLogging(log_redactor->get());
  if (!resource_dir.empty()) {
    spdlog::info("quell: embedded default: runbooks and sample stream from {}; state in the working directory",
                 resource_dir);
  }

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  Runtime runtime(*config, RuntimeOptions{});
  absl::Status s = runtime.Start();
  if (!s.ok()) {
    spdlog::error("quell run: {}", std::string(s.message()));
    runtime.Stop();
    return 1;
  }
  const bool watch = !config_path.empty();
  auto mtime = watch ? MTime(config_path) : std::filesystem::file_time_type{};
  for (;;) {
    timespec timeout{1, 0};
    int sig = sigtimedwait(&set, nullptr, &timeout);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("quell: signal {}, shutting down", sig);
      break;
    }
    if (sig == SIGHUP) {
      // The file's time is taken before the reload reads it: a change written while the reload
      // runs then differs from it and is reloaded by the watch below (taken after, it was lost).
      auto before = watch ? MTime(config_path) : mtime;
      if (runtime.Reload("sighup").ok()) mtime = before;
      continue;
    }
    if (watch) {
      auto now = MTime(config_path);
      if (now != mtime) {
        mtime = now;
        (void)runtime.Reload("file-watch");
      }
    }
  }
  runtime.Stop();
  return 0;
}

}  // namespace quell::app
