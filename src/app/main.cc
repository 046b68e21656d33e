// quell: the one binary. Subcommands live in src/app/cli.cc.
#include "app/cli.h"
#include "app/cpu_level_check.h"

int main(int argc, char** argv) {
  // Always true here: on a CPU that cannot run this build the check linked in by this call has
  // already exited with an explanation, before any static initializer ran.
  if (!quell::app::CpuRunsThisBuild()) return 1;
  return quell::app::RunCli(argc, argv);
}
