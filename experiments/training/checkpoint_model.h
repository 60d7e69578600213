// A trained network back from a run's checkpoint, for `leuko eval` and `leuko predict`:
// the run's config (which says the model, its input size and normalisation), its classes,
// and the network with the checkpoint's weights on the chosen device.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/storage.h"
#include "experiments/training/model_zoo.h"

namespace leuko::cli {

struct CheckpointModel {
  nlohmann::json config;
  std::vector<std::string> classes;  // empty for an autoencoder
  ModelInfo info;
  BuiltModel model;
};

// `verbose`: on a mismatch with the network, every mismatched tensor is listed on stderr.
CheckpointModel load_checkpoint_model(const std::string& path, Device device, bool verbose = false);

// Loads `weights` (read from `path`) into `module`, a `model_name`, after checking they are
// finite. `strict` (a checkpoint of this very network): every tensor of the network and of the
// file must match by name. Otherwise (--weights, a starting point): at least half of the
// network's tensors must come from the file, so another model's file is refused instead of
// loading nothing. A mismatch is a leuko::Error of one line, the first mismatched name and
// the counts; `verbose` lists every mismatched name on stderr first.
void load_weights(nn::Module& module, const std::string& model_name,
                  const std::map<std::string, Tensor>& weights, const std::string& path,
                  bool strict, bool verbose);

}  // namespace leuko::cli
