// src/correlate/gates/attributed_incident.h
//
// AttributedIncident: an incident open/close event that the engine attributed to a deploy, as the
// app hands it to GateEvaluator::OnIncident. A paging incident attributed to a canary version
// fails that version's gate (and the failure stays: closing the incident does not undo it).
// Plain value.
#ifndef QUELL_CORRELATE_GATES_ATTRIBUTED_INCIDENT_H_
#define QUELL_CORRELATE_GATES_ATTRIBUTED_INCIDENT_H_

#include <string>

#include "core/event_time.h"
#include "core/notification.h"
#include "core/severity.h"

namespace quell::gates {

struct AttributedIncident {
  std::string incident_id;         // Quell's incident id; events for one incident share it.
  bool open = true;                // false: the incident resolved.
  bool paging = true;              // It paged (or would page) a human.
  core::Severity severity = core::Severity::kUnknown;
  core::AttributedDeploy deploy;   // service, version, env (empty env matches any).
  core::EventTime time;            // When it opened (or closed).
  std::string summary;             // One line; no secrets (it is echoed in gate reasons).
};

}  // namespace quell::gates

#endif  // QUELL_CORRELATE_GATES_ATTRIBUTED_INCIDENT_H_
