#include "correlate/dedup_config.h"

#include <algorithm>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::correlate {

absl::StatusOr<DedupConfig> ParseDedup(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.ExpectSequence("dedup"));
  DedupConfig cfg;
  for (const core::YamlNode& item : node.Items()) {
    QUELL_RETURN_IF_ERROR(item.CheckKeys("dedup", {"format", "labels"}));
    DedupRule r;
    r.where = item.location();
    std::string format;
    QUELL_RETURN_IF_ERROR(item.RequireString("format", &format));
    if (!core::ParseFormatName(format, &r.format)) {
      return item.Child("format")->Error(fmt::format("dedup: unknown format \"{}\"", format));
    }
    if (cfg.Find(r.format) != nullptr) {
      return item.Child("format")->Error(fmt::format("dedup: format \"{}\" is listed twice", format));
    }
    QUELL_RETURN_IF_ERROR(item.ReadStringList("labels", &r.labels));
    if (r.labels.empty()) return item.Error("dedup: labels must not be empty");
    std::sort(r.labels.begin(), r.labels.end());
    r.labels.erase(std::unique(r.labels.begin(), r.labels.end()), r.labels.end());
    cfg.rules.push_back(std::move(r));
  }
  return cfg;
}

}  // namespace quell::correlate
