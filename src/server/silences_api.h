// src/server/silences_api.h
//
// SilencesApi: Alertmanager API v2 silence endpoints over correlate::Silencer, transport-neutral
// (core::HttpRequest in, core::HttpResponse out), JSON exactly as Alertmanager's openapi
// (gettableSilence, postableSilence) so amtool 0.25 works against Quell:
//
//   GET    /api/v2/silences          [filter=<matcher>...]  -> [gettableSilence]
//   POST   /api/v2/silences          postableSilence        -> 200 {"silenceID": "..."}
//   GET    /api/v2/silence/{id}                             -> gettableSilence | 404
//   DELETE /api/v2/silence/{id}                             -> 200 (expired, or already was) | 404
//
// As Alertmanager 0.25 (api/v2/api.go): GET lists a silence iff, for every filter matcher, the
// silence has a matcher of the same name, operator and value (CheckSilenceMatchesFilterLabels),
// ordered active (endsAt ascending), pending (startsAt ascending), expired (endsAt descending)
// (SortSilences). POST with an id updates or replaces that silence (Silencer::Upsert) and answers
// the id it ends up with. Filters take any label name (matcher.h), quoted or not.
//
// Errors are 400 (bad body, validation) or 404 with a JSON string body, as Alertmanager answers
// (Alertmanager answers a missing required field 422; Quell 400, ADR 0054). "Now" (silence
// states, updates, expiry) is the injected Clock's time. Thread-safe (the Silencer is).
// `*silencer` and `*clock` must outlive the object.
#ifndef QUELL_SERVER_SILENCES_API_H_
#define QUELL_SERVER_SILENCES_API_H_

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/http_message.h"
#include "correlate/silencer.h"
#include "server/router.h"

namespace quell::server {

class SilencesApi {
 public:
  SilencesApi(correlate::Silencer* silencer, const core::Clock* clock) : silencer_(silencer), clock_(clock) {}

  core::HttpResponse List(const core::HttpRequest& req) const;
  core::HttpResponse Post(const core::HttpRequest& req) const;
  core::HttpResponse Get(const core::HttpRequest& req) const;
  core::HttpResponse Delete(const core::HttpRequest& req) const;

  // Registers the four routes above. `this` must outlive the router.
  [[nodiscard]] absl::Status Register(Router* router) const;

 private:
  correlate::Silencer* silencer_;
  const core::Clock* clock_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_SILENCES_API_H_
