#include "app/gate_wait_command.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "core/duration.h"
#include "fmt/format.h"
#include "simdjson.h"

namespace quell::app {
namespace {

// The API base URL: http:// or https://, host, optional port and path prefix.
absl::StatusOr<std::string> BaseUrl(std::string_view url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return absl::InvalidArgumentError(fmt::format("--url: expected http:// or https://, got \"{}\"", url));
  }
  std::string base(url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  const size_t authority = base.find("://") + 3;
  if (authority >= base.size() || base[authority] == '/' || base[authority] == ':') {
    return absl::InvalidArgumentError("--url: missing host");
  }
  return base;
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct Response {
  int status = 0;
  std::string body;
};

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > (8u << 20)) return 0;  // Aborts: no gate verdict is that large.
  body->append(data, size * n);
  return size * n;
}

// One GET with libcurl (http or https; certificates verified against `ca_file`, else the system
// trust store). Transport failures are Unavailable (retried by the caller).
absl::StatusOr<Response> HttpGet(const std::string& url, const std::string& token, const std::string& ca_file,
                                 absl::Duration timeout) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  Response r;
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!token.empty()) headers = curl_slist_append(headers, fmt::format("Authorization: Bearer {}", token).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "quell-gate-wait");
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
  if (!ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca_file.c_str());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return absl::UnavailableError(fmt::format("{}", error[0] != 0 ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  r.status = static_cast<int>(status);
  return r;
}

// Reads an optional field: a missing or mistyped one keeps the default.
void Try(simdjson::error_code) {}

struct Decision {
  std::string verdict;
  std::string env;       // The gate's env from the answer (empty when it has none).
  std::string summary;   // One line.
  std::string evidence;  // Multi-line, per indicator.
};

std::string FormatValue(std::string_view type, double v) {
  if (type == "error_rate") return fmt::format("{:.3g}%", v * 100);
  if (type == "latency") return v >= 1e9 ? fmt::format("{:.3g}s", v / 1e9) : fmt::format("{:.3g}ms", v / 1e6);
  return fmt::format("{:.4g}", v);
}

absl::StatusOr<Decision> ParseVerdict(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("answer is not JSON");
  }
  Decision d;
  std::string_view verdict;
  if (root["verdict"].get_string().get(verdict) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("answer has no verdict");
  }
  d.verdict = std::string(verdict);
  std::string_view env;
  if (root["env"].get_string().get(env) == simdjson::SUCCESS) d.env = std::string(env);
  double score = 0;
  const bool has_score = root["score"].get_double().get(score) == simdjson::SUCCESS;
  std::string first_reason;
  simdjson::dom::array reasons;
  if (root["reasons"].get_array().get(reasons) == simdjson::SUCCESS) {
    for (simdjson::dom::element r : reasons) {
      std::string_view s;
      if (r.get_string().get(s) != simdjson::SUCCESS) continue;
      if (first_reason.empty()) first_reason = std::string(s);
      d.evidence += fmt::format("  reason: {}\n", s);
    }
  }
  d.summary = fmt::format("verdict={} score={}{}{}", d.verdict, has_score ? fmt::format("{:.0f}", score) : "-",
                          first_reason.empty() ? "" : " reason: ", first_reason);
  simdjson::dom::array indicators;
  if (root["indicators"].get_array().get(indicators) == simdjson::SUCCESS) {
    for (simdjson::dom::element ind : indicators) {
      std::string_view name, type, iv;
      Try(ind["name"].get_string().get(name));
      Try(ind["type"].get_string().get(type));
      Try(ind["verdict"].get_string().get(iv));
      auto side = [&](const char* key) {
        double v = 0;
        uint64_t n = 0;
        Try(ind[key]["samples"].get_uint64().get(n));
        if (ind[key]["value"].get_double().get(v) != simdjson::SUCCESS) return fmt::format("- (n={})", n);
        return fmt::format("{} (n={})", FormatValue(type, v), n);
      };
      double p = 1, effect = 0;
      Try(ind["statistic"]["p_value"].get_double().get(p));
      const bool has_effect = ind["effect"].get_double().get(effect) == simdjson::SUCCESS;
      d.evidence += fmt::format("  {:<16} {:<8} baseline {:<22} canary {:<22} effect {:<8} p={:.3g}\n", name, iv,
                                side("baseline"), side("canary"), has_effect ? fmt::format("{:.3g}x", effect) : "-", p);
    }
  }
  return d;
}

// The "error" of a JSON error answer ({"error":"..."}, what API tokens refuse with), or empty.
std::string ErrorOf(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  std::string_view error;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS ||
      root["error"].get_string().get(error) != simdjson::SUCCESS) {
    return {};
  }
  return std::string(error);
}

}  // namespace

int RunGateWait(const GateWaitOptions& o) {
  std::FILE* out = o.out != nullptr ? o.out : stdout;
  std::FILE* err = o.err != nullptr ? o.err : stderr;
  const core::Clock* clock = o.clock != nullptr ? o.clock : core::SystemClock::Get();
  auto sleep = o.sleep ? o.sleep : [](absl::Duration d) { absl::SleepFor(d); };
  if (o.service.empty() || o.version.empty()) {
    fmt::print(err, "quell gate wait: --service and --version are required\n");
    return 2;
  }
  if (o.interval <= absl::ZeroDuration() || o.timeout <= absl::ZeroDuration()) {
    fmt::print(err, "quell gate wait: --interval and --timeout must be positive\n");
    return 2;
  }
  auto base = BaseUrl(o.url);
  if (!base.ok()) {
    fmt::print(err, "quell gate wait: {}\n", std::string(base.status().message()));
    return 2;
  }
  std::string target = fmt::format("{}/api/v1/gates/{}?version={}", *base, PercentEncode(o.service),
                                   PercentEncode(o.version));
  if (!o.env.empty()) target += "&env=" + PercentEncode(o.env);
  if (!o.gate.empty()) target += "&gate=" + PercentEncode(o.gate);
  std::string token;
  if (!o.token_env.empty()) {
    if (const char* t = std::getenv(o.token_env.c_str())) token = t;
  }
  if (token.empty() && o.token_env_given) {
    fmt::print(err, "quell gate wait: warning: --token-env {}: ${} is not set (or empty); polling without a token\n",
               o.token_env, o.token_env);
  }
  auto seconds = [](absl::Duration d) { return core::DurationToString(absl::Trunc(d, absl::Seconds(1))); };
  const core::WallTime start = clock->Now();
  const absl::Duration request_timeout = std::min(std::max(o.interval, absl::Seconds(1)), absl::Seconds(30));
  for (;;) {
    const std::string when = seconds(clock->Now() - start);
    auto resp = HttpGet(target, token, o.ca_file, request_timeout);
    if (!resp.ok()) {
      fmt::print(err, "[{}] {}: {} (retrying)\n", when, o.url, std::string(resp.status().message()));
    } else if (resp->status == 401 || resp->status == 403) {
      // The token is missing, unknown or lacks the scope: waiting will not help.
      const std::string why = ErrorOf(resp->body);
      const std::string which = o.token_env.empty() ? std::string("no token: --token-env is empty")
                                : token.empty()       ? fmt::format("no token: ${} is not set", o.token_env)
                                                      : fmt::format("the token in ${}", o.token_env);
      fmt::print(err, "quell gate wait: HTTP {}: authorization failed{}{} ({}): giving up\n", resp->status,
                 why.empty() ? "" : ": ", why, which);
      return 2;
    } else {
      auto d = ParseVerdict(resp->body);
      // 404/400: no such gate or bad parameters. Waiting will not help.
      const bool give_up = resp->status == 404 || resp->status == 400;
      if (!d.ok()) {
        if (give_up) {
          fmt::print(err, "quell gate wait: HTTP {}: {}: giving up\n", resp->status, std::string(d.status().message()));
          return 2;
        }
        fmt::print(err, "[{}] HTTP {}: {} (retrying)\n", when, resp->status, std::string(d.status().message()));
      } else {
        fmt::print(out, "[{}] {} {}: {}\n", when, o.service, o.version, d->summary);
        std::fflush(out);
        if (give_up && d->verdict != "pass" && d->verdict != "fail") {
          fmt::print(err, "quell gate wait: HTTP {}: giving up\n", resp->status);
          return 2;
        }
        if (d->verdict == "pass" || d->verdict == "fail" || d->verdict == "inconclusive") {
          // The env the gate answered for (the gate's or the deployment's when --env is not given).
          const std::string& env = !d->env.empty() ? d->env : o.env;
          fmt::print(out, "{} {}{}: {}\n{}", o.service, o.version, env.empty() ? "" : fmt::format(" ({})", env),
                     d->verdict, d->evidence);
          std::fflush(out);
          return d->verdict == "pass" ? 0 : d->verdict == "fail" ? 1 : 2;
        }
      }
    }
    // The last poll falls on the deadline, not up to one interval before it.
    const absl::Duration elapsed = clock->Now() - start;
    if (elapsed >= o.timeout) {
      fmt::print(err, "quell gate wait: timed out after {} (--timeout {}) without a decision\n", seconds(elapsed),
                 core::DurationToString(o.timeout));
      return 2;
    }
    sleep(std::min(o.interval, o.timeout - elapsed));
  }
}

CLI::App* RegisterGateWaitCommand(CLI::App* gate, GateWaitOptions* o) {
  CLI::App* wait = gate->add_subcommand("wait", "Poll a deploy gate until it decides (exit 0 pass, 1 fail, 2 other)");
  wait->add_option("--service", o->service, "Service the gate guards")->required();
  wait->add_option("--version", o->version, "Canary (green) version")->required();
  wait->add_option("--env", o->env, "Environment (default: the gate's)");
  wait->add_option("--gate", o->gate, "Gate name (default: the gate covering the service)");
  wait->add_option("--url", o->url, "Quell API base URL (http:// or https://)")->capture_default_str();
  wait->add_option("--cacert", o->ca_file, "CA certificates (PEM) to verify an https:// Quell (default: system store)");
  auto duration = [](std::string flag, absl::Duration* target) {
    return [flag, target](const std::string& text) {
      auto d = core::ParseDuration(text);
      if (!d.ok()) throw CLI::ValidationError(flag, std::string(d.status().message()));
      *target = *d;
    };
  };
  wait->add_option_function<std::string>("--timeout", duration("--timeout", &o->timeout),
                                          "Give up after this long (default 15m)");
  wait->add_option_function<std::string>("--interval", duration("--interval", &o->interval),
                                         "Poll interval (default 10s)");
  wait->add_option_function<std::string>(
          "--token-env",
          [o](const std::string& name) {
            o->token_env = name;
            o->token_env_given = true;
          },
          "Environment variable holding an API bearer token (warns when given and not set)")
      ->default_str(o->token_env);
  return wait;
}

}  // namespace quell::app
