// `leuko eval`: a trained checkpoint on one split of an image folder: loss, accuracy,
// per-class precision / recall / F1, macro and weighted F1, and the confusion matrix; for a
// network trained on masks (--target masks), the loss against <data>/masks/<split> and the
// mask IoU.
#include <cstdio>
#include <memory>

#include "engine/error.h"
#include "experiments/training/checkpoint_model.h"
#include "experiments/cli/checkpoint_options.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"
#include "experiments/training/evaluation.h"
#include "experiments/training/run_data.h"

namespace leuko::cli {

namespace {

struct EvalOptions {
  CheckpointOptions run;
  std::string data, split = "test";
};

void run_eval(const EvalOptions& o) {
  const Device device = select_device(o.run.device);
  CheckpointModel loaded = load_checkpoint_model(o.run.checkpoint, device, o.run.verbose);
  const Target target = parse_target(loaded.config.value("target", std::string("images")));
  const bool masks = target == Target::masks;
  const data::Dataset dataset = masks ? scan_split_with_masks(o.data, o.split)
                                      : scan_split(o.data, o.split, loaded.info.task);
  const bool classify = loaded.info.task == Task::classification;
  LEUKO_CHECK(!classify || dataset.classes == loaded.classes, o.data, "/", o.split,
              " has classes that differ from the ones ", o.run.checkpoint, " was trained on");
  data::Loader loader(dataset, loader_options(loaded.config, /*shuffle=*/false));
  LossSettings loss;
  loss.kind = parse_loss_kind(config_value(loaded.config, "loss").get<std::string>());
  loss.ssim_data_range = loaded.config.value("ssim_data_range", 255.0f);
  loss.target = target;
  const Evaluation result =
      evaluate(loaded.model, loader, loss, device, static_cast<int64_t>(loaded.classes.size()));
  std::printf("%s on %s/%s: %lld images, loss %.6f\n", loaded.info.name.c_str(), o.data.c_str(),
              o.split.c_str(), static_cast<long long>(result.images), result.loss);
  if (result.mask_iou) std::printf("mask IoU %.4f (cell pixels: output > 0.5)\n", *result.mask_iou);
  if (!result.confusion) return;
  const ClassificationReport report = classification_report(*result.confusion);
  std::printf("accuracy %.4f  macro F1 %.4f  weighted F1 %.4f\n\n", report.accuracy,
              report.macro_f1, report.weighted_f1);
  std::printf("%-16s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
  for (size_t c = 0; c < loaded.classes.size(); ++c)
    std::printf("%-16s %9.4f %9.4f %9.4f %8lld\n", loaded.classes[c].c_str(), report.precision[c],
                report.recall[c], report.f1[c], static_cast<long long>(report.support[c]));
  std::printf("%-16s %9.4f %9.4f %9.4f\n%-16s %9.4f %9.4f %9.4f\n\n", "macro avg",
              report.macro_precision, report.macro_recall, report.macro_f1, "weighted avg",
              report.weighted_precision, report.weighted_recall, report.weighted_f1);
  std::printf("confusion matrix (rows = true class, columns = predicted):\n%-16s", "");
  for (size_t c = 0; c < loaded.classes.size(); ++c) std::printf(" %6zu", c);
  std::printf("\n");
  for (size_t r = 0; r < loaded.classes.size(); ++r) {
    std::printf("%2zu %-13s", r, loaded.classes[r].substr(0, 13).c_str());
    for (size_t c = 0; c < loaded.classes.size(); ++c)
      std::printf(" %6lld", static_cast<long long>(result.confusion->count(r, c)));
    std::printf("\n");
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd =
      app.add_subcommand("eval", "Evaluate a trained checkpoint: metrics and confusion matrix");
  cmd->footer(
      "Examples:\n"
      "  leuko eval --checkpoint runs/try/checkpoint.safetensors --data data/WBC_100\n"
      "  leuko eval --checkpoint runs/try/best.safetensors --data data/WBC_100 --split val\n"
      "  leuko eval --checkpoint runs/seg/best.safetensors --data data/segwbc --split train"
      "   (a --target masks run: mask IoU)");
  add_checkpoint_options(cmd, o->run);
  cmd->add_option("--data", o->data, "image-folder root")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--split", o->split, "split folder under --data");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace leuko::cli
