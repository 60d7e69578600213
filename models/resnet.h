// ResNet-18 and ResNet-50 in torchvision's layout (spec section 6), with torchvision's
// parameter names (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, ..., fc), so a
// state dict exported from torchvision as safetensors loads by name.
//
//   conv 7x7/2 -> BN -> ReLU -> MaxPool 3x3/2 -> layer1..layer4 -> global avg pool -> fc
//   BasicBlock (18):  conv3x3(s) -> BN -> ReLU -> conv3x3 -> BN, + shortcut, ReLU
//   Bottleneck (50):  conv1x1 -> BN -> ReLU -> conv3x3(s) -> BN -> ReLU -> conv1x1(x4) -> BN,
//                     + shortcut, ReLU   (stride on the 3x3 conv: torchvision's "v1.5")
//   shortcut = identity, or conv1x1(s) -> BN ("downsample") when stride or width changes.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/linear.h"
#include "engine/nn/module.h"

namespace leuko::models {

class BasicBlock : public nn::Module {
 public:
  static constexpr int64_t expansion = 1;
  BasicBlock(int64_t in_channels, int64_t width, int64_t stride);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<nn::Sequential> downsample_;  // null for an identity shortcut
};

class Bottleneck : public nn::Module {
 public:
  static constexpr int64_t expansion = 4;
  Bottleneck(int64_t in_channels, int64_t width, int64_t stride);
  Tensor forward(const Tensor& x) override;

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_, bn3_;
  std::shared_ptr<nn::Sequential> downsample_;
};

class ResNet : public nn::Module {
 public:
  enum class Depth { resnet18, resnet50 };
  // num_classes = 0 builds no fc: forward returns the pooled features (torchvision's
  // `fc = Identity()`), as the Camelyon16 classifier uses it.
  ResNet(Depth depth, int64_t num_classes);

  Tensor features(const Tensor& x);  // [N,3,H,W] -> [N, 512 * expansion]
  Tensor forward(const Tensor& x) override;
  int64_t feature_count() const { return feature_count_; }

  // Freezes torchvision's children up to and including `last` ("bn1" = the stem,
  // "layer1", ... "layer4"), e.g. Study B's freeze of its first six children is "layer2".
  void freeze_through(const std::string& last, FreezeMode mode);

 private:
  std::shared_ptr<nn::Conv2d> conv1_;
  std::shared_ptr<nn::BatchNorm2d> bn1_;
  std::array<std::shared_ptr<nn::Sequential>, 4> layers_;
  std::shared_ptr<nn::Linear> fc_;
  int64_t feature_count_ = 0;
};

}  // namespace leuko::models
