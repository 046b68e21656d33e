// src/app/gate_wait_command.h
//
// `quell gate wait`: polls a running Quell's gate API until the gate decides, for deploy
// pipelines that cannot host a webhook:
//
//   quell gate wait --service checkout --version v2 [--env prod] [--gate NAME]
//                   [--url http://127.0.0.1:9797] [--timeout 15m] [--interval 10s]
//                   [--token-env QUELL_API_TOKEN] [--cacert ca.pem]
//
// Each poll is GET <url>/api/v1/gates/<service>?version=&env=&gate= and prints one line
// (elapsed, verdict, score, first reason). Exit status: 0 pass, 1 fail, 2 inconclusive, timeout,
// unknown gate (404), bad parameters (400), authorization failure (401, 403) or bad usage (`quell`
// maps every CLI11 usage error to 2); on a decision it prints the evidence per indicator and the
// env the gate answered for. Transport errors (Quell restarting, a refused connection) and other
// answers without a verdict are retried until the timeout; the last poll falls on the deadline.
// http:// or https:// (libcurl; the server certificate is verified against --cacert, else the
// system trust store). The bearer token, if any, is read from the named environment variable and
// never printed; an explicit --token-env naming an unset or empty variable prints a warning.
//
// RunGateWait blocks the calling thread; time is injected (clock, sleep) so tests never sleep.
#ifndef QUELL_APP_GATE_WAIT_COMMAND_H_
#define QUELL_APP_GATE_WAIT_COMMAND_H_

#include <cstdio>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "core/clock.h"

namespace CLI {
class App;
}  // namespace CLI

namespace quell::app {

struct GateWaitOptions {
  std::string service;                       // Required.
  std::string version;                       // Required.
  std::string env;                           // Optional: the gate's env otherwise.
  std::string gate;                          // Optional: a gate by name.
  std::string url = "http://127.0.0.1:9797";  // Quell's API base URL (http[s]://host[:port][/prefix]).
  std::string ca_file;                        // PEM CA bundle for https (empty: the system's).
  absl::Duration timeout = absl::Minutes(15);
  absl::Duration interval = absl::Seconds(10);
  std::string token_env = "QUELL_API_TOKEN";  // Environment variable holding a bearer token.
  bool token_env_given = false;               // --token-env was given: warn when its variable is unset.
  // Injected for tests; defaults: the system clock, absl::SleepFor, stdout, stderr.
  const core::Clock* clock = nullptr;
  std::function<void(absl::Duration)> sleep;
  std::FILE* out = nullptr;
  std::FILE* err = nullptr;
};

// Exit status: 0 pass, 1 fail, 2 inconclusive / timeout / unknown gate / authorization failure /
// bad options.
int RunGateWait(const GateWaitOptions& options);

// Adds the `wait` subcommand with its flags to `gate` (the `quell gate` subcommand) and returns it.
// `*options` must outlive parsing; after CLI11 parsed, `if (*wait) return RunGateWait(*options);`.
CLI::App* RegisterGateWaitCommand(CLI::App* gate, GateWaitOptions* options);

}  // namespace quell::app

#endif  // QUELL_APP_GATE_WAIT_COMMAND_H_
