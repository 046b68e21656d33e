#include "app/cli.h"

#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "core/build_info.h"

namespace quell::app {
namespace {

int NotYet(const char* what) {
  std::fprintf(stderr, "quell %s: not implemented in this build\n", what);
  return 2;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"Quell: telemetry and alert-correlation stream processor"};
  app.set_version_flag("--version", std::string("quell ") + core::kQuellVersion);
  app.require_subcommand(1);

  std::string config_path;
  CLI::App* run = app.add_subcommand("run", "Run the pipeline (embedded default config without --config)");
  run->add_option("--config", config_path, "Config file (YAML)");

  std::string check_path;
  CLI::App* check = app.add_subcommand("check-config", "Validate a config file; exit 1 on errors");
  check->add_option("file", check_path, "Config file")->required();

  CLI::App* routes = app.add_subcommand("routes", "Route tools");
  CLI::App* routes_test = routes->add_subcommand("test", "Show which routes an alert would hit");
  routes->require_subcommand(1);

  CLI::App* replay = app.add_subcommand("replay", "Replay a recorded NDJSON stream");
  CLI::App* record = app.add_subcommand("record", "Record a stream to NDJSON");
  CLI::App* gate = app.add_subcommand("gate", "Deploy gate tools");
  CLI::App* gate_wait = gate->add_subcommand("wait", "Poll a gate until it decides");
  gate->require_subcommand(1);

  CLI11_PARSE(app, argc, argv);

  if (*run) return NotYet("run");
  if (*check) return NotYet("check-config");
  if (*routes_test) return NotYet("routes test");
  if (*replay) return NotYet("replay");
  if (*record) return NotYet("record");
  if (*gate_wait) return NotYet("gate wait");
  return 2;
}

}  // namespace quell::app
