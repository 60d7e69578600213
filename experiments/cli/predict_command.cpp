// `leuko predict`: classifies image files (or every image in folders) with a trained
// checkpoint and prints one CSV row per image: file, predicted class, each class's
// probability. Images are prepared as in training (resize, normalisation from the run).
#include <algorithm>
#include <cstdio>
#include <memory>

#include "engine/autograd.h"
#include "engine/data/image.h"
#include "engine/data/transforms.h"
#include "engine/error.h"
#include "engine/metrics.h"
#include "engine/ops.h"
#include "experiments/training/checkpoint_model.h"
#include "experiments/cli/checkpoint_options.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"
#include "experiments/cli/option_checks.h"
#include "experiments/training/run_data.h"

namespace leuko::cli {

namespace {

struct PredictOptions {
  CheckpointOptions run;
  std::vector<std::string> inputs;
  int64_t batch = 32;
};

// The files named, and the images under the folders named (sorted, recursively).
std::vector<std::filesystem::path> image_files(const std::vector<std::string>& inputs) {
  std::vector<std::filesystem::path> files;
  for (const std::string& input : inputs) {
    if (!std::filesystem::is_directory(input)) {
      files.emplace_back(input);
      continue;
    }
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(input))
      if (entry.is_regular_file() && data::is_image_file(entry.path()))
        found.push_back(entry.path());
    LEUKO_CHECK(!found.empty(), "predict: no image files in folder ", input);
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void run_predict(const PredictOptions& o) {
  const Device device = select_device(o.run.device);
  CheckpointModel loaded = load_checkpoint_model(o.run.checkpoint, device, o.run.verbose);
  LEUKO_CHECK(loaded.info.task == Task::classification, "predict: ", o.run.checkpoint, " holds a ",
              loaded.info.name, ", which does not classify");
  const data::LoaderOptions prepare = loader_options(loaded.config, false);
  const std::vector<std::filesystem::path> files = image_files(o.inputs);
  const int64_t k = static_cast<int64_t>(loaded.classes.size());

  std::printf("file,predicted");
  for (const std::string& name : loaded.classes) std::printf(",p_%s", csv_field(name).c_str());
  std::printf("\n");
  NoGradGuard no_grad;
  const int64_t per_image = 3LL * prepare.height * prepare.width;
  for (size_t first = 0; first < files.size(); first += static_cast<size_t>(o.batch)) {
    const size_t n = std::min(files.size() - first, static_cast<size_t>(o.batch));
    Tensor images = empty({static_cast<int64_t>(n), 3, prepare.height, prepare.width});
    for (size_t i = 0; i < n; ++i) {
      float* chw = images.data<float>() + static_cast<int64_t>(i) * per_image;
      data::to_tensor_into(
          data::resize(data::read_image(files[first + i]), prepare.height, prepare.width), chw);
      if (prepare.normalization)
        data::normalize_into(chw, prepare.height, prepare.width, *prepare.normalization);
    }
    const Tensor probabilities =
        softmax(loaded.model.forward(images.to(device)), 1).to(Device::cpu);
    const std::vector<int64_t> predicted = argmax_rows(probabilities);
    const std::vector<float> p = probabilities.to_vector();
    for (size_t i = 0; i < n; ++i) {
      std::printf("%s,%s", csv_field(files[first + i].string()).c_str(),
                  csv_field(loaded.classes[predicted[i]]).c_str());
      for (int64_t c = 0; c < k; ++c) std::printf(",%.6f", p[i * k + c]);
      std::printf("\n");
    }
  }
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd =
      app.add_subcommand("predict", "Classify images with a trained checkpoint; CSV on stdout");
  cmd->footer(
      "Examples:\n"
      "  leuko predict --checkpoint runs/try/checkpoint.safetensors cell1.png cell2.jpg\n"
      "  leuko predict --checkpoint runs/try/checkpoint.safetensors data/new_cells/ > "
      "predictions.csv");
  add_checkpoint_options(cmd, o->run);
  cmd->add_option("--batch", o->batch, "images per forward pass")->check(in_range(1, kMaxBatch));
  cmd->add_option("inputs", o->inputs, "image files or folders")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->callback([o] { run_predict(*o); });
}

}  // namespace leuko::cli
