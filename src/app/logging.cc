#include "app/logging.h"

#include <memory>
#include <mutex>
#include <string>

#include "core/event_time.h"
#include "core/json_writer.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace quell::app {
namespace {

class RedactingJsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingJsonSink(const sinks::Redactor* redactor, std::FILE* stream) : redactor_(redactor), stream_(stream) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text(msg.payload.data(), msg.payload.size());
    if (redactor_ != nullptr) text = redactor_->RedactLine(text);
    line_.clear();
    core::JsonWriter w(&line_);
    w.BeginObject();
    w.Field("time", core::FormatRfc3339(absl::FromChrono(msg.time)));
    auto level = spdlog::level::to_string_view(msg.level);
    w.Field("level", std::string_view(level.data(), level.size()));
    w.Field("msg", text);
    w.EndObject();
    line_.push_back('\n');
    std::fwrite(line_.data(), 1, line_.size(), stream_);
  }
  void flush_() override { std::fflush(stream_); }

 private:
  const sinks::Redactor* redactor_;
  std::FILE* stream_;
  std::string line_;
};

}  // namespace

void SetUpLogging(const sinks::Redactor* redactor, std::FILE* stream) {
  auto sink = std::make_shared<RedactingJsonSink>(redactor, stream);
  auto logger = std::make_shared<spdlog::logger>("quell", sink);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace quell::app
