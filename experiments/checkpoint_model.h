// A trained network back from a run's checkpoint, for `leuko eval` and `leuko predict`:
// the run's config (which says the model, its input size and normalisation), its classes,
// and the network with the checkpoint's weights on the chosen device.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/storage.h"
#include "experiments/model_zoo.h"

namespace leuko::cli {

struct CheckpointModel {
  nlohmann::json config;
  std::vector<std::string> classes;  // empty for an autoencoder
  ModelInfo info;
  BuiltModel model;
};

CheckpointModel load_checkpoint_model(const std::string& path, Device device);

}  // namespace leuko::cli
