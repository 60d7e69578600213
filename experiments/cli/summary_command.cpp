// `leuko summary`: a network's layers, shapes, parameters, FLOPs and activation memory,
// from one forward pass of a random image batch (engine/nn/summary.h).
#include <iostream>
#include <memory>

#include "engine/nn/summary.h"
#include "engine/random.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/model_options.h"
#include "experiments/cli/option_checks.h"
#include "experiments/training/model_zoo.h"

namespace leuko::cli {
namespace {

struct SummaryOptions {
  std::string model, size;
  int64_t classes = 5, batch = 1;
};

void run_summary(const SummaryOptions& o) {
  const ModelInfo& info = find_model(o.model);
  const auto [height, width] = checked_input_size(info, o.size);
  const BuiltModel built = build_model_to_inspect(info, height, o.classes);
  const Tensor images = rand({o.batch, 3, height, width});
  const nn::NetworkSummary summary = nn::summarize(*built.module, built.forward, images);
  std::cout << nn::format_summary(summary, o.model);
}

}  // namespace

void add_summary_command(CLI::App& app) {
  auto o = std::make_shared<SummaryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "summary", "List a network's layers: output shapes, parameters, FLOPs, activation memory");
  cmd->footer(
      "Runs one forward pass of random images (eval mode, no gradients) and prints every\n"
      "module with the shape it returned, its parameters (trainable / frozen), the FLOPs of\n"
      "its convolutions and linear layers, and its output's size, then the totals.\n"
      "Examples:\n"
      "  leuko summary --model wbc_net\n"
      "  leuko summary --model resnet18 --size 224 --classes 4\n"
      "  leuko summary --model wbc_net --size 128 --batch 16");
  add_model_options(cmd, o->model, o->size);
  cmd->add_option("--classes", o->classes, "classes of a classifier's head (5: the WBC types)")
      ->check(in_range(2, 1000));
  cmd->add_option("--batch", o->batch, "images in the forward pass")->check(in_range(1, 256));
  cmd->callback([o] { run_summary(*o); });
}

}  // namespace leuko::cli
