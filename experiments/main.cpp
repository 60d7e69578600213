// The `leuko` command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "experiments/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"leuko: a from-scratch deep-learning engine for white-blood-cell classification"};
  app.require_subcommand(1);
  leuko::cli::add_info_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}
