#include "models/kandel_cnn.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace leuko::models {

// Keras initializes Conv2D and Dense with Glorot-uniform weights and zero biases.
template <typename Layer>
static std::shared_ptr<Layer> keras_init(std::shared_ptr<Layer> layer) {
  init::xavier_uniform_(layer->weight);
  init::constant_(layer->bias, 0.0f);
  return layer;
}

static std::shared_ptr<nn::Conv2d> conv3x3(int64_t in, int64_t out) {
  return keras_init(std::make_shared<nn::Conv2d>(in, out, 3, 1, 1));
}

KandelBlock::KandelBlock(int64_t in_channels, int64_t out_channels, int64_t pool) : pool_(pool) {
  conv1_ = register_module("conv1", conv3x3(in_channels, out_channels));
  conv2_ = register_module("conv2", conv3x3(out_channels, out_channels));
  conv3_ = register_module("conv3", conv3x3(out_channels, out_channels));
  bn_ = register_module("bn", std::make_shared<nn::BatchNorm2d>(out_channels, 1e-3f, 0.01f));
}

// conv x3 -> BN -> ELU -> max pool, with the pool computed before the ELU: max pooling
// commutes with a non-decreasing activation (the same values, the same gradients), and
// pooling first makes the ELU, and the output it keeps for backward, 4-9x smaller.
Tensor KandelBlock::forward(const Tensor& x) {
  const Tensor h = (*conv3_)((*conv2_)((*conv1_)(x)));
  return elu(max_pool2d((*bn_)(h), pool_, pool_));
}

KandelCnn::KandelCnn(int64_t num_classes, float dropout, uint64_t dropout_seed)
    : dropout_(dropout), dropout_generator_(dropout_seed) {
  const std::array<int64_t, 6> channels{3, 32, 64, 128, 256, 512};
  const std::array<int64_t, 5> pools{2, 3, 3, 3, 2};
  for (size_t i = 0; i < blocks_.size(); ++i) {
    blocks_[i] =
        register_module("block" + std::to_string(i + 1),
                        std::make_shared<KandelBlock>(channels[i], channels[i + 1], pools[i]));
  }
  fc1_ = register_module("fc1", keras_init(std::make_shared<nn::Linear>(2048, 512)));
  fc2_ = register_module("fc2", keras_init(std::make_shared<nn::Linear>(512, 512)));
  out_ = register_module("out", keras_init(std::make_shared<nn::Linear>(512, num_classes)));
}

Tensor KandelCnn::forward(const Tensor& x) {
  Tensor h = x * (1.0f / 255.0f);
  for (const auto& block : blocks_) h = (*block)(h);
  // Keras flattens in (H, W, C) order; the order only matters when importing Keras weights.
  h = flatten(permute(h, {0, 2, 3, 1}));
  h = dropout(elu((*fc1_)(h)), dropout_, is_training(), dropout_generator_);
  h = dropout(elu((*fc2_)(h)), dropout_, is_training(), dropout_generator_);
  return (*out_)(h);
}

}  // namespace leuko::models
