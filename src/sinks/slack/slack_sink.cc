// src/sinks/slack/slack_sink.cc
#include "sinks/slack/slack_sink.h"

#include <algorithm>
#include <utility>

#include "core/json_writer.h"
#include "core/severity.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "sinks/alert_order.h"
#include "sinks/http_outcome.h"

namespace quell::sinks {

namespace {

constexpr size_t kTextMax = 3000;           // Slack's limit on a text object (characters).
constexpr size_t kMaxLinkChars = 800;       // Longer links are left out (their text stays).
constexpr size_t kMoreReserve = 24;         // Room kept for "… and N more".
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

size_t Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && core::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

}  // namespace

std::string SlackEscape(std::string_view s) { return SlackEscapeTruncated(s, std::string_view::npos); }

std::string SlackEscapeTruncated(std::string_view s, size_t max_chars) {
  std::string out;
  out.reserve(std::min(s.size(), max_chars) + 8);
  size_t chars = 0;
  size_t i = 0;
  while (i < s.size()) {
    // One code point (or one stray byte) and its escaped form.
    size_t len = 1;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC0) {
      while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) ++len;
    }
    std::string_view piece = s.substr(i, len);
    size_t piece_chars = 1;
    switch (c) {
      case '&': piece = "&amp;"; piece_chars = 5; break;
      case '<': piece = "&lt;"; piece_chars = 4; break;
      case '>': piece = "&gt;"; piece_chars = 4; break;
      default: break;
    }
    if (max_chars != std::string_view::npos && chars + piece_chars > max_chars) {
      // Cut before this piece, keeping room for the ellipsis (never inside an entity).
      while (chars + 1 > max_chars && !out.empty()) {
        // Drop the last piece: an entity, or one code point.
        size_t cut = out.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        for (std::string_view entity : {"&amp;", "&lt;", "&gt;"}) {
          if (std::string_view(out).ends_with(entity)) cut = out.size() - entity.size();
        }
        chars -= Chars(std::string_view(out).substr(cut));
        out.resize(cut);
      }
      if (max_chars > 0) out.append(kEllipsis);
      return out;
    }
    out.append(piece);
    chars += piece_chars;
    i += len;
  }
  return out;
}

std::string SlackUrl(std::string_view url) {
  if (!StartsWithIgnoreCase(url, "https://") && !StartsWithIgnoreCase(url, "http://")) return "";
  std::string out;
  out.reserve(url.size() + 8);
  for (char ch : url) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '&') {
      out.append("&amp;");  // Slack reads entities in URLs too and turns &amp; back into &.
    } else if (c == '<' || c == '>' || c == '|' || c == ' ' || c < 0x20 || c == 0x7F) {
      out.append(fmt::format("%{:02X}", c));  // Would end or split the <url|text> token.
    } else {
      out.push_back(ch);
    }
  }
  if (Chars(out) > kMaxLinkChars) return "";
  return out;
}

std::string SlackLink(std::string_view url, std::string_view text) {
  std::string safe = SlackUrl(url);
  if (safe.empty()) return SlackEscapeTruncated(text, 200);
  return fmt::format("<{}|{}>", safe, SlackEscapeTruncated(text, 200));
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
  // The engine's summaries already open with their state ("[FIRING:2] ...", "[STORM RESOLVED]
  // ..."): the state is prefixed only to those that do not.
  const bool stated = summary.rfind("[FIRING", 0) == 0 || summary.rfind("[RESOLVED", 0) == 0 ||
                      summary.rfind("[STORM", 0) == 0;
  std::string out;
  core::JsonWriter w(&out);
  w.BeginObject();
  if (!config_.channel.empty()) w.Field("channel", config_.channel);
  if (!config_.username.empty()) w.Field("username", config_.username);
  w.Field("text", stated ? SlackEscapeTruncated(summary, kTextMax)
                         : fmt::format("[{}] {}", state, SlackEscapeTruncated(summary, kTextMax - state.size() - 3)));
  w.Key("blocks");
  w.BeginArray();
  // Header.
  w.BeginObject();
  w.Field("type", "header");
  w.Key("text");
  w.BeginObject();
  w.Field("type", "plain_text");
  w.Field("text", TruncateUtf8(stated ? summary : fmt::format("{}: {}", state, summary), 150));
  w.EndObject();
  w.EndObject();
  // Summary section: the head and the trailing fields always fit in its 3,000 characters; the
  // annotations (free text of any length) get what is left.
  std::string head = fmt::format("*{}*\n*Severity:* {} · *Firing:* {} · *Resolved:* {}",
                                 SlackEscapeTruncated(summary, 500), core::SeverityName(n.severity), n.firing_count,
                                 n.resolved_count);
  std::string tail;
  if (!n.root_cause_service.empty()) {
    fmt::format_to(std::back_inserter(tail), "\n*Root cause:* {}", SlackEscapeTruncated(n.root_cause_service, 200));
  }
  if (!n.impacted_services.empty()) {
    std::string list;
    size_t listed = 0;
    for (const auto& s : n.impacted_services) {
      std::string item = SlackEscapeTruncated(s, 100);
      if (Chars(list) + Chars(item) + 2 > 500 - kMoreReserve) break;
      list += (list.empty() ? "" : ", ") + item;
      ++listed;
    }
    if (listed < n.impacted_services.size()) {
      fmt::format_to(std::back_inserter(list), "{}and {} more", listed > 0 ? " " : "",
                     n.impacted_services.size() - listed);
    }
    fmt::format_to(std::back_inserter(tail), "\n*Impacted:* {}", list);
  }
  if (n.deploy) {
    fmt::format_to(std::back_inserter(tail), "\n*Deploy:* {} {} ({})", SlackEscapeTruncated(n.deploy->service, 100),
                   SlackEscapeTruncated(n.deploy->version, 100), SlackEscapeTruncated(n.deploy->env, 100));
    if (!n.deploy->link.empty() && !SlackUrl(n.deploy->link).empty()) {
      fmt::format_to(std::back_inserter(tail), " {}", SlackLink(n.deploy->link, "change"));
    }
  }
  if (!n.runbook_url.empty()) {
    std::string_view text = n.runbook.empty() ? std::string_view("runbook") : std::string_view(n.runbook);
    fmt::format_to(std::back_inserter(tail), "\n*Runbook:* {}", SlackLink(n.runbook_url, text));
  }
  std::string body = head;
  size_t left = kTextMax - std::min(kTextMax, Chars(head) + Chars(tail));
  // What the alerts' senders wrote for humans, when every member says the same.
  for (auto [name, title] : {std::pair{"summary", "Summary"}, std::pair{"description", "Description"}}) {
    std::string_view text = n.common_annotations.Get(name);
    if (text.empty() || text == summary) continue;
    std::string prefix = fmt::format("\n*{}:* ", title);
    if (left < Chars(prefix) + 2) break;
    size_t room = left - Chars(prefix);
    if (std::string_view(name) == "summary") room = std::min<size_t>(room, 500);
    std::string line = prefix + SlackEscapeTruncated(text, room);
    left -= Chars(line);
    body += line;
  }
  body += tail;
  w.BeginObject();
  w.Field("type", "section");
  w.Key("text");
  w.BeginObject();
  w.Field("type", "mrkdwn");
  w.Field("text", TruncateUtf8(body, kTextMax));  // Only links of pathological length could need the cut.
  w.EndObject();
  w.EndObject();
  // Members, in Alertmanager's order; as many as fit, then "… and N more".
  if (!n.alerts.empty() && config_.max_members > 0) {
    std::vector<const core::NotifiedAlert*> sorted = SortedAlerts(n.alerts);
    size_t candidates = std::min(sorted.size(), static_cast<size_t>(config_.max_members));
    std::string members;
    size_t used = 0, listed = 0;
    for (; listed < candidates; ++listed) {
      const core::NotifiedAlert& a = *sorted[listed];
      std::string line = fmt::format("• {} {}\n", a.resolved ? "resolved" : "firing",
                                     SlackEscapeTruncated(a.labels.ToString(), 1000));
      size_t line_chars = Chars(line);
      if (used + line_chars + kMoreReserve > kTextMax) break;
      members += line;
      used += line_chars;
    }
    size_t more = sorted.size() - listed + n.truncated_alerts;
    if (more > 0) fmt::format_to(std::back_inserter(members), "{} and {} more", kEllipsis, more);
    w.BeginObject();
    w.Field("type", "section");
    w.Key("text");
    w.BeginObject();
    w.Field("type", "mrkdwn");
    w.Field("text", members);
    w.EndObject();
    w.EndObject();
  }
  // Context.
  std::string ctx = fmt::format("Quell incident {}", SlackEscapeTruncated(n.incident_id, 200));
  if (!n.external_url.empty()) ctx = fmt::format("Quell incident {}", SlackLink(n.external_url, n.incident_id));
  w.BeginObject();
  w.Field("type", "context");
  w.Key("elements");
  w.BeginArray();
  w.BeginObject();
  w.Field("type", "mrkdwn");
  w.Field("text", TruncateUtf8(ctx, kTextMax));
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
