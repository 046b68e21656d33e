#include "app/cli.h"

#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "app/commands.h"
#include "app/gate_wait_command.h"
#include "core/build_info.h"

namespace quell::app {

int RunCli(int argc, char** argv) {
  CLI::App app{"Quell: telemetry and alert-correlation stream processor"};
  app.set_version_flag("--version", std::string("quell ") + core::kQuellVersion);
  app.require_subcommand(1);

  std::string run_config;
  CLI::App* run = app.add_subcommand("run", "Run the pipeline (the embedded default config without --config)");
  run->add_option("--config", run_config, "Config file (YAML); reloaded on SIGHUP and when it changes");

  std::string check_path;
  CLI::App* check = app.add_subcommand("check-config", "Validate a config file; exit 1 on errors");
  check->add_option("file", check_path, "Config file")->required();

  CLI::App* routes = app.add_subcommand("routes", "Route tools");
  routes->require_subcommand(1);
  std::string routes_config, routes_verify_receivers;
  std::vector<std::string> routes_labels;
  bool routes_tree = false;
  CLI::App* routes_test = routes->add_subcommand("test", "Show the routes, receivers and inhibitions an alert would hit");
  routes_test->add_option("--config", routes_config, "Config file (default: the embedded default)");
  routes_test->add_option("--verify.receivers", routes_verify_receivers,
                          "Exit 1 unless the alert routes to exactly these receivers (comma-separated, in "
                          "tree order), as amtool");
  routes_test->add_flag("--tree", routes_tree, "Print the matching routes as a tree first, as amtool");
  routes_test->add_option("labels", routes_labels,
                          "Labels as name=value or name=\"value\" (none: the empty label set)");

  ReplayCommandOptions replay_options;
  CLI::App* replay = app.add_subcommand("replay", "Backtest rules on a recorded NDJSON stream (event time)");
  replay
      ->add_option("input", replay_options.input,
                   "NDJSON record file (quell record), or a directory of them (an intake journal)")
      ->required();
  replay->add_option("--config", replay_options.config, "Config file (default: the embedded default)");
  CLI::Option* replay_output_opt = replay->add_option(
      "--output", replay_options.output,
      "Where notifications go, one JSON per line (- = stdout; with --baseline: not written unless given)");
  replay->add_option("--baseline", replay_options.baseline,
                     "Compare with this config on the same stream: counts, pages by receiver, alerts paged "
                     "under only one of them (report on stdout)");
  replay->add_option("--report-json", replay_options.report_json, "With --baseline: the comparison as JSON");
  replay->add_flag("--fail-on-new", replay_options.fail_on_new,
                   "With --baseline: exit 3 if an alert would be notified to a receiver the baseline did not notify");

  std::string record_output, record_listen = "127.0.0.1:9797";
  CLI::App* record = app.add_subcommand("record", "Record intake request bodies to an NDJSON file");
  record->add_option("--output", record_output, "NDJSON record file (- = stdout)")->required();
  record->add_option("--listen", record_listen, "Listen address (host:port)");

  CLI::App* test = app.add_subcommand("test", "Test tools");
  test->require_subcommand(1);
  std::vector<std::string> rule_test_files;
  CLI::App* test_rules = test->add_subcommand("rules", "Run YAML rule tests against their config");
  test_rules->add_option("files", rule_test_files, "Rule test files")->required();

  CLI::App* gate = app.add_subcommand("gate", "Deploy gate tools");
  gate->require_subcommand(1);
  GateWaitOptions gate_options;
  CLI::App* gate_wait = RegisterGateWaitCommand(gate, &gate_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints --help / --version on stdout and a usage error (with its message) on stderr.
    // Its own exit codes (105 validation, 106 required, 109 extras, ...) become 2, the exit status
    // of bad usage for every subcommand (docs/gates.md for `gate wait`, docs/operations.md);
    // --help and --version exit 0.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*run) return RunRunCommand(run_config);
  if (*check) return RunCheckConfig(check_path, stdout, stderr);
  if (*routes_test) {
    return RunRoutesTest(routes_config, routes_labels, routes_verify_receivers, routes_tree, stdout, stderr);
  }
  if (*replay) {
    if (!replay_options.baseline.empty() && replay_output_opt->count() == 0) replay_options.output.clear();
    return RunReplay(replay_options, stdout, stderr);
  }
  if (*record) return RunRecord(record_output, record_listen);
  if (*test_rules) return RunTestRules(rule_test_files, stdout, stderr);
  if (*gate_wait) return RunGateWait(gate_options);
  return 2;
}

}  // namespace quell::app
