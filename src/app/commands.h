// src/app/commands.h
//
// The work behind each `quell` subcommand (the CLI11 wiring lives in cli.cc). Each returns the
// process exit status: 0 success, 1 a failure the user should act on (bad config, failed test),
// 2 usage errors. Output goes to the given streams so tests can capture it.
#ifndef QUELL_APP_COMMANDS_H_
#define QUELL_APP_COMMANDS_H_

#include <cstdio>
#include <string>
#include <vector>

namespace quell::app {

// `quell run [--config FILE]`: runs until SIGINT/SIGTERM; SIGHUP or a change of the config file
// reloads it. Empty `config_path` = the embedded default.
int RunRunCommand(const std::string& config_path);

// `quell check-config FILE`: validates everything and prints a summary (files, receivers, the route
// tree with the file:line of each route); errors print "file:line:col: ..." and exit 1.
int RunCheckConfig(const std::string& path, std::FILE* out, std::FILE* err);

// `quell routes test [--config FILE] label=value...`: prints the routes, receivers, classes and
// runbooks an alert with these labels reaches, and the inhibit rules it could be inhibited by or
// would inhibit with (amtool config routes test, extended).
int RunRoutesTest(const std::string& config_path, const std::vector<std::string>& labels, std::FILE* out,
                  std::FILE* err);
// The same with amtool's options: `--tree` prints the matching routes as amtool draws them first;
// `--verify.receivers R1,R2` (non-empty) exits 1 with amtool's warning unless the receivers line is
// exactly that. Labels are name=value or name="value" (amtool's parse; a =~, != or !~ matcher is a
// usage error, exit 2); none routes the empty label set.
int RunRoutesTest(const std::string& config_path, const std::vector<std::string>& labels,
                  const std::string& verify_receivers, bool tree, std::FILE* out, std::FILE* err);

// `quell replay FILE|DIR [--config FILE] [--baseline FILE] [--output FILE] [--report-json FILE]
// [--fail-on-new]`: backtests the config's rules on a recorded NDJSON stream in event time (no wall
// clock, no HTTP, no receivers; backtest.h): every notification the engine would send is written as
// one JSON line to `output` ("-" = `out`, "" = not written), then a summary to `err`. With a
// baseline, the same stream also runs through the baseline config and the comparison report
// (backtest.h) goes to `out`, and as JSON to `report_json` when set. Exit status: 0; 1 on an error;
// 3 with `fail_on_new` when some alert would be notified to a receiver under the config and not
// under the baseline (a rule change's CI job). Replaying the same input with the same rules gives the
// same bytes.
struct ReplayCommandOptions {
  std::string config;       // Empty: the embedded default.
  std::string input;
  std::string output = "-";
  std::string baseline;     // Empty: no comparison.
  std::string report_json;  // Empty: none.
  bool fail_on_new = false;
};
int RunReplay(const ReplayCommandOptions& options, std::FILE* out, std::FILE* err);

// `quell record --output FILE [--listen ADDR]`: serves the intake endpoints and appends every
// request body, as received, to an NDJSON record file for later `quell replay`. Runs until
// SIGINT/SIGTERM.
int RunRecord(const std::string& output, const std::string& listen);

// `quell test rules FILE...`: runs YAML rule tests (input alerts at relative times, expected
// notifications per receiver, expected engine decisions) against their config, like `promtool test
// rules`, printing a diff for each failing test. See the format in test_rules_command.cc.
int RunTestRules(const std::vector<std::string>& files, std::FILE* out, std::FILE* err);

}  // namespace quell::app

#endif  // QUELL_APP_COMMANDS_H_
