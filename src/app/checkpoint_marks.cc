#include "app/checkpoint_marks.h"

#include "correlate/json_value.h"
#include "fmt/format.h"

namespace quell::app {

std::string CheckpointMarks::ToJson() const {
  std::string out = "{\"kafka\":[";
  bool first = true;
  for (const auto& [key, offset] : kafka) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("[{},{},{}]", correlate::JsonQuote(key.first), key.second, offset);
  }
  out += fmt::format("],\"journal\":{},\"journal_checkpoint\":{}}}", journal, journal_checkpoint);
  return out;
}

absl::StatusOr<CheckpointMarks> CheckpointMarks::Parse(std::string_view json) {
  auto doc = correlate::JsonValue::Parse(json);
  if (!doc.ok()) return absl::DataLossError(fmt::format("correlation state marks: {}", std::string(doc.status().message())));
  if (!doc->is_object()) return absl::DataLossError("correlation state marks: not an object");
  CheckpointMarks marks;
  if (const correlate::JsonValue* kafka = doc->Find("kafka"); kafka != nullptr) {
    if (!kafka->is_array()) return absl::DataLossError("correlation state marks: \"kafka\" is not an array");
    for (const correlate::JsonValue& e : kafka->items()) {
      if (!e.is_array() || e.items().size() != 3 || !e.items()[0].is_string()) {
        return absl::DataLossError("correlation state marks: a \"kafka\" entry is not [topic, partition, offset]");
      }
      marks.kafka[{e.items()[0].AsString(), static_cast<int32_t>(e.items()[1].AsInt64())}] = e.items()[2].AsInt64();
    }
  }
  if (const correlate::JsonValue* journal = doc->Find("journal"); journal != nullptr) {
    const int64_t j = journal->AsInt64();
    if (j < 0) return absl::DataLossError("correlation state marks: negative \"journal\"");
    marks.journal = static_cast<uint64_t>(j);
  }
  if (const correlate::JsonValue* number = doc->Find("journal_checkpoint"); number != nullptr) {
    const int64_t n = number->AsInt64();
    if (n < 0) return absl::DataLossError("correlation state marks: negative \"journal_checkpoint\"");
    marks.journal_checkpoint = static_cast<uint64_t>(n);
  }
  return marks;
}

int64_t CheckpointMarks::KafkaOffset(std::string_view topic, int32_t partition) const {
  auto it = kafka.find(std::pair<std::string, int32_t>(std::string(topic), partition));
  return it == kafka.end() ? -1 : it->second;
}

}  // namespace quell::app
