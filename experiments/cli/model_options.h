// The options of the commands that build a network by name (train, summary, profile): which
// network, at which input size, and that size checked against what its layers can take.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>

#include "experiments/training/model_zoo.h"

namespace leuko::cli {

// Adds --model (required, a name of the catalog) and --size (N or HxW) to `cmd`.
void add_model_options(CLI::App* cmd, std::string& model, std::string& size);

// The input size `size` asks for (empty: the network's own), as (height, width); one the
// network cannot take is a wrong --size value (exit code 2) naming what it takes.
std::pair<int, int> checked_input_size(const ModelInfo& info, const std::string& size);

// The network freshly initialised for a look inside (summary, profile): a classifier's head
// with `classes` outputs (unless its head is fixed), combined_wbc's pretrained parts untrained.
BuiltModel build_model_to_inspect(const ModelInfo& info, int side, int64_t classes);

}  // namespace leuko::cli
