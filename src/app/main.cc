// quell: the one binary. Subcommands live in src/app/cli.cc.
#include "app/cli.h"

int main(int argc, char** argv) { return quell::app::RunCli(argc, argv); }
