#include "correlate/gates/gate_config.h"

#include <cmath>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::gates {

std::string_view IndicatorTypeName(IndicatorType t) {
  switch (t) {
    case IndicatorType::kErrorRate: return "error_rate";
    case IndicatorType::kLatency: return "latency";
    case IndicatorType::kMetric: return "metric";
  }
  return "error_rate";
}

std::string_view IndicatorSourceName(IndicatorSource s) {
  return s == IndicatorSource::kLogs ? "logs" : "spans";
}

namespace {

absl::Status ParseThresholds(const core::YamlNode& node, IndicatorType type,
                             IndicatorThresholds* out) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys("thresholds", {"absolute", "relative"}));
  if (auto abs = node.Child("absolute")) {
    if (type == IndicatorType::kLatency) {
      QUELL_ASSIGN_OR_RETURN(absl::Duration d, abs->AsDuration());
      if (d <= absl::ZeroDuration()) return abs->Error("absolute: must be a positive duration");
      out->absolute = static_cast<double>(absl::ToInt64Nanoseconds(d));
    } else {
      QUELL_ASSIGN_OR_RETURN(double v, abs->AsDouble());
      if (type == IndicatorType::kErrorRate && !(v > 0 && v < 1)) {
        return abs->Error("absolute: an error rate between 0 and 1 (exclusive)");
      }
      if (!std::isfinite(v)) return abs->Error("absolute: must be finite");
      out->absolute = v;
    }
  }
  if (auto rel = node.Child("relative")) {
    QUELL_ASSIGN_OR_RETURN(double v, rel->AsDouble());
    if (!(v > 0) || !std::isfinite(v)) return rel->Error("relative: must be a positive ratio");
    if (type != IndicatorType::kMetric && v < 1) {
      return rel->Error("relative: a tolerated ratio canary/baseline, at least 1");
    }
    out->relative = v;
  }
  return absl::OkStatus();
}

absl::StatusOr<IndicatorConfig> ParseIndicator(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "indicator", {"name", "type", "critical", "weight", "group", "source", "match", "metric",
                    "labels", "quantile", "direction", "window", "for", "thresholds"}));
  IndicatorConfig c;
  c.where = node.location();
  QUELL_RETURN_IF_ERROR(node.RequireString("name", &c.name));
  if (c.name.empty()) return node.Child("name")->Error("name: must not be empty");
  std::string type;
  QUELL_RETURN_IF_ERROR(node.RequireString("type", &type));
  if (type == "error_rate") {
    c.type = IndicatorType::kErrorRate;
  } else if (type == "latency") {
    c.type = IndicatorType::kLatency;
  } else if (type == "metric") {
    c.type = IndicatorType::kMetric;
  } else {
    return node.Child("type")->Error(
        fmt::format("type: unknown indicator type \"{}\" (allowed: error_rate, latency, metric)", type));
  }
  const bool is_metric = c.type == IndicatorType::kMetric;
  auto only = [&](std::string_view key, bool allowed, std::string_view which) -> absl::Status {
    if (auto child = node.Child(key); child && !allowed) {
      return child->Error(fmt::format("{}: only for {} indicators", key, which));
    }
    return absl::OkStatus();
  };
  QUELL_RETURN_IF_ERROR(only("source", !is_metric, "error_rate and latency"));
  QUELL_RETURN_IF_ERROR(only("match", !is_metric, "error_rate and latency"));
  QUELL_RETURN_IF_ERROR(only("metric", is_metric, "metric"));
  QUELL_RETURN_IF_ERROR(only("labels", is_metric, "metric"));
  QUELL_RETURN_IF_ERROR(only("direction", is_metric, "metric"));
  QUELL_RETURN_IF_ERROR(only("window", is_metric, "metric"));
  QUELL_RETURN_IF_ERROR(only("for", is_metric, "metric"));
  QUELL_RETURN_IF_ERROR(only("quantile", c.type == IndicatorType::kLatency, "latency"));

  QUELL_RETURN_IF_ERROR(node.ReadBool("critical", &c.critical));
  QUELL_RETURN_IF_ERROR(node.ReadDouble("weight", &c.weight));
  if (auto w = node.Child("weight"); w && !(c.weight > 0 && std::isfinite(c.weight))) {
    return w->Error("weight: must be a positive number");
  }
  c.group = std::string(IndicatorTypeName(c.type));
  QUELL_RETURN_IF_ERROR(node.ReadString("group", &c.group));
  if (auto s = node.Child("source")) {
    QUELL_ASSIGN_OR_RETURN(std::string source, s->AsString());
    if (source == "spans") {
      c.source = IndicatorSource::kSpans;
    } else if (source == "logs") {
      c.source = IndicatorSource::kLogs;
    } else {
      return s->Error(fmt::format("source: unknown source \"{}\" (allowed: spans, logs)", source));
    }
    if (c.type == IndicatorType::kLatency && c.source == IndicatorSource::kLogs) {
      return s->Error("source: latency indicators read spans only");
    }
  }
  if (auto m = node.Child("match")) {
    QUELL_RETURN_IF_ERROR(m->CheckKeys("match", {"name", "labels"}));
    QUELL_RETURN_IF_ERROR(m->ReadString("name", &c.match_name));
    if (auto l = m->Child("labels")) {
      QUELL_ASSIGN_OR_RETURN(c.match_labels, l->AsStringMap());
    }
  }
  if (is_metric) {
    QUELL_RETURN_IF_ERROR(node.RequireString("metric", &c.metric));
    if (c.metric.empty()) return node.Child("metric")->Error("metric: must not be empty");
    if (auto l = node.Child("labels")) {
      QUELL_ASSIGN_OR_RETURN(c.match_labels, l->AsStringMap());
    }
    if (auto d = node.Child("direction")) {
      QUELL_ASSIGN_OR_RETURN(std::string dir, d->AsString());
      if (dir == "increase") {
        c.direction = Direction::kIncrease;
      } else if (dir == "decrease") {
        c.direction = Direction::kDecrease;
      } else {
        return d->Error(fmt::format("direction: \"{}\" (allowed: increase, decrease)", dir));
      }
    }
    QUELL_RETURN_IF_ERROR(node.ReadDuration("window", &c.window));
    QUELL_RETURN_IF_ERROR(node.ReadDuration("for", &c.for_duration));
    if (c.window <= absl::ZeroDuration()) return node.Child("window")->Error("window: must be positive");
    if (c.for_duration < absl::ZeroDuration()) return node.Child("for")->Error("for: must not be negative");
  }
  if (auto q = node.Child("quantile")) {
    QUELL_RETURN_IF_ERROR(node.ReadDouble("quantile", &c.quantile));
    if (!(c.quantile > 0 && c.quantile < 1)) return q->Error("quantile: must be between 0 and 1 (exclusive)");
  }
  if (auto t = node.Child("thresholds")) {
    QUELL_RETURN_IF_ERROR(ParseThresholds(*t, c.type, &c.thresholds));
  }
  if (is_metric && !c.thresholds.absolute && !c.thresholds.relative) {
    return node.Error(fmt::format("indicator \"{}\": a metric indicator needs thresholds.absolute "
                                  "or thresholds.relative", c.name));
  }
  return c;
}

std::vector<IndicatorConfig> DefaultIndicators(const core::SourceLocation& where) {
  IndicatorConfig errors;
  errors.name = "errors";
  errors.type = IndicatorType::kErrorRate;
  errors.critical = true;
  errors.group = "error_rate";
  errors.where = where;
  IndicatorConfig latency;
  latency.name = "latency_p99";
  latency.type = IndicatorType::kLatency;
  latency.critical = true;
  latency.quantile = 0.99;
  latency.group = "latency";
  latency.where = where;
  return {errors, latency};
}

absl::StatusOr<GateConfig> ParseGate(const core::YamlNode& node) {
  QUELL_RETURN_IF_ERROR(node.CheckKeys(
      "gate", {"name", "service", "env", "indicators", "group_weights", "min_samples",
               "min_duration", "max_duration", "interval", "lateness", "staleness", "alpha",
               "score"}));
  GateConfig g;
  g.where = node.location();
  QUELL_RETURN_IF_ERROR(node.RequireString("service", &g.service));
  if (g.service.empty()) return node.Child("service")->Error("service: must not be empty");
  g.name = g.service == "*" ? "default" : g.service;
  QUELL_RETURN_IF_ERROR(node.ReadString("name", &g.name));
  if (g.name.empty()) return node.Child("name")->Error("name: must not be empty");
  QUELL_RETURN_IF_ERROR(node.ReadString("env", &g.env));
  QUELL_RETURN_IF_ERROR(node.ReadInt("min_samples", &g.min_samples));
  if (g.min_samples < 0) return node.Child("min_samples")->Error("min_samples: must not be negative");
  QUELL_RETURN_IF_ERROR(node.ReadDuration("min_duration", &g.min_duration));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("max_duration", &g.max_duration));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("interval", &g.interval));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("lateness", &g.lateness));
  QUELL_RETURN_IF_ERROR(node.ReadDuration("staleness", &g.staleness));
  QUELL_RETURN_IF_ERROR(node.ReadDouble("alpha", &g.alpha));
  if (g.interval < absl::Seconds(1)) return node.Child("interval")->Error("interval: at least 1s");
  if (g.max_duration <= absl::ZeroDuration()) {
    return node.Child("max_duration")->Error("max_duration: must be positive");
  }
  if (g.min_duration > g.max_duration) {
    auto n = node.Child("min_duration") ? node.Child("min_duration") : node.Child("max_duration");
    return n->Error("min_duration: must not exceed max_duration");
  }
  if (g.staleness < g.interval) {
    auto n = node.Child("staleness") ? node.Child("staleness") : node.Child("interval");
    return n->Error("staleness: must be at least one interval");
  }
  if (auto a = node.Child("alpha"); a && !(g.alpha > 0 && g.alpha <= 0.5)) {
    return a->Error("alpha: must be in (0, 0.5]");
  }
  if (auto s = node.Child("score")) {
    QUELL_RETURN_IF_ERROR(s->CheckKeys("score", {"pass", "marginal"}));
    QUELL_RETURN_IF_ERROR(s->ReadDouble("pass", &g.score.pass));
    QUELL_RETURN_IF_ERROR(s->ReadDouble("marginal", &g.score.marginal));
    if (!(g.score.marginal >= 0 && g.score.marginal <= g.score.pass && g.score.pass <= 100)) {
      return s->Error("score: need 0 <= marginal <= pass <= 100");
    }
  }
  if (auto list = node.Child("indicators")) {
    QUELL_RETURN_IF_ERROR(list->ExpectSequence("indicators"));
    for (const core::YamlNode& item : list->Items()) {
      QUELL_ASSIGN_OR_RETURN(IndicatorConfig ind, ParseIndicator(item));
      for (const IndicatorConfig& other : g.indicators) {
        if (other.name == ind.name) {
          return item.Child("name")->Error(fmt::format("name: indicator \"{}\" is defined twice "
                                                       "(first at {})", ind.name, other.where.ToString()));
        }
      }
      g.indicators.push_back(std::move(ind));
    }
    if (g.indicators.empty()) return list->Error("indicators: list is empty");
  } else {
    g.indicators = DefaultIndicators(g.where);
  }
  if (auto gw = node.Child("group_weights")) {
    QUELL_RETURN_IF_ERROR(gw->ExpectMap("group_weights"));
    for (const core::YamlEntry& e : gw->Entries()) {
      QUELL_ASSIGN_OR_RETURN(double w, e.value.AsDouble());
      if (!(w >= 0 && std::isfinite(w))) return e.value.Error("group_weights: must be >= 0");
      bool used = false;
      for (const IndicatorConfig& ind : g.indicators) used = used || ind.group == e.key;
      if (!used) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: group_weights: no indicator is in group \"{}\"", e.key_location.ToString(), e.key));
      }
      g.group_weights.emplace_back(e.key, w);
    }
  }
  return g;
}

}  // namespace

absl::StatusOr<GatesConfig> ParseGatesConfig(const core::YamlNode& root) {
  GatesConfig config;
  auto list = root.Child("gates");
  if (!list || list->IsNull()) return config;
  QUELL_RETURN_IF_ERROR(list->ExpectSequence("gates"));
  for (const core::YamlNode& item : list->Items()) {
    QUELL_ASSIGN_OR_RETURN(GateConfig gate, ParseGate(item));
    for (const GateConfig& other : config.gates) {
      if (other.name == gate.name) {
        auto at = item.Child("name") ? *item.Child("name") : item;
        return at.Error(fmt::format("name: gate \"{}\" is defined twice (first at {})", gate.name,
                                    other.where.ToString()));
      }
    }
    config.gates.push_back(std::move(gate));
  }
  return config;
}

std::vector<std::string> GatesConfigWarnings(const GatesConfig& config) {
  std::vector<std::string> out;
  for (size_t i = 0; i < config.gates.size(); ++i) {
    const GateConfig& g = config.gates[i];
    for (size_t j = 0; j < i; ++j) {
      const GateConfig& first = config.gates[j];
      if (first.service != g.service) continue;
      if (!first.env.empty() && !g.env.empty() && first.env != g.env) continue;
      const std::string env = !g.env.empty() ? g.env : first.env;
      out.push_back(fmt::format(
          "{}: gate \"{}\" guards service \"{}\"{} like gate \"{}\" (at {}): a query without gate= gets \"{}\", "
          "and both track the same canaries",
          g.where.ToString(), g.name, g.service, env.empty() ? "" : fmt::format(" in env \"{}\"", env), first.name,
          first.where.ToString(), first.name));
      break;
    }
  }
  return out;
}

}  // namespace quell::gates
