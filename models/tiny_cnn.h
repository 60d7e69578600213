// A small CNN for the demo and for the test that proves the engine learns: three
// conv -> BN -> ReLU stages (16, 32, 64 channels; the first two max-pooled), global average
// pooling and one linear layer. About 24k parameters; trains to high accuracy on the
// synthetic cell images in a few hundred steps on a CPU.
#pragma once

#include <memory>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/module.h"

namespace leuko::models {

class TinyCnn : public nn::Module {
 public:
  explicit TinyCnn(int64_t num_classes = 5);
  Tensor forward(const Tensor& x) override;  // [N,3,H,W] -> [N,num_classes]

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_, bn3_;
  std::shared_ptr<nn::Linear> fc_;
};

}  // namespace leuko::models
