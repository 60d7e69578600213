// Each subcommand of the CLI registers itself on the app.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace leuko::cli {

void add_info_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_subsets_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_summary_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_bench_command(CLI::App& app);  // the benchmarks of bench/
void add_data_command(CLI::App& app);   // experiments/fetch/data_command.cpp
// `command_line` is recorded in the study reports (how to make them again).
void add_reproduce_command(CLI::App& app, const std::string& command_line);

// The app of the `leuko` binary: every subcommand above, exactly one required.
void add_commands(CLI::App& app, const std::string& command_line);

}  // namespace leuko::cli
