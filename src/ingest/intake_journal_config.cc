// src/ingest/intake_journal_config.cc
#include "ingest/intake_journal_config.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::ingest {

absl::StatusOr<IntakeJournalConfig> ParseIntakeJournalConfig(const core::YamlNode& node) {
  IntakeJournalConfig cfg;
  cfg.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("ingest.journal", {"dir", "fsync"}));
  QUELL_RETURN_IF_ERROR(node.RequireString("dir", &cfg.dir));
  if (cfg.dir.empty()) return node.Child("dir")->Error("ingest.journal.dir: must not be empty");
  std::string fsync = "always";
  QUELL_RETURN_IF_ERROR(node.ReadString("fsync", &fsync));
  if (fsync != "always" && fsync != "never") {
    return node.Child("fsync")->Error(fmt::format("ingest.journal.fsync: \"{}\" is not one of always, never", fsync));
  }
  cfg.fsync = fsync == "always";
  return cfg;
}

}  // namespace quell::ingest
