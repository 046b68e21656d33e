// src/sinks/sinks_config.cc
#include "sinks/sinks_config.h"

#include <utility>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::sinks {
namespace {

template <typename T, typename F>
absl::Status ParseList(const core::YamlNode& parent, std::string_view key, F parse, std::vector<T>* out) {
  auto node = parent.Child(key);
  if (!node) return absl::OkStatus();
  QUELL_RETURN_IF_ERROR(node->ExpectSequence(key));
  for (const auto& item : node->Items()) {
    QUELL_ASSIGN_OR_RETURN(T v, parse(item));
    out->push_back(std::move(v));
  }
  return absl::OkStatus();
}

}  // namespace

std::set<std::string> SinksConfig::receiver_names() const {
  std::set<std::string> s;
  for (const auto& r : receivers) s.insert(r.name);
  return s;
}

const ReceiverConfig* SinksConfig::Find(std::string_view name) const {
  for (const auto& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

absl::StatusOr<ReceiverConfig> ParseReceiverConfig(const core::YamlNode& node, const ReceiverDefaults& defaults) {
  ReceiverConfig r;
  r.where = node.location();
  QUELL_RETURN_IF_ERROR(node.CheckKeys("receiver", {"name", "rate_limit", "pagerduty_configs", "slack_configs",
                                                    "webhook_configs", "kafka_configs", "file_configs",
                                                    "stdout_configs"}));
  QUELL_RETURN_IF_ERROR(node.RequireString("name", &r.name));
  if (r.name.empty()) return node.Child("name")->Error("receiver: name must not be empty");
  if (r.name.find('/') != std::string::npos) {
    return node.Child("name")->Error(fmt::format("receiver \"{}\": name must not contain '/'", r.name));
  }
  if (auto rl = node.Child("rate_limit")) {
    QUELL_RETURN_IF_ERROR(rl->CheckKeys("rate_limit", {"per_second", "burst"}));
    RateLimit lim;
    lim.burst = 1;
    QUELL_RETURN_IF_ERROR(rl->ReadDouble("per_second", &lim.per_second));
    QUELL_RETURN_IF_ERROR(rl->ReadDouble("burst", &lim.burst));
    if (!(lim.per_second > 0)) return rl->Error("rate_limit: per_second must be > 0");
    if (!(lim.burst >= 1)) return rl->Error("rate_limit: burst must be >= 1");
    r.rate_limit = lim;
  }
  QUELL_RETURN_IF_ERROR(ParseList<PagerDutyConfig>(
      node, "pagerduty_configs", [&](const core::YamlNode& n) { return ParsePagerDutyConfig(n, defaults); },
      &r.pagerduty_configs));
  QUELL_RETURN_IF_ERROR(ParseList<SlackConfig>(
      node, "slack_configs", [&](const core::YamlNode& n) { return ParseSlackConfig(n, defaults); },
      &r.slack_configs));
  QUELL_RETURN_IF_ERROR(ParseList<WebhookConfig>(node, "webhook_configs", ParseWebhookConfig, &r.webhook_configs));
  QUELL_RETURN_IF_ERROR(ParseList<FileConfig>(node, "file_configs", ParseFileConfig, &r.file_configs));
  QUELL_RETURN_IF_ERROR(ParseList<StdoutConfig>(node, "stdout_configs", ParseStdoutConfig, &r.stdout_configs));
  if (auto k = node.Child("kafka_configs")) {
    QUELL_RETURN_IF_ERROR(k->ExpectSequence("kafka_configs"));
    for (const auto& item : k->Items()) {
      QUELL_RETURN_IF_ERROR(item.ExpectMap("kafka_configs entry"));
      r.kafka_configs.push_back(item);
    }
  }
  return r;
}

absl::StatusOr<SinksConfig> ParseSinksConfig(const core::YamlNode& root) {
  SinksConfig c;
  if (root.IsNull()) return c;
  QUELL_RETURN_IF_ERROR(root.ExpectMap("config"));
  if (auto global = root.Child("global")) {
    QUELL_RETURN_IF_ERROR(global->ExpectMap("global"));
    QUELL_ASSIGN_OR_RETURN(c.receiver_defaults, ParseReceiverDefaults(*global));
  }
  if (auto rs = root.Child("receivers")) {
    QUELL_RETURN_IF_ERROR(rs->ExpectSequence("receivers"));
    for (const auto& item : rs->Items()) {
      QUELL_ASSIGN_OR_RETURN(ReceiverConfig r, ParseReceiverConfig(item, c.receiver_defaults));
      if (c.Find(r.name) != nullptr) {
        return item.Child("name")->Error(
            fmt::format("receiver \"{}\": defined twice (first at {})", r.name, c.Find(r.name)->where.ToString()));
      }
      c.receivers.push_back(std::move(r));
    }
  }
  if (auto n = root.Child("redaction")) {
    QUELL_ASSIGN_OR_RETURN(c.redaction, ParseRedactionConfig(*n));
  }
  if (auto n = root.Child("outbox")) {
    QUELL_ASSIGN_OR_RETURN(c.outbox, ParseOutboxConfig(*n));
  }
  if (auto n = root.Child("runbooks")) {
    QUELL_ASSIGN_OR_RETURN(c.runbooks, ParseRunbookConfig(*n));
  }
  return c;
}

}  // namespace quell::sinks
