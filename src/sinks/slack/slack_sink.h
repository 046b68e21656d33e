// src/sinks/slack/slack_sink.h
//
// SlackSink: a Receiver posting to a Slack incoming webhook. The message has fallback `text` and
// Block Kit `blocks`: a header ("FIRING: <summary>", <= 150 chars), a section with the summary,
// severity, firing/resolved counts, the members' common summary and description annotations, root
// cause, impacted services, deploy (with its link) and runbook link, a section listing up to
// max_members member alerts (in Alertmanager's order, alert_order.h), and a context line
// (incident id, link back to Quell).
//
// mrkdwn safety (Slack's formatting reference): text has &, <, > written as &amp;, &lt;, &gt;;
// a URL inside <url|text> must not end or split the token, so <, >, |, spaces and control
// characters are percent-encoded and & becomes &amp; (SlackUrl). A link that is not http(s), or
// longer than 800 characters, is left out and only its text shown. So no notification content
// can produce a mention (<!channel>, <@U…>) or a link of its own.
//
// Sizes: each text object holds at most 3,000 characters. In the summary section the head
// (summary, severity, counts) and the trailing fields (root cause, impacted services, deploy,
// runbook) always fit; the annotations are shortened ("…") to what is left. The member list holds
// as many members as fit and ends with "… and N more" for the rest. Text is cut between
// characters, never inside an entity.
//
// send_resolved: false (no message when the incident resolves, resolved members left out, and no
// message for an update that only resolved members) is applied around the sink: BuildReceivers
// wraps it in a SendResolvedReceiver (send_resolved_receiver.h); the sink posts what it is given.
//
// Slack answers 200 "ok". Error strings map to permanent failures: invalid_payload, no_text,
// invalid_blocks, too_many_attachments -> InvalidArgument; channel_not_found, no_service,
// channel_is_archived -> NotFound; action_prohibited, invalid_token, no_team, team_disabled ->
// PermissionDenied. 429 (Retry-After honoured) and 5xx are retried. Slack allows about one
// message per second per webhook: BuildReceivers gives every Slack integration a token bucket of
// `per_second` (default 1) so excess messages wait in the Dispatcher's queue, never dropped.
// The webhook URL is resolved at construction and never printed. Thread-safe.
#ifndef QUELL_SINKS_SLACK_SLACK_SINK_H_
#define QUELL_SINKS_SLACK_SLACK_SINK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "sinks/http_client.h"
#include "sinks/receiver.h"
#include "sinks/slack/slack_config.h"

namespace quell::sinks {

class SlackSink final : public Receiver {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SlackSink>> Create(std::string name, int index, SlackConfig config,
                                                                         std::shared_ptr<HttpClient> http,
                                                                         const core::Clock* clock);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "slack"; }
  const std::string& id() const override { return id_; }
  void Deliver(const core::Notification& n, DeliveryCallback done) override;

  std::string MessageBody(const core::Notification& n) const;
  const SlackConfig& config() const { return config_; }

 private:
  SlackSink(std::string name, int index, SlackConfig config, std::string url, std::shared_ptr<HttpClient> http,
            const core::Clock* clock);
  std::string name_;
  std::string id_;
  SlackConfig config_;
  std::string url_;
  std::shared_ptr<HttpClient> http_;
  const core::Clock* clock_;
};

// Maps a Slack webhook answer to an outcome (exposed for tests).
DeliveryOutcome SlackOutcome(const HttpResult& r, std::string_view name, core::WallTime now);
// Escapes &, <, > for mrkdwn.
std::string SlackEscape(std::string_view s);
// SlackEscape(s), cut to at most `max_chars` characters (counting an entity as its characters)
// ending in "…" when cut; never cuts inside an entity or a UTF-8 sequence.
std::string SlackEscapeTruncated(std::string_view s, size_t max_chars);
// `url` made safe inside mrkdwn <url|text>: <, >, |, spaces and control characters
// percent-encoded, & as &amp;. Empty when it cannot be a link: not http:// or https://, or longer
// than 800 characters.
std::string SlackUrl(std::string_view url);
// "<url|text>" with SlackUrl(url) and the escaped text (at most 200 characters); only the escaped
// text when SlackUrl(url) is empty.
std::string SlackLink(std::string_view url, std::string_view text);

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SLACK_SLACK_SINK_H_
