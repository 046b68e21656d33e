// src/sinks/stdout/stdout_sink.cc
#include "sinks/stdout/stdout_sink.h"

#include <utility>

#include "fmt/format.h"
#include "sinks/notification_json.h"

namespace quell::sinks {

StdoutSink::StdoutSink(std::string name, int index, std::FILE* out)
    : name_(std::move(name)), id_(IntegrationId(name_, "stdout", index)), out_(out) {}

void StdoutSink::Deliver(const core::Notification& n, DeliveryCallback done) {
  DeliveryOutcome o;
  {
    std::lock_guard<std::mutex> l(mu_);
    line_.clear();
    AppendNotificationJson(n, &line_);
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size() || std::fflush(out_) != 0) {
      o.status = absl::UnavailableError(fmt::format("stdout receiver \"{}\": write failed", name_));
    }
  }
  done(std::move(o));
}

}  // namespace quell::sinks
