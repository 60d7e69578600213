// Each subcommand of the CLI registers itself on the app.
#pragma once

#include <CLI/CLI.hpp>

namespace leuko::cli {

void add_info_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);

}  // namespace leuko::cli
