// src/sinks/slack/slack_sink.h
//
// SlackSink: a Receiver posting to a Slack incoming webhook. The message has fallback `text` and
// Block Kit `blocks`: a header ("FIRING: <summary>", <= 150 chars), a section with the summary,
// severity, firing/resolved counts, root cause, deploy and runbook link, a section listing up to
// max_members member alerts, and a context line (incident id, link back to Quell). Text is
// mrkdwn-escaped (&, <, >).
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

}  // namespace quell::sinks

#endif  // QUELL_SINKS_SLACK_SLACK_SINK_H_
