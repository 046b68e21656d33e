// src/server/gates_api.h
//
// GatesApi: the HTTP face of deploy gates, as transport-neutral handlers on core::HttpRequest /
// core::HttpResponse (no Beast here). Routes() lists {method, path, handler} for the app to
// register into the server's Router:
//
//   GET  /api/v1/gates                      verdicts of every tracked canary (JSON array)
//   GET  /api/v1/gates/{service}            ?env=&version=&gate=  one verdict (GateVerdict JSON)
//   POST /api/v1/gates/flagger/confirm      Flagger confirm-promotion / confirm-rollout webhook:
//                                           200 only when the verdict is pass, else 403
//   POST /api/v1/gates/flagger/rollback     Flagger rollback webhook: 200 only on fail, else 403
//   POST   /api/v1/gates/{service}/override {"verdict":"pass"|"fail","reason", "env","version","gate"}:
//                                           a person's verdict replaces the computed one for that
//                                           canary until DELETE (answers the new GateVerdict JSON)
//   DELETE /api/v1/gates/{service}/override ?env=&version=&gate=  back to the computed verdict
//   POST /api/v1/deployments                register a deployment (also fanned out, see Options)
//   GET  /api/v1/deployments                list deployments the gates know
//
// Every answer is JSON, errors included ({"verdict":..., "reasons":[...], "error":...}), because
// Argo Rollouts' web metric provider counts a non-JSON body as success. The verdict endpoint
// answers 200 for every verdict (Argo reads `$.verdict`), 404 when no gate covers the service and
// 400 for bad parameters; in the error bodies `verdict` is "inconclusive", never pass or fail.
//
// Flagger mapping: service = metadata.service, else the canary `name`; env = metadata.env, else
// the `namespace`; version = metadata.version, else the latest green/canary deployment of the
// service; gate = metadata.gate (optional).
//
// Deployment JSON (POST): {"service","version" (required), "env", "color" (blue|green|baseline|
// canary), "started_at" (RFC 3339; default: now on `clock`), "link", "source" (default "api")}.
//
// Threading: handlers may run concurrently on I/O threads (GateEvaluator is thread-safe).
// `*evaluator` and `*clock` must outlive the GatesApi and every handler it returned.
#ifndef QUELL_SERVER_GATES_API_H_
#define QUELL_SERVER_GATES_API_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/deployment.h"
#include "core/http_message.h"
#include "correlate/gates/gate_evaluator.h"
#include "server/router.h"

namespace quell::server {

struct GatesRoute {
  std::string method;
  std::string path;
  core::HttpHandler handler;
  RouteOptions options;  // changes_state: deployments and overrides.
};

// Parses the POST /api/v1/deployments body. InvalidArgument "deployment: <detail>" on bad input;
// `now` fills a missing started_at. With `max_future_skew` > 0, a started_at further than that past
// `now` is bad input too (a deploy "starting" hours from now would be the newest deploy, the one
// every alert is attributed to, until then).
[[nodiscard]] absl::StatusOr<core::Deployment> ParseDeploymentJson(std::string_view body, core::EventTime now,
                                                                   absl::Duration max_future_skew = absl::ZeroDuration());
// {"id","service","env","version","color","started_at","source","link"}.
std::string DeploymentToJson(const core::Deployment& d);

class GatesApi {
 public:
  struct Options {
    // Called with every deployment accepted by POST /api/v1/deployments after the gates took it
    // (the app fans it out to the engine's deploy attribution). May be empty.
    std::function<void(const core::Deployment&)> on_deployment;
    // Called after an override was set or cleared (the app writes the audit entry): the request
    // (its X-Quell-Principal header names who), and the verdict that now applies. May be empty.
    std::function<void(const core::HttpRequest&, const gates::GateVerdict&, bool cleared)> on_override;
    // correlate.max_future_skew: a deployment whose started_at is further ahead of this server's
    // clock is refused (400). 0 = any started_at is taken.
    absl::Duration max_future_skew = absl::Minutes(15);
  };

  GatesApi(gates::GateEvaluator* evaluator, const core::Clock* clock, Options options);
  GatesApi(gates::GateEvaluator* evaluator, const core::Clock* clock)
      : GatesApi(evaluator, clock, Options()) {}

  std::vector<GatesRoute> Routes();

  core::HttpResponse GetGate(const core::HttpRequest& req);
  core::HttpResponse ListGates(const core::HttpRequest& req);
  core::HttpResponse FlaggerConfirm(const core::HttpRequest& req);
  core::HttpResponse FlaggerRollback(const core::HttpRequest& req);
  core::HttpResponse PostOverride(const core::HttpRequest& req);
  core::HttpResponse DeleteOverride(const core::HttpRequest& req);
  core::HttpResponse PostDeployment(const core::HttpRequest& req);
  core::HttpResponse ListDeployments(const core::HttpRequest& req);

 private:
  core::HttpResponse Flagger(const core::HttpRequest& req, gates::Verdict wanted);

  gates::GateEvaluator* evaluator_;
  const core::Clock* clock_;
  Options options_;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_GATES_API_H_
