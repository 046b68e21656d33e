// src/app/cli.h
//
// The `quell` command line (CLI11): run, check-config, routes test, test rules, replay, record,
// gate wait. Each subcommand's work lives in its own file (run_command.cc, ...); this file only
// declares the entry point. Exit status: 0 success, 1 failure the user should act on (bad config,
// failed gate), 2 usage errors and inconclusive outcomes.
#ifndef QUELL_APP_CLI_H_
#define QUELL_APP_CLI_H_

namespace quell::app {

int RunCli(int argc, char** argv);

}  // namespace quell::app

#endif  // QUELL_APP_CLI_H_
