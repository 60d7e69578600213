// The networks the CLI can train, by name (models/), with what the trainer needs to know
// about each: its task, its input size and normalisation by default (from the spec), and
// how a batch of images goes through it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/transforms.h"
#include "engine/nn/module.h"

namespace leuko::cli {

enum class Task { classification, reconstruction };

struct ModelInfo {
  std::string name;
  Task task;
  int height, width;         // the spec's input size (--size overrides where the net allows)
  bool imagenet_normalized;  // inputs normalised with ImageNet statistics by default
  bool fixed_size;           // true: the layers only fit the default size
  std::string description;
  bool square = false;  // else: square inputs only, at least min_side
  int min_side = 0;
  int64_t fixed_classes = 0;  // a head of this size whatever the data (0: the data's classes)
};

// Refuses, before any work, an input size the network's layers cannot take, naming those
// they can ("wbc_net takes square inputs of at least 32 px, not 128x96").
void check_input_size(const ModelInfo& info, int height, int width);

const std::vector<ModelInfo>& model_catalog();
const ModelInfo& find_model(const std::string& name);  // Error listing the known names
std::string model_names();                             // "wbc_net, prcc_autoencoder, ..."

struct ModelSettings {
  std::string name;
  int64_t num_classes = 5;
  nn::Module::FreezeMode freeze_mode = nn::Module::FreezeMode::gradients_only;
  std::string freeze;           // freeze up to this part ("" = nothing), see build_model
  std::string prcc_weights;     // combined_wbc only: the pretrained pRCC autoencoder
  std::string cam16_weights;    // combined_wbc only: the pretrained Camelyon16 classifier
  uint64_t seed = 0;            // dropout generator (kandel_cnn)
  int side = 0;                 // the input side it is built for (0: the catalog's); wbc_net and
                                // study_b_autoencoder (input and output side, a multiple of 16)
  int64_t decoder_width = 256;  // study_b_autoencoder: channels of the decoder's first map
  float dropout = 0.0f;  // kandel_cnn: dropout after each hidden dense layer (Study D model 4)
  // combined_wbc: keep the frozen pRCC encoder's outputs, up to this many bytes on disk, and
  // reuse them in later epochs (0: recompute every time); see engine/nn/frozen_output_cache.h.
  int64_t frozen_cache_bytes = 0;
  // combined_wbc without prcc_weights / cam16_weights: those parts freshly initialised
  // instead of an error (for `leuko summary`; training needs the pretrained parts).
  bool allow_untrained_parts = false;
};

struct BuiltModel {
  std::shared_ptr<nn::Module> module;
  // images [N,3,H,W] as the loader makes them -> logits [N,K] or a reconstruction.
  std::function<Tensor(const Tensor&)> forward;
};

// Builds a freshly initialised network (parameters drawn from the default generator).
// `freeze`: for resnet18/resnet50 the last torchvision stage to freeze ("layer2" freezes
// conv1, bn1, layer1, layer2); for the other networks a parameter-name prefix (e.g. "conv1")
// whose parameters get no gradient.
BuiltModel build_model(const ModelSettings& settings);

// Parameters from a safetensors file: a leuko checkpoint's "model." tensors, or a plain
// state dict (e.g. exported from torchvision).
std::map<std::string, Tensor> read_weights(const std::string& path);

}  // namespace leuko::cli
