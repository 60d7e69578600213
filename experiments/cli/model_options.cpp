#include "experiments/cli/model_options.h"

#include "engine/error.h"
#include "experiments/cli/option_checks.h"

namespace leuko::cli {

void add_model_options(CLI::App* cmd, std::string& model, std::string& size) {
  cmd->add_option("--model", model, "network: " + model_names())
      ->required()
      ->check(accepted_by([](const std::string& name) { find_model(name); }, "NAME"));
  cmd->add_option("--size", size, "input size N or HxW (default: the model's)")
      ->check(accepted_by([](const std::string& text) { parse_size(text); }, "N or HxW"));
}

std::pair<int, int> checked_input_size(const ModelInfo& info, const std::string& size) {
  const auto [height, width] = size.empty() ? std::pair{info.height, info.width} : parse_size(size);
  try {
    check_input_size(info, height, width);
  } catch (const Error& e) {
    throw CLI::ValidationError("--size", e.what());  // a wrong value: exit code 2
  }
  return {height, width};
}

BuiltModel build_model_to_inspect(const ModelInfo& info, int side, int64_t classes) {
  const int64_t head = info.task == Task::reconstruction ? 0
                       : info.fixed_classes > 0          ? info.fixed_classes
                                                         : classes;
  return build_model(
      {.name = info.name, .num_classes = head, .side = side, .allow_untrained_parts = true});
}

}  // namespace leuko::cli
