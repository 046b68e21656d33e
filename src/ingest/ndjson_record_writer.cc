#include "ingest/ndjson_record_writer.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "ingest/json_fields.h"

namespace quell::ingest {

absl::StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::Open(const std::string& path) {
  if (path == "-") return std::make_unique<RecordWriter>(stdout, false);
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) {
    return absl::UnavailableError(fmt::format("record file {}: {}", path, std::strerror(errno)));
  }
  return std::make_unique<RecordWriter>(f, true);
}

RecordWriter::~RecordWriter() {
  if (file_ == nullptr) return;
  std::fflush(file_);
  if (owned_) std::fclose(file_);
}

void RecordWriter::FormatRecord(core::Format format, core::EventTime observed, std::string_view body,
                                std::string* line, std::string_view ddtags) {
  line->clear();
  fmt::format_to(std::back_inserter(*line), R"({{"t":{},"format":"{}",)", observed.unix_nanos(),
                 core::FormatName(format));
  if (!ddtags.empty()) {
    line->append(R"("ddtags":")");
    AppendJsonEscaped(line, ddtags);
    line->append("\",");
  }
  std::string_view trimmed = TrimSpaces(body);
  bool embed = !trimmed.empty() && (trimmed.front() == '{' || trimmed.front() == '[') &&
               SkipJsonValue(trimmed, 0) == trimmed.size() && FirstInvalidUtf8(trimmed) == trimmed.size();
  if (embed) {
    line->append(R"("body":)");
    size_t start = line->size();
    line->append(trimmed);
    for (size_t i = start; i < line->size(); ++i) {
      if ((*line)[i] == '\n' || (*line)[i] == '\r') (*line)[i] = ' ';
    }
  } else {
    line->append(R"("body_b64":")");
    line->append(absl::Base64Escape(core::ToAbsl(body)));
    line->push_back('"');
  }
  line->append("}\n");
}

absl::Status RecordWriter::Append(core::Format format, core::EventTime observed, std::string_view body) {
  std::lock_guard<std::mutex> lock(mu_);
  FormatRecord(format, observed, body, &line_);
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
    return absl::UnavailableError(fmt::format("record file: write failed: {}", std::strerror(errno)));
  }
  ++records_;
  return absl::OkStatus();
}

absl::Status RecordWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::fflush(file_) != 0) {
    return absl::UnavailableError(fmt::format("record file: flush failed: {}", std::strerror(errno)));
  }
  return absl::OkStatus();
}

uint64_t RecordWriter::records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

}  // namespace quell::ingest
