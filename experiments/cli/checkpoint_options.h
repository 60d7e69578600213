// The options of the commands that run a trained checkpoint (eval, predict): which
// checkpoint, on which device, and how much to say when it does not fit its network.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace leuko::cli {

struct CheckpointOptions {
  std::string checkpoint, device = "cpu";
  bool verbose = false;
};

// Adds --checkpoint (required, an existing file), --device and --verbose to `cmd`.
void add_checkpoint_options(CLI::App* cmd, CheckpointOptions& o);

}  // namespace leuko::cli
