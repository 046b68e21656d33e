// src/ingest/intake_journal_config.cc
#include "ingest/intake_journal_config.h"

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::ingest {

std::string_view JournalFsyncName(JournalFsync f) {
  switch (f) {
    case JournalFsync::kInterval: return "interval";
    case JournalFsync::kAlways: return "always";
    case JournalFsync::kNever: return "never";
  }
  return "interval";
}

absl::StatusOr<IntakeJournalConfig> ParseIntakeJournalConfig(const core::YamlNode& node) {
  IntakeJournalConfig cfg;
  cfg.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("ingest.journal", {"dir", "fsync", "fsync_interval"}));
  QUELL_RETURN_IF_ERROR(node.RequireString("dir", &cfg.dir));
  if (cfg.dir.empty()) return node.Child("dir")->Error("ingest.journal.dir: must not be empty");
  std::string fsync(JournalFsyncName(cfg.fsync));
  QUELL_RETURN_IF_ERROR(node.ReadString("fsync", &fsync));
  bool known = false;
  for (JournalFsync f : {JournalFsync::kInterval, JournalFsync::kAlways, JournalFsync::kNever}) {
    if (fsync == JournalFsyncName(f)) {
      cfg.fsync = f;
      known = true;
    }
  }
  if (!known) {
    return node.Child("fsync")->Error(
        fmt::format("ingest.journal.fsync: \"{}\" is not one of interval, always, never", fsync));
  }
  QUELL_RETURN_IF_ERROR(node.ReadDuration("fsync_interval", &cfg.fsync_interval));
  if (cfg.fsync_interval < absl::Milliseconds(10) || cfg.fsync_interval > absl::Minutes(1)) {
    return node.Child("fsync_interval")->Error("ingest.journal.fsync_interval: must be 10ms..1m");
  }
  return cfg;
}

}  // namespace quell::ingest
