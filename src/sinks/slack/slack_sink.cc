// src/sinks/slack/slack_sink.cc
#include "sinks/slack/slack_sink.h"

#include <utility>

#include "core/json_writer.h"
#include "core/severity.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "sinks/http_outcome.h"

namespace quell::sinks {

std::string SlackEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      default: out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SlackSink>> SlackSink::Create(std::string name, int index, SlackConfig config,
                                                             std::shared_ptr<HttpClient> http,
                                                             const core::Clock* clock) {
  auto url = config.api_url.Resolve();
  if (!url.ok()) {
    return absl::Status(url.status().code(), fmt::format("slack receiver \"{}\": api_url: {}", name,
                                                         core::FromAbsl(url.status().message())));
  }
  return std::unique_ptr<SlackSink>(
      new SlackSink(std::move(name), index, std::move(config), std::move(*url), std::move(http), clock));
}

SlackSink::SlackSink(std::string name, int index, SlackConfig config, std::string url,
                     std::shared_ptr<HttpClient> http, const core::Clock* clock)
    : name_(std::move(name)),
      id_(IntegrationId(name_, "slack", index)),
      config_(std::move(config)),
      url_(std::move(url)),
      http_(std::move(http)),
      clock_(clock) {}

std::string SlackSink::MessageBody(const core::Notification& n) const {
  bool resolved = n.status == core::NotificationStatus::kResolved;
  std::string_view state = resolved ? "RESOLVED" : "FIRING";
  std::string summary = n.summary.empty() ? std::string("Quell incident") : n.summary;
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  if (!config_.channel.empty()) w.Field("channel", config_.channel);
  if (!config_.username.empty()) w.Field("username", config_.username);
  w.Field("text", TruncateUtf8(fmt::format("[{}] {}", state, SlackEscape(summary)), 3000));
  w.Key("blocks");
  w.BeginArray();
  // Header.
  w.BeginObject();
  w.Field("type", "header");
  w.Key("text");
  w.BeginObject();
  w.Field("type", "plain_text");
  w.Field("text", TruncateUtf8(fmt::format("{}: {}", state, summary), 150));
  w.EndObject();
  w.EndObject();
  // Summary section.
  std::string body = fmt::format("*{}*\n*Severity:* {} · *Firing:* {} · *Resolved:* {}", SlackEscape(summary),
                                 core::SeverityName(n.severity), n.firing_count, n.resolved_count);
  // What the alerts' senders wrote for humans, when every member says the same.
  for (auto [name, title] : {std::pair{"summary", "Summary"}, std::pair{"description", "Description"}}) {
    std::string_view text = n.common_annotations.Get(name);
    if (!text.empty() && text != summary) fmt::format_to(std::back_inserter(body), "\n*{}:* {}", title, SlackEscape(text));
  }
  if (!n.root_cause_service.empty()) {
    fmt::format_to(std::back_inserter(body), "\n*Root cause:* {}", SlackEscape(n.root_cause_service));
  }
  if (!n.impacted_services.empty()) {
    std::string list;
    for (const auto& s : n.impacted_services) list += (list.empty() ? "" : ", ") + SlackEscape(s);
    fmt::format_to(std::back_inserter(body), "\n*Impacted:* {}", list);
  }
  if (n.deploy) {
    fmt::format_to(std::back_inserter(body), "\n*Deploy:* {} {} ({})", SlackEscape(n.deploy->service),
                   SlackEscape(n.deploy->version), SlackEscape(n.deploy->env));
    if (!n.deploy->link.empty()) fmt::format_to(std::back_inserter(body), " <{}|change>", n.deploy->link);
  }
  if (!n.runbook_url.empty()) {
    fmt::format_to(std::back_inserter(body), "\n*Runbook:* <{}|{}>", n.runbook_url,
                   SlackEscape(n.runbook.empty() ? std::string_view("runbook") : std::string_view(n.runbook)));
  }
  w.BeginObject();
  w.Field("type", "section");
  w.Key("text");
  w.BeginObject();
  w.Field("type", "mrkdwn");
  w.Field("text", TruncateUtf8(body, 3000));
  w.EndObject();
  w.EndObject();
  // Members.
  if (!n.alerts.empty() && config_.max_members > 0) {
    size_t shown = std::min(n.alerts.size(), static_cast<size_t>(config_.max_members));
    std::string members;
    for (size_t i = 0; i < shown; ++i) {
      fmt::format_to(std::back_inserter(members), "• {} {}\n", n.alerts[i].resolved ? "resolved" : "firing",
                     SlackEscape(n.alerts[i].labels.ToString()));
    }
    size_t more = n.alerts.size() - shown + n.truncated_alerts;
    if (more > 0) fmt::format_to(std::back_inserter(members), "… and {} more", more);
    w.BeginObject();
    w.Field("type", "section");
    w.Key("text");
    w.BeginObject();
    w.Field("type", "mrkdwn");
    w.Field("text", TruncateUtf8(members, 3000));
    w.EndObject();
    w.EndObject();
  }
  // Context.
  std::string ctx = fmt::format("Quell incident {}", SlackEscape(n.incident_id));
  if (!n.external_url.empty()) ctx = fmt::format("Quell incident <{}|{}>", n.external_url, SlackEscape(n.incident_id));
  w.BeginObject();
  w.Field("type", "context");
  w.Key("elements");
  w.BeginArray();
  w.BeginObject();
  w.Field("type", "mrkdwn");
  w.Field("text", TruncateUtf8(ctx, 3000));
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return out;
}

DeliveryOutcome SlackOutcome(const HttpResult& r, std::string_view name, core::WallTime now) {
  DeliveryOutcome o = OutcomeFromHttp(r, "slack", name, now);
  if (!r.transport_ok || o.status.ok() || r.status == 429 || r.status >= 500) return o;
  // Known Slack error strings (safe to print: fixed vocabulary). Anything else stays generic.
  struct Known {
    std::string_view text;
    absl::StatusCode code;
  };
  static constexpr Known kKnown[] = {
      {"invalid_payload", absl::StatusCode::kInvalidArgument},
      {"no_text", absl::StatusCode::kInvalidArgument},
      {"invalid_blocks", absl::StatusCode::kInvalidArgument},
      {"invalid_blocks_format", absl::StatusCode::kInvalidArgument},
      {"too_many_attachments", absl::StatusCode::kInvalidArgument},
      {"channel_not_found", absl::StatusCode::kNotFound},
      {"no_service", absl::StatusCode::kNotFound},
      {"no_service_id", absl::StatusCode::kNotFound},
      {"channel_is_archived", absl::StatusCode::kNotFound},
      {"action_prohibited", absl::StatusCode::kPermissionDenied},
      {"invalid_token", absl::StatusCode::kPermissionDenied},
      {"no_team", absl::StatusCode::kPermissionDenied},
      {"team_disabled", absl::StatusCode::kPermissionDenied},
      {"posting_to_general_channel_denied", absl::StatusCode::kPermissionDenied},
  };
  std::string_view body = r.body;
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.remove_suffix(1);
  for (const auto& k : kKnown) {
    if (body == k.text) {
      o.status = absl::Status(k.code, fmt::format("slack receiver \"{}\": HTTP {}: {}", name, r.status, k.text));
      return o;
    }
  }
  return o;
}

void SlackSink::Deliver(const core::Notification& n, DeliveryCallback done) {
  if (n.status == core::NotificationStatus::kResolved && !config_.send_resolved) {
    done(DeliveryOutcome::Ok());
    return;
  }
  HttpCall call;
  call.url = url_;
  call.headers = {{"Content-Type", "application/json"}};
  call.body = MessageBody(n);
  // The callback may run after this sink is destroyed (the HttpClient is shared): copy, don't
  // capture `this`.
  http_->Send(std::move(call), [name = name_, clock = clock_, done = std::move(done)](HttpResult r) {
    done(SlackOutcome(r, name, clock->Now()));
  });
}

}  // namespace quell::sinks
