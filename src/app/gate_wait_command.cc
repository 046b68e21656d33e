#include "app/gate_wait_command.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "core/duration.h"
#include "fmt/format.h"
#include "simdjson.h"

namespace quell::app {
namespace {

struct Url {
  std::string host;
  std::string port = "80";
  std::string prefix;  // Path prefix without trailing slash.
};

absl::StatusOr<Url> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(fmt::format("--url: only http:// URLs are supported, got \"{}\"", url));
  }
  url.remove_prefix(kScheme.size());
  Url u;
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) u.prefix = std::string(url.substr(slash));
  while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  if (!authority.empty() && authority.front() == '[') {  // [::1]:9797
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("--url: bad IPv6 address");
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = std::string(authority.substr(close + 2));
  } else {
    const size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty() || u.port.empty()) return absl::InvalidArgumentError("--url: missing host or port");
  return u;
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

// Removes chunked transfer encoding from `body`.
std::string Dechunk(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    const size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) break;
    const size_t n = std::strtoul(std::string(body.substr(0, eol)).c_str(), nullptr, 16);
    if (n == 0) break;
    body.remove_prefix(eol + 2);
    out.append(body.substr(0, n));
    body.remove_prefix(std::min(body.size(), n + 2));
  }
  return out;
}

// One blocking HTTP/1.1 GET with Connection: close.
absl::StatusOr<Response> HttpGet(const Url& url, const std::string& target, const std::string& token,
                                 absl::Duration timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &res); rc != 0) {
    return absl::UnavailableError(fmt::format("resolve {}: {}", url.host, gai_strerror(rc)));
  }
  int fd = -1;
  std::string last_error = "no address";
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(absl::ToInt64Seconds(timeout));
  tv.tv_usec = static_cast<suseconds_t>(absl::ToInt64Microseconds(timeout) % 1000000);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));  // Also bounds connect() on Linux.
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    last_error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return absl::UnavailableError(fmt::format("connect {}:{}: {}", url.host, url.port, last_error));
  std::string req = fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nAccept: application/json\r\nUser-Agent: quell-gate-wait\r\n"
                                "Connection: close\r\n",
                                target, url.host, url.port);
  if (!token.empty()) req += fmt::format("Authorization: Bearer {}\r\n", token);
  req += "\r\n";
  for (size_t sent = 0; sent < req.size();) {
    const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return absl::UnavailableError(fmt::format("send to {}:{}: {}", url.host, url.port, std::strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n < 0) {
      ::close(fd);
      return absl::UnavailableError(fmt::format("read from {}:{}: {}", url.host, url.port, std::strerror(errno)));
    }
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > (8u << 20)) break;
  }
  ::close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
    return absl::UnavailableError(fmt::format("{}:{}: not an HTTP response", url.host, url.port));
  }
  Response r;
  const size_t sp = raw.find(' ');
  r.status = std::atoi(raw.c_str() + sp + 1);
  std::string head = raw.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.body = raw.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) r.body = Dechunk(r.body);
  return r;
}

// Reads an optional field: a missing or mistyped one keeps the default.
void Try(simdjson::error_code) {}

struct Decision {
  std::string verdict;
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
  auto url = ParseUrl(o.url);
  if (!url.ok()) {
    fmt::print(err, "quell gate wait: {}\n", std::string(url.status().message()));
    return 2;
  }
  std::string target = fmt::format("{}/api/v1/gates/{}?version={}", url->prefix, PercentEncode(o.service),
                                   PercentEncode(o.version));
  if (!o.env.empty()) target += "&env=" + PercentEncode(o.env);
  if (!o.gate.empty()) target += "&gate=" + PercentEncode(o.gate);
  std::string token;
  if (!o.token_env.empty()) {
    if (const char* t = std::getenv(o.token_env.c_str())) token = t;
  }
  const core::WallTime start = clock->Now();
  const absl::Duration request_timeout = std::min(std::max(o.interval, absl::Seconds(1)), absl::Seconds(30));
  for (;;) {
    const absl::Duration elapsed = clock->Now() - start;
    const std::string when = core::DurationToString(absl::Trunc(elapsed, absl::Seconds(1)));
    auto resp = HttpGet(*url, target, token, request_timeout);
    if (!resp.ok()) {
      fmt::print(err, "[{}] {}: {} (retrying)\n", when, o.url, std::string(resp.status().message()));
    } else {
      auto d = ParseVerdict(resp->body);
      if (!d.ok()) {
        fmt::print(err, "[{}] HTTP {}: {} (retrying)\n", when, resp->status, std::string(d.status().message()));
      } else {
        fmt::print(out, "[{}] {} {}: {}\n", when, o.service, o.version, d->summary);
        std::fflush(out);
        if (resp->status == 404 || resp->status == 400 || resp->status == 401 || resp->status == 403) {
          // 404/400: no such gate or bad parameters; 401/403: the token. Waiting will not help.
          if (d->verdict != "pass" && d->verdict != "fail") {
            fmt::print(err, "quell gate wait: HTTP {}: giving up\n", resp->status);
            return 2;
          }
        }
        if (d->verdict == "pass" || d->verdict == "fail" || d->verdict == "inconclusive") {
          fmt::print(out, "{} {} {}: {}\n{}", o.service, o.version, o.env.empty() ? "" : fmt::format("({})", o.env),
                     d->verdict, d->evidence);
          std::fflush(out);
          return d->verdict == "pass" ? 0 : d->verdict == "fail" ? 1 : 2;
        }
      }
    }
    if (clock->Now() - start + o.interval > o.timeout) {
      fmt::print(err, "quell gate wait: timed out after {} without a decision\n", core::DurationToString(o.timeout));
      return 2;
    }
    sleep(o.interval);
  }
}

CLI::App* RegisterGateWaitCommand(CLI::App* gate, GateWaitOptions* o) {
  CLI::App* wait = gate->add_subcommand("wait", "Poll a deploy gate until it decides (exit 0 pass, 1 fail, 2 other)");
  wait->add_option("--service", o->service, "Service the gate guards")->required();
  wait->add_option("--version", o->version, "Canary (green) version")->required();
  wait->add_option("--env", o->env, "Environment (default: the gate's)");
  wait->add_option("--gate", o->gate, "Gate name (default: the gate covering the service)");
  wait->add_option("--url", o->url, "Quell API base URL")->capture_default_str();
  auto duration = [](absl::Duration* target) {
    return [target](const std::string& text) {
      auto d = core::ParseDuration(text);
      if (!d.ok()) throw CLI::ValidationError(std::string(d.status().message()));
      *target = *d;
    };
  };
  wait->add_option_function<std::string>("--timeout", duration(&o->timeout), "Give up after this long (default 15m)");
  wait->add_option_function<std::string>("--interval", duration(&o->interval), "Poll interval (default 10s)");
  wait->add_option("--token-env", o->token_env, "Environment variable holding an API bearer token")
      ->capture_default_str();
  return wait;
}

}  // namespace quell::app
