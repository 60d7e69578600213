#include "models/resnet.h"

#include "engine/error.h"
#include "engine/init.h"
#include "engine/ops.h"

namespace leuko::models {

// torchvision initializes every conv with Kaiming-normal (fan_out, ReLU gain); BN starts
// at gamma 1, beta 0 (the BatchNorm2d default).
static std::shared_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                        int64_t padding) {
  auto c = std::make_shared<nn::Conv2d>(in, out, kernel, stride, padding, 1, /*bias=*/false);
  init::kaiming_normal_(c->weight, 0.0f, init::FanMode::fan_out, init::Nonlinearity::relu);
  return c;
}

static std::shared_ptr<nn::Sequential> shortcut(int64_t in, int64_t out, int64_t stride) {
  if (stride == 1 && in == out) return nullptr;
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      conv(in, out, 1, stride, 0), std::make_shared<nn::BatchNorm2d>(out)});
}

BasicBlock::BasicBlock(int64_t in_channels, int64_t width, int64_t stride) {
  conv1_ = register_module("conv1", conv(in_channels, width, 3, stride, 1));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(width));
  conv2_ = register_module("conv2", conv(width, width, 3, 1, 1));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(width));
  downsample_ = shortcut(in_channels, width, stride);
  if (downsample_) register_module("downsample", downsample_);
}

// The block ends in one fused op: relu(bn2(conv2(...)) + shortcut).
Tensor BasicBlock::forward(const Tensor& x) {
  const Tensor y = (*conv2_)(bn1_->forward_relu((*conv1_)(x)));
  return bn2_->forward_relu(y, downsample_ ? (*downsample_)(x) : x);
}

Bottleneck::Bottleneck(int64_t in_channels, int64_t width, int64_t stride) {
  conv1_ = register_module("conv1", conv(in_channels, width, 1, 1, 0));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(width));
  conv2_ = register_module("conv2", conv(width, width, 3, stride, 1));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(width));
  conv3_ = register_module("conv3", conv(width, width * expansion, 1, 1, 0));
  bn3_ = register_module("bn3", std::make_shared<nn::BatchNorm2d>(width * expansion));
  downsample_ = shortcut(in_channels, width * expansion, stride);
  if (downsample_) register_module("downsample", downsample_);
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor y = bn1_->forward_relu((*conv1_)(x));
  y = bn2_->forward_relu((*conv2_)(y));
  return bn3_->forward_relu((*conv3_)(y), downsample_ ? (*downsample_)(x) : x);
}

template <typename Block>
static std::shared_ptr<nn::Sequential> make_layer(int64_t& in_channels, int64_t width, int blocks,
                                                  int64_t stride) {
  auto layer = std::make_shared<nn::Sequential>();
  for (int i = 0; i < blocks; ++i) {
    layer->push_back(std::make_shared<Block>(in_channels, width, i == 0 ? stride : 1));
    in_channels = width * Block::expansion;
  }
  return layer;
}

ResNet::ResNet(Depth depth, int64_t num_classes) {
  conv1_ = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
  const std::array<int, 4> blocks =
      depth == Depth::resnet18 ? std::array<int, 4>{2, 2, 2, 2} : std::array<int, 4>{3, 4, 6, 3};
  int64_t channels = 64;
  for (int i = 0; i < 4; ++i) {
    const int64_t width = 64 << i;
    const int64_t stride = i == 0 ? 1 : 2;
    layers_[i] = depth == Depth::resnet18
                     ? make_layer<BasicBlock>(channels, width, blocks[i], stride)
                     : make_layer<Bottleneck>(channels, width, blocks[i], stride);
    register_module("layer" + std::to_string(i + 1), layers_[i]);
  }
  feature_count_ = channels;
  if (num_classes > 0)
    fc_ = register_module("fc", std::make_shared<nn::Linear>(channels, num_classes));
}

Tensor ResNet::features(const Tensor& x) {
  Tensor h = max_pool2d(bn1_->forward_relu((*conv1_)(x)), 3, 2, 1);
  for (const auto& layer : layers_) h = (*layer)(h);
  return flatten(global_avg_pool(h));
}

Tensor ResNet::forward(const Tensor& x) {
  const Tensor f = features(x);
  return fc_ ? (*fc_)(f) : f;
}

void ResNet::freeze_through(const std::string& last, FreezeMode mode) {
  const std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> order{
      {"conv1", conv1_},      {"bn1", bn1_},          {"layer1", layers_[0]},
      {"layer2", layers_[1]}, {"layer3", layers_[2]}, {"layer4", layers_[3]}};
  bool found = false;
  for (const auto& [name, child] : order) found = found || name == last;
  LEUKO_CHECK(found, "ResNet::freeze_through: unknown stage '", last,
              "', expected conv1, bn1 or layer1..layer4");
  for (const auto& [name, child] : order) {
    child->freeze(mode);
    if (name == last) break;
  }
}

}  // namespace leuko::models
