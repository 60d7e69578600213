// The `leuko` command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "engine/error.h"
#include "experiments/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"leuko: a from-scratch deep-learning engine for white-blood-cell classification"};
  app.require_subcommand(1);
  leuko::cli::add_info_command(app);
  leuko::cli::add_demo_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const leuko::Error& e) {
    std::fprintf(stderr, "leuko: %s\n", e.what());
    return 1;
  }
  return 0;
}
