// The Kandel et al. ELU CNN as Study D used it (spec section 5.2), input 3x320x240 in
// [0,255] (the model rescales by 1/255 itself), 4 logits (softmax is in the loss).
//
//   5 blocks: conv3x3 -> conv3x3 -> conv3x3 -> BN -> ELU -> MaxPool (2, 3, 3, 3, 2)
//             (only the third conv of a block is followed by BN and ELU)
//             channels 32, 64, 128, 256, 512
//   flatten 2x2x512 -> Dense 512 -> ELU [-> Dropout 0.3] -> Dense 512 -> ELU [-> Dropout 0.3] -> 4
//
// 9,171,652 trainable parameters. Keras defaults: Glorot-uniform weights, zero biases,
// BatchNormalization eps 1e-3 and momentum 0.99 (0.01 in PyTorch's convention).
#pragma once

#include <array>
#include <memory>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/module.h"
#include "engine/random.h"

namespace leuko::models {

class KandelBlock : public nn::Module {
 public:
  KandelBlock(int64_t in_channels, int64_t out_channels, int64_t pool);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<nn::BatchNorm2d> bn_;
  int64_t pool_;
};

class KandelCnn : public nn::Module {
 public:
  // dropout > 0 gives the study's model 4 (Dropout after each hidden dense layer).
  explicit KandelCnn(int64_t num_classes = 4, float dropout = 0.0f, uint64_t dropout_seed = 0);
  Tensor forward(const Tensor& x) override;

 private:
  std::array<std::shared_ptr<KandelBlock>, 5> blocks_;
  std::shared_ptr<nn::Linear> fc1_, fc2_, out_;
  float dropout_;
  Generator dropout_generator_;
};

}  // namespace leuko::models
