// Fuzzes what leuko reads from a run's config (config.json, kept inside every checkpoint):
// the input is the config's JSON text, stored in a checkpoint as `leuko train` stores it.
//   - eval and predict: load_checkpoint_model reads the model, classes and sizes from it
//     and builds the network (the checkpoint has no tensors, so loading the weights is
//     refused after that);
//   - eval, predict and train: loader_options reads the batch, sizes, seed, workers, crop,
//     target and normalisation;
//   - a resumed train: the history entry, JSON text of the same kind (history_from_json).
// A bad config must end in a leuko::Error or a JSON exception (both one line in main.cpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/io/checkpoint.h"
#include "experiments/training/checkpoint_model.h"
#include "experiments/report/report.h"
#include "experiments/training/run_data.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string path = leuko::fuzz::scratch_path(".safetensors");
  leuko::Checkpoint checkpoint;
  checkpoint.info["config"] = text;
  try {
    leuko::save_checkpoint(path, checkpoint);
  } catch (const nlohmann::json::exception&) {
    return -1;  // not UTF-8, so no checkpoint can hold it: not worth keeping in the corpus
  }
  try {
    leuko::cli::load_checkpoint_model(path, leuko::Device::cpu);
  } catch (const leuko::Error&) {
  } catch (const nlohmann::json::exception&) {
  }
  try {
    const nlohmann::json config = nlohmann::json::parse(text);
    leuko::cli::loader_options(config, /*training=*/true);
  } catch (const leuko::Error&) {
  } catch (const nlohmann::json::exception&) {
  }
  try {
    leuko::cli::history_from_json(nlohmann::json::parse(text));
  } catch (const leuko::Error&) {
  } catch (const nlohmann::json::exception&) {
  }
  return 0;
}
