#include "models/wbc_net.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::models {

ConvBnReluPool::ConvBnReluPool(int64_t in_channels, int64_t out_channels)
    : nn::ConvBnRelu(in_channels, out_channels, 3, 1, 1) {}

Tensor ConvBnReluPool::forward(const Tensor& x) {
  return max_pool2d(nn::ConvBnRelu::forward(x), 2, 2);
}

// CBR: conv 3x3/1/1 with bias -> BN -> ReLU.
static std::shared_ptr<nn::ConvBnRelu> cbr(int64_t in_channels, int64_t out_channels) {
  return std::make_shared<nn::ConvBnRelu>(in_channels, out_channels, 3, 1, 1);
}

static std::shared_ptr<ConvBnReluPool> cbrp(int64_t in_channels, int64_t out_channels) {
  return std::make_shared<ConvBnReluPool>(in_channels, out_channels);
}

WbcNet::WbcNet(int64_t num_classes, int side) {
  LEUKO_CHECK(side >= 32, "wbc_net: inputs of at least 32 px (five 2x2 poolings), got ", side);
  conv1_ = register_module("conv1", cbrp(3, 64));
  conv2_ = register_module("conv2", cbrp(64, 64));
  res1_ = register_module("res1", cbr(64, 64));
  res2_ = register_module("res2", cbr(64, 64));
  conv3_ = register_module("conv3", cbrp(64, 32));
  conv4_ = register_module("conv4", cbrp(32, 16));
  res3_ = register_module("res3", cbr(16, 16));
  res4_ = register_module("res4", cbr(16, 16));
  head_conv_ = register_module("head_conv", std::make_shared<nn::Conv2d>(16, 8, 3, 1, 1));
  fc1_ = register_module("fc1", std::make_shared<nn::Linear>(8 * (side / 32) * (side / 32), 64));
  fc2_ = register_module("fc2", std::make_shared<nn::Linear>(64, 8));
  fc3_ = register_module("fc3", std::make_shared<nn::Linear>(8, num_classes));
}

Tensor WbcNet::forward(const Tensor& x) {
  const Tensor a = (*conv2_)((*conv1_)(x));
  const Tensor b = (*res1_)(a) + a;
  const Tensor c = a + (*res2_)(b) + b;
  const Tensor d = (*conv4_)((*conv3_)(c));
  const Tensor e = (*res3_)(d) + d;
  const Tensor f = d + (*res4_)(e) + e;
  const Tensor h = flatten(max_pool2d(relu((*head_conv_)(f)), 2, 2));
  return (*fc3_)(relu((*fc2_)(relu((*fc1_)(h)))));
}

}  // namespace leuko::models
