#include "app/state_document.h"

#include <utility>

#include "fmt/format.h"

namespace quell::app {

namespace od = simdjson::ondemand;

std::string StateDocument::Compose(std::string_view engine, std::string_view gates, std::string_view marks) {
  std::string out;
  out.reserve(engine.size() + gates.size() + marks.size() + 50);
  out += R"({"version":2,"engine":)";
  out += engine;
  out += R"(,"gates":)";
  out += gates;
  if (!marks.empty()) {
    out += R"(,"marks":)";
    out += marks;
  }
  out += '}';
  return out;
}

absl::StatusOr<StateDocument> StateDocument::Parse(std::string_view bytes) {
  StateDocument d;
  d.bytes_ = simdjson::padded_string(bytes);
  auto fail = [](std::string_view what, simdjson::error_code e) {
    return absl::DataLossError(fmt::format("correlation state: {}: {}", what, simdjson::error_message(e)));
  };
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(d.bytes_).get(doc)) return fail("not JSON", e);
  od::object root;
  if (auto e = doc.get_object().get(root)) return fail("not a JSON object", e);
  int64_t version = 0;
  bool has_engine = false;
  for (auto field_r : root) {
    od::field field;
    if (auto e = std::move(field_r).get(field)) return fail("not JSON", e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return fail("bad key", e);
    if (key == "version") {
      if (auto e = field.value().get_int64().get(version)) return fail("\"version\"", e);
    } else if (key == "engine" || key == "gates" || key == "marks") {
      od::object part;
      std::string_view raw;
      if (auto e = field.value().get_object().get(part)) return fail(key, e);
      if (auto e = part.raw_json().get(raw)) return fail(key, e);
      (key == "engine" ? d.engine_ : key == "gates" ? d.gates_ : d.marks_) = raw;
      has_engine = has_engine || key == "engine";
    }  // Other keys (a version 1 file's "shards") are skipped unread by On-Demand.
  }
  if (auto loc = doc.current_location(); !loc.error()) {  // An error here: at the end, nothing follows.
    return absl::DataLossError("correlation state: content after the document");
  }
  d.version_ = static_cast<int>(version);
  if (version == 1) {  // The engine's snapshot alone.
    d.engine_ = std::string_view(d.bytes_.data(), d.bytes_.size());
    d.gates_ = {};
    d.marks_ = {};
    return d;
  }
  if (version != 2) return absl::DataLossError(fmt::format("correlation state: unsupported version {}", version));
  if (!has_engine) return absl::DataLossError("correlation state: no \"engine\" part");
  return d;
}

}  // namespace quell::app
