// The `leuko` command line.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "engine/distributed/communicator.h"
#include "engine/error.h"
#include "experiments/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"leuko: a from-scratch deep-learning engine for white-blood-cell classification"};
  std::string command_line = "leuko";
  for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];
  leuko::cli::add_commands(app, command_line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // A wrong flag or value: one line, exit code 2 (scripts can tell it from a failed run).
    std::fprintf(stderr, "leuko: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    // Memory asked for outside the host allocator (which names the size itself).
    std::fprintf(stderr, "leuko: out of host memory; try a smaller --batch or input size\n");
    return 1;
  } catch (const std::exception& e) {
    // leuko::Error and anything else the work raised (file system, JSON): one line, exit 1.
    if (leuko::distributed::started_by_mpirun()) {
      // The other ranks may be inside a collective, where MPI_Finalize at exit would wait
      // for them for ever: leave at once, and mpirun stops the job.
      std::fprintf(stderr, "leuko (rank %s): %s\n", std::getenv("OMPI_COMM_WORLD_RANK"), e.what());
      std::fflush(nullptr);
      std::_Exit(1);
    }
    std::fprintf(stderr, "leuko: %s\n", e.what());
    return 1;
  }
  return 0;
}
