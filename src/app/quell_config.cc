#include "app/quell_config.h"

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "core/read_file.h"
#include "core/status_macros.h"
#include "core/yaml_node.h"
#include "fmt/format.h"
#include "server/api_tokens.h"
#include "sinks/receiver_defaults.h"
#include "sinks/runbooks.h"

namespace quell::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEmbeddedName = "<embedded default>";

using core::ReadFile;

// Alertmanager's `global:` section, so that an Alertmanager config loads as it is: resolve_timeout
// is taken here; slack_api_url(_file) and pagerduty_url are the receivers' defaults, read by
// sinks::ParseSinksConfig (sinks/receiver_defaults.h). The other settings Alertmanager keeps there
// (SMTP, Opsgenie, ... of integrations Quell does not have; http_config) are named in an error
// that says where Quell takes receiver settings instead.
absl::Status ParseGlobal(const core::YamlNode& node, QuellConfig* cfg) {
  QUELL_RETURN_IF_ERROR(node.ExpectMap("global"));
  for (const core::YamlEntry& e : node.Entries()) {
    if (e.key == "resolve_timeout") {
      QUELL_ASSIGN_OR_RETURN(cfg->resolve_timeout, e.value.AsDuration());  // Never negative.
      continue;
    }
    if (std::find(std::begin(sinks::kReceiverDefaultKeys), std::end(sinks::kReceiverDefaultKeys), e.key) !=
        std::end(sinks::kReceiverDefaultKeys)) {
      continue;
    }
    return absl::InvalidArgumentError(fmt::format(
        "{}: global.{}: Quell takes resolve_timeout, slack_api_url, slack_api_url_file and pagerduty_url from "
        "Alertmanager's global section; other receiver settings (URLs, keys, http_config) go on each "
        "receiver's *_configs entry (docs/receivers.md)",
        e.key_location.ToString(), e.key));
  }
  return absl::OkStatus();
}

absl::Status ParseIngest(const core::YamlNode& node, QuellConfig* cfg) {
  QUELL_RETURN_IF_ERROR(
      node.CheckKeys("ingest", {"http", "kafka", "datadog_webhook", "dead_letter", "replay", "journal"}));
  if (auto http = node.Child("http")) {
    QUELL_ASSIGN_OR_RETURN(cfg->intake, ingest::ParseIntakeConfig(*http));
  }
  if (auto kafka = node.Child("kafka")) {
    QUELL_ASSIGN_OR_RETURN(ingest::KafkaSourceConfig k, ingest::ParseKafkaSourceConfig(*kafka));
    cfg->kafka = std::move(k);
  }
  if (auto dd = node.Child("datadog_webhook")) {
    QUELL_ASSIGN_OR_RETURN(cfg->datadog_webhook, ingest::ParseDatadogWebhookMapping(*dd));
  }
  if (auto journal = node.Child("journal")) {
    QUELL_ASSIGN_OR_RETURN(cfg->journal, ingest::ParseIntakeJournalConfig(*journal));
  }
  if (auto dl = node.Child("dead_letter")) {
    QUELL_RETURN_IF_ERROR(dl->CheckKeys("ingest.dead_letter", {"path", "redact"}));
    QUELL_RETURN_IF_ERROR(dl->ReadString("path", &cfg->dead_letter_path));
    QUELL_RETURN_IF_ERROR(dl->ReadBool("redact", &cfg->dead_letter_redact));
  }
  if (auto replay = node.Child("replay")) {
    QUELL_RETURN_IF_ERROR(replay->CheckKeys("ingest.replay", {"file", "speed", "timestamps"}));
    QUELL_RETURN_IF_ERROR(replay->ReadString("file", &cfg->replay.file));
    QUELL_RETURN_IF_ERROR(replay->ReadDouble("speed", &cfg->replay.speed));
    if (cfg->replay.speed < 0) return replay->Child("speed")->Error("speed: must be >= 0 (0 = as fast as possible)");
    std::string timestamps = "recorded";
    QUELL_RETURN_IF_ERROR(replay->ReadString("timestamps", &timestamps));
    if (timestamps != "recorded" && timestamps != "now")
      return replay->Child("timestamps")->Error(
          fmt::format("timestamps: \"{}\" is not one of recorded, now", timestamps));
    cfg->replay.rebase_to_now = timestamps == "now";
  }
  return absl::OkStatus();
}

// Files named by one `include` entry, in name order.
absl::StatusOr<std::vector<std::string>> ExpandInclude(const core::YamlNode& entry, const std::string& base_dir) {
  QUELL_ASSIGN_OR_RETURN(std::string raw, entry.AsString());
  fs::path p(raw);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  if (!fs::is_regular_file(p, ec)) {
    return entry.Error(fmt::format("include: \"{}\" is neither a file nor a directory", p.string()));
  }
  return std::vector<std::string>{p.string()};
}

absl::Status MergeFragment(const core::YamlNode& root, QuellConfig* cfg) {
  QUELL_RETURN_IF_ERROR(root.CheckKeys("fragment", {"receivers", "route", "inhibit_rules", "time_intervals",
                                                    "maintenance_windows", "gates"}));
  if (auto rs = root.Child("receivers")) {
    QUELL_RETURN_IF_ERROR(rs->ExpectSequence("receivers"));
    for (const core::YamlNode& item : rs->Items()) {
      // The main config's global receiver settings apply to a fragment's receivers too.
      QUELL_ASSIGN_OR_RETURN(sinks::ReceiverConfig r, sinks::ParseReceiverConfig(item, cfg->sinks.receiver_defaults));
      if (cfg->sinks.Find(r.name) != nullptr) {
        return absl::InvalidArgumentError(
            fmt::format("{}: receivers: receiver \"{}\" is already defined", r.where.ToString(), r.name));
      }
      cfg->sinks.receivers.push_back(std::move(r));
    }
  }
  if (auto route = root.Child("route")) {
    QUELL_ASSIGN_OR_RETURN(correlate::RouteConfig r, correlate::ParseChildRoute(*route, cfg->rules.route));
    cfg->rules.route.routes.push_back(std::move(r));
  }
  if (auto n = root.Child("inhibit_rules")) {
    QUELL_ASSIGN_OR_RETURN(auto rules, correlate::ParseInhibitRules(*n));
    for (auto& r : rules) cfg->rules.inhibit_rules.push_back(std::move(r));
  }
  if (auto n = root.Child("time_intervals")) {
    QUELL_ASSIGN_OR_RETURN(auto intervals, correlate::ParseTimeIntervals(*n));
    for (auto& t : intervals) {
      if (cfg->rules.FindTimeInterval(t.name) != nullptr) {
        return absl::InvalidArgumentError(
            fmt::format("{}: time_intervals: \"{}\" is already defined", t.where.ToString(), t.name));
      }
      cfg->rules.time_intervals.push_back(std::move(t));
    }
  }
  if (auto n = root.Child("maintenance_windows")) {
    QUELL_ASSIGN_OR_RETURN(auto windows, correlate::ParseMaintenanceWindows(*n));
    for (auto& w : windows) cfg->rules.maintenance_windows.push_back(std::move(w));
  }
  if (root.Child("gates")) {
    QUELL_ASSIGN_OR_RETURN(gates::GatesConfig g, gates::ParseGatesConfig(root));
    for (auto& gate : g.gates) cfg->gates.gates.push_back(std::move(gate));
  }
  return absl::OkStatus();
}

// `resource_dir` (the embedded default's, else ""): where the relative runbooks directory and
// replay file are read from, instead of the working directory.
absl::StatusOr<QuellConfig> Load(std::string_view text, const std::string& name, const std::string& base_dir,
                                 const std::string& resource_dir = "") {
  QuellConfig cfg;
  cfg.path = name;
  cfg.files.push_back(name);
  cfg.original_yaml = std::string(text);
  std::string hashed(text);

  QUELL_ASSIGN_OR_RETURN(core::YamlNode root, core::YamlNode::LoadString(text, name));
  QUELL_RETURN_IF_ERROR(root.CheckKeys(
      "config", {"server", "ingest", "route", "inhibit_rules", "time_intervals", "maintenance_windows", "dedup",
                 "flapping", "transient", "topology", "deploys", "rate_limits", "correlate", "receivers",
                 "redaction", "outbox", "runbooks", "gates", "auth", "audit", "include", "global"}));
  if (auto global = root.Child("global")) QUELL_RETURN_IF_ERROR(ParseGlobal(*global, &cfg));

  if (auto server = root.Child("server")) {
    QUELL_ASSIGN_OR_RETURN(cfg.server, server::ParseServerConfig(*server));
  }
  if (auto ingest = root.Child("ingest")) QUELL_RETURN_IF_ERROR(ParseIngest(*ingest, &cfg));
  QUELL_ASSIGN_OR_RETURN(cfg.rules, correlate::ParseRulesConfig(root));
  cfg.rules.original_yaml = cfg.original_yaml;
  QUELL_ASSIGN_OR_RETURN(cfg.sinks, sinks::ParseSinksConfig(root));
  QUELL_ASSIGN_OR_RETURN(cfg.gates, gates::ParseGatesConfig(root));
  if (auto auth = root.Child("auth")) {
    QUELL_RETURN_IF_ERROR(auth->CheckKeys("auth", {"tokens_file"}));
    QUELL_RETURN_IF_ERROR(auth->ReadString("tokens_file", &cfg.tokens_file));
    if (!cfg.tokens_file.empty()) {
      // Load once now so a broken tokens file is a config error with its own position.
      QUELL_RETURN_IF_ERROR(server::ApiTokens::LoadFile(cfg.tokens_file).status());
    }
  }
  if (auto audit = root.Child("audit")) {
    QUELL_RETURN_IF_ERROR(audit->CheckKeys("audit", {"path"}));
    QUELL_RETURN_IF_ERROR(audit->ReadString("path", &cfg.audit_path));
  }

  if (auto include = root.Child("include")) {
    QUELL_RETURN_IF_ERROR(include->ExpectSequence("include"));
    for (const core::YamlNode& entry : include->Items()) {
      QUELL_ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandInclude(entry, base_dir));
      for (const std::string& file : files) {
        if (std::find(cfg.files.begin(), cfg.files.end(), file) != cfg.files.end()) {
          return entry.Error(fmt::format("include: \"{}\" is included twice", file));
        }
        QUELL_ASSIGN_OR_RETURN(std::string fragment_text, ReadFile(file));
        QUELL_ASSIGN_OR_RETURN(core::YamlNode fragment, core::YamlNode::LoadString(fragment_text, file));
        if (!fragment.IsMap()) return fragment.Error("fragment: expected a map at the top level");
        QUELL_RETURN_IF_ERROR(MergeFragment(fragment, &cfg));
        cfg.files.push_back(file);
        hashed += fragment_text;
      }
    }
  }

  if (!resource_dir.empty()) {
    auto from_resources = [&](std::string* path) {
      if (!path->empty() && fs::path(*path).is_relative()) *path = (fs::path(resource_dir) / *path).string();
    };
    from_resources(&cfg.sinks.runbooks.dir);
    from_resources(&cfg.replay.file);
  }
  QUELL_RETURN_IF_ERROR(correlate::Validate(cfg.rules, cfg.sinks.receiver_names(), cfg.sinks.runbooks.dir));
  // The one place the runbook link prefix is decided (sinks/runbooks.h): correlate.runbook_base_url
  // when set, else runbooks.base_url, else file://<absolute runbooks dir>/. The engine appends the
  // route's runbook name; a reload loads through here too, so it follows the same rule.
  if (cfg.rules.settings.runbook_base_url.empty()) {
    cfg.rules.settings.runbook_base_url = sinks::RunbookBaseUrl(cfg.sinks.runbooks);
  }
  if (!cfg.journal.dir.empty() && cfg.rules.settings.state_file.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: ingest.journal: needs correlate.state_file (the journal is trimmed at each state checkpoint)",
        cfg.journal.where.ToString()));
  }
  cfg.content_sha256 = server::Sha256Hex(hashed);
  return cfg;
}

}  // namespace

absl::StatusOr<QuellConfig> LoadConfig(const std::string& path) {
  QUELL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::string base = fs::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return Load(text, path, base);
}

absl::StatusOr<QuellConfig> LoadConfigString(std::string_view text, const std::string& name,
                                             const std::string& base_dir) {
  return Load(text, name, base_dir);
}

absl::StatusOr<QuellConfig> LoadEmbeddedDefault() { return LoadEmbeddedDefaultFrom(EmbeddedDefaultResourceDir()); }

absl::StatusOr<QuellConfig> LoadEmbeddedDefaultFrom(const std::string& resource_dir) {
  return Load(EmbeddedDefaultConfig(), std::string(kEmbeddedName), ".", resource_dir);
}

std::string FindEmbeddedDefaultResources(const std::string& cwd, const std::string& exe) {
  auto holds_resources = [](const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "runbooks" / "default.md", ec) &&
           fs::is_regular_file(dir / "config" / "sample-stream.ndjson", ec);
  };
  if (holds_resources(cwd)) return "";
  if (exe.empty()) return "";
  // Lexically: /proc/self/exe is already canonical, and a test's binary path need not exist.
  const fs::path bin = fs::path(exe).parent_path();
  const fs::path build_tree = (bin / ".." / "..").lexically_normal();
  const fs::path installed = (bin / ".." / "share" / "quell").lexically_normal();
  for (const fs::path& dir : {build_tree, installed}) {
    if (holds_resources(dir)) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(fs::absolute(dir), ec);
      return ec ? fs::absolute(dir).string() : canonical.string();
    }
  }
  return "";
}

std::string EmbeddedDefaultResourceDir() {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (ec) return "";
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return FindEmbeddedDefaultResources(cwd.string(), ec ? std::string() : exe.string());
}

}  // namespace quell::app
