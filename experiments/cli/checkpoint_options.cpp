#include "experiments/cli/checkpoint_options.h"

namespace leuko::cli {

void add_checkpoint_options(CLI::App* cmd, CheckpointOptions& o) {
  cmd->add_option("--checkpoint", o.checkpoint, "checkpoint written by leuko train")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--device", o.device, "cpu | cuda | cuda-emu");
  cmd->add_flag("--verbose", o.verbose,
                "on a checkpoint that does not fit its network, list every mismatched tensor");
}

}  // namespace leuko::cli
