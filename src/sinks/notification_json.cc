// src/sinks/notification_json.cc
#include "sinks/notification_json.h"

#include <utility>
#include <vector>

#include "core/event_time.h"
#include "core/severity.h"
#include "core/status_macros.h"
#include "fmt/format.h"
#include "simdjson.h"
#include "core/json_writer.h"

namespace quell::sinks {
namespace {

// RFC 3339 UTC with nanoseconds trimmed of trailing zeros, byte-identical to core::FormatRfc3339
// but without absl::FormatTime's time-zone machinery (the outbox encodes ~3 times per record).
std::string_view FastRfc3339(int64_t ns, char (&buf)[40]) {
  int64_t secs = ns / 1000000000, frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  auto put = [&](char* p, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(buf, y, 4);
  buf[4] = '-';
  put(buf + 5, m, 2);
  buf[7] = '-';
  put(buf + 8, d, 2);
  buf[10] = 'T';
  put(buf + 11, rem / 3600, 2);
  buf[13] = ':';
  put(buf + 14, rem / 60 % 60, 2);
  buf[16] = ':';
  put(buf + 17, rem % 60, 2);
  size_t n = 19;
  if (frac != 0) {
    buf[n++] = '.';
    put(buf + n, frac, 9);
    n += 9;
    while (buf[n - 1] == '0') --n;
  }
  buf[n++] = 'Z';
  return std::string_view(buf, n);
}

constexpr std::string_view kAbsentTime = "0001-01-01T00:00:00Z";

void Time(core::JsonWriter& w, std::string_view key, core::EventTime t) {
  w.Key(key);
  int64_t ns = t.unix_nanos();
  if (ns == 0) {  // Absent (a firing alert's ends_at): Go's zero time, as Alertmanager writes it.
    w.String(kAbsentTime);
    return;
  }
  if (ns < 0) {  // Before 1970: the general path.
    w.String(core::FormatRfc3339(t.ToAbsl()));
    return;
  }
  char buf[40];
  w.String(FastRfc3339(ns, buf));
}

absl::Status Bad(std::string_view field) {
  return absl::InvalidArgumentError(fmt::format("notification json: bad field \"{}\"", field));
}

absl::StatusOr<std::string> Str(simdjson::dom::element e, std::string_view field) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Bad(field);
  return std::string(s);
}

absl::StatusOr<core::EventTime> TimeOf(simdjson::dom::element e, std::string_view field) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Bad(field);
  if (s == kAbsentTime) return core::EventTime();
  auto t = core::ParseRfc3339(s);
  if (!t.ok()) return Bad(field);
  return core::EventTime::FromAbsl(*t);
}

absl::StatusOr<core::LabelSet> LabelsOf(simdjson::dom::element e, std::string_view field) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return Bad(field);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto kv : o) {
    std::string_view v;
    if (kv.value.get_string().get(v) != simdjson::SUCCESS) return Bad(field);
    pairs.emplace_back(std::string(kv.key), std::string(v));
  }
  return core::LabelSet::FromPairs(std::move(pairs));
}

absl::StatusOr<uint64_t> UintOf(simdjson::dom::element e, std::string_view field) {
  uint64_t v;
  if (e.get_uint64().get(v) != simdjson::SUCCESS) return Bad(field);
  return v;
}

}  // namespace

std::string_view NotificationKindName(core::NotificationKind k) {
  switch (k) {
    case core::NotificationKind::kIncident: return "incident";
    case core::NotificationKind::kStorm: return "storm";
    case core::NotificationKind::kGateVerdict: return "gate_verdict";
  }
  return "incident";
}

std::string_view NotificationStatusName(core::NotificationStatus s) {
  return s == core::NotificationStatus::kResolved ? "resolved" : "firing";
}

void AppendNotificationJson(const core::Notification& n, std::string* out) {
  core::JsonWriter w(out);
  w.BeginObject();
  w.Field("kind", NotificationKindName(n.kind));
  w.Field("status", NotificationStatusName(n.status));
  w.Field("receiver", n.receiver);
  w.Field("dedup_key", n.dedup_key);
  w.Field("incident_id", n.incident_id);
  w.Key("sequence");
  w.Uint(n.sequence);
  Time(w, "time", n.time);
  w.Field("summary", n.summary);
  w.Field("severity", core::SeverityName(n.severity));
  w.Field("group_key", n.group_key);
  w.Key("group_labels");
  w.Labels(n.group_labels.view());
  w.Key("common_labels");
  w.Labels(n.common_labels.view());
  w.Key("common_annotations");
  w.Labels(n.common_annotations.view());
  w.Key("alerts");
  w.BeginArray();
  for (const auto& a : n.alerts) {
    w.BeginObject();
    w.Key("labels");
    w.Labels(a.labels.view());
    w.Key("annotations");
    w.Labels(a.annotations.view());
    Time(w, "starts_at", a.starts_at);
    Time(w, "ends_at", a.ends_at);
    w.Key("resolved");
    w.Bool(a.resolved);
    w.Field("generator_url", a.generator_url);
    w.Field("fingerprint", a.fingerprint);
    w.EndObject();
  }
  w.EndArray();
  w.Key("truncated_alerts");
  w.Uint(n.truncated_alerts);
  w.Key("firing_count");
  w.Uint(n.firing_count);
  w.Key("resolved_count");
  w.Uint(n.resolved_count);
  w.Field("root_cause_service", n.root_cause_service);
  w.Key("impacted_services");
  w.BeginArray();
  for (const auto& s : n.impacted_services) w.String(s);
  w.EndArray();
  if (n.deploy) {
    w.Key("deploy");
    w.BeginObject();
    w.Field("service", n.deploy->service);
    w.Field("version", n.deploy->version);
    w.Field("env", n.deploy->env);
    Time(w, "time", n.deploy->time);
    w.Field("link", n.deploy->link);
    w.EndObject();
  }
  w.Field("runbook", n.runbook);
  w.Field("runbook_url", n.runbook_url);
  w.Field("external_url", n.external_url);
  if (!n.gate_verdict_json.empty()) w.Field("gate_verdict_json", n.gate_verdict_json);
  w.EndObject();
}

std::string NotificationToJson(const core::Notification& n) {
  std::string s;
  s.reserve(1024);
  AppendNotificationJson(n, &s);
  return s;
}

absl::StatusOr<core::Notification> NotificationFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  simdjson::padded_string padded(json);
  if (parser.parse(padded).get_object().get(root) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("notification json: malformed");
  }
  core::Notification n;
  for (auto kv : root) {
    std::string_view k = kv.key;
    auto v = kv.value;
    if (k == "kind") {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return Bad(k);
      if (s == "incident") n.kind = core::NotificationKind::kIncident;
      else if (s == "storm") n.kind = core::NotificationKind::kStorm;
      else if (s == "gate_verdict") n.kind = core::NotificationKind::kGateVerdict;
      else return Bad(k);
    } else if (k == "status") {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return Bad(k);
      n.status = s == "resolved" ? core::NotificationStatus::kResolved : core::NotificationStatus::kFiring;
    } else if (k == "receiver") {
      QUELL_ASSIGN_OR_RETURN(n.receiver, Str(v, k));
    } else if (k == "dedup_key") {
      QUELL_ASSIGN_OR_RETURN(n.dedup_key, Str(v, k));
    } else if (k == "incident_id") {
      QUELL_ASSIGN_OR_RETURN(n.incident_id, Str(v, k));
    } else if (k == "sequence") {
      QUELL_ASSIGN_OR_RETURN(n.sequence, UintOf(v, k));
    } else if (k == "time") {
      QUELL_ASSIGN_OR_RETURN(n.time, TimeOf(v, k));
    } else if (k == "summary") {
      QUELL_ASSIGN_OR_RETURN(n.summary, Str(v, k));
    } else if (k == "severity") {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return Bad(k);
      if (!core::ParseSeverityName(s, &n.severity)) return Bad(k);
    } else if (k == "group_key") {
      QUELL_ASSIGN_OR_RETURN(n.group_key, Str(v, k));
    } else if (k == "group_labels") {
      QUELL_ASSIGN_OR_RETURN(n.group_labels, LabelsOf(v, k));
    } else if (k == "common_labels") {
      QUELL_ASSIGN_OR_RETURN(n.common_labels, LabelsOf(v, k));
    } else if (k == "common_annotations") {
      QUELL_ASSIGN_OR_RETURN(n.common_annotations, LabelsOf(v, k));
    } else if (k == "alerts") {
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return Bad(k);
      for (auto item : arr) {
        simdjson::dom::object ao;
        if (item.get_object().get(ao) != simdjson::SUCCESS) return Bad(k);
        core::NotifiedAlert a;
        for (auto akv : ao) {
          std::string_view ak = akv.key;
          if (ak == "labels") {
            QUELL_ASSIGN_OR_RETURN(a.labels, LabelsOf(akv.value, ak));
          } else if (ak == "annotations") {
            QUELL_ASSIGN_OR_RETURN(a.annotations, LabelsOf(akv.value, ak));
          } else if (ak == "starts_at") {
            QUELL_ASSIGN_OR_RETURN(a.starts_at, TimeOf(akv.value, ak));
          } else if (ak == "ends_at") {
            QUELL_ASSIGN_OR_RETURN(a.ends_at, TimeOf(akv.value, ak));
          } else if (ak == "resolved") {
            if (akv.value.get_bool().get(a.resolved) != simdjson::SUCCESS) return Bad(ak);
          } else if (ak == "generator_url") {
            QUELL_ASSIGN_OR_RETURN(a.generator_url, Str(akv.value, ak));
          } else if (ak == "fingerprint") {
            QUELL_ASSIGN_OR_RETURN(a.fingerprint, Str(akv.value, ak));
          }
        }
        n.alerts.push_back(std::move(a));
      }
    } else if (k == "truncated_alerts") {
      QUELL_ASSIGN_OR_RETURN(uint64_t x, UintOf(v, k));
      n.truncated_alerts = static_cast<uint32_t>(x);
    } else if (k == "firing_count") {
      QUELL_ASSIGN_OR_RETURN(uint64_t x, UintOf(v, k));
      n.firing_count = static_cast<uint32_t>(x);
    } else if (k == "resolved_count") {
      QUELL_ASSIGN_OR_RETURN(uint64_t x, UintOf(v, k));
      n.resolved_count = static_cast<uint32_t>(x);
    } else if (k == "root_cause_service") {
      QUELL_ASSIGN_OR_RETURN(n.root_cause_service, Str(v, k));
    } else if (k == "impacted_services") {
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return Bad(k);
      for (auto item : arr) {
        QUELL_ASSIGN_OR_RETURN(std::string s, Str(item, k));
        n.impacted_services.push_back(std::move(s));
      }
    } else if (k == "deploy") {
      simdjson::dom::object d;
      if (v.get_object().get(d) != simdjson::SUCCESS) return Bad(k);
      core::AttributedDeploy dep;
      for (auto dkv : d) {
        std::string_view dk = dkv.key;
        if (dk == "service") {
          QUELL_ASSIGN_OR_RETURN(dep.service, Str(dkv.value, dk));
        } else if (dk == "version") {
          QUELL_ASSIGN_OR_RETURN(dep.version, Str(dkv.value, dk));
        } else if (dk == "env") {
          QUELL_ASSIGN_OR_RETURN(dep.env, Str(dkv.value, dk));
        } else if (dk == "time") {
          QUELL_ASSIGN_OR_RETURN(dep.time, TimeOf(dkv.value, dk));
        } else if (dk == "link") {
          QUELL_ASSIGN_OR_RETURN(dep.link, Str(dkv.value, dk));
        }
      }
      n.deploy = std::move(dep);
    } else if (k == "runbook") {
      QUELL_ASSIGN_OR_RETURN(n.runbook, Str(v, k));
    } else if (k == "runbook_url") {
      QUELL_ASSIGN_OR_RETURN(n.runbook_url, Str(v, k));
    } else if (k == "external_url") {
      QUELL_ASSIGN_OR_RETURN(n.external_url, Str(v, k));
    } else if (k == "gate_verdict_json") {
      QUELL_ASSIGN_OR_RETURN(n.gate_verdict_json, Str(v, k));
    }
  }
  return n;
}

}  // namespace quell::sinks
