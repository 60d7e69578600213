#include "experiments/cli/commands.h"

namespace leuko::cli {

void add_commands(CLI::App& app, const std::string& command_line) {
  app.require_subcommand(1);
  add_info_command(app);
  add_demo_command(app);
  add_subsets_command(app);
  add_train_command(app);
  add_eval_command(app);
  add_predict_command(app);
  add_summary_command(app);
  add_profile_command(app);
  add_bench_command(app);
#if LEUKO_WITH_FETCH  // needs libcurl and libtiff: -DLEUKO_FETCH=ON, the default
  add_data_command(app);
#endif
  add_reproduce_command(app, command_line);
}

}  // namespace leuko::cli
