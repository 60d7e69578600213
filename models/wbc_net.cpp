#include "models/wbc_net.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace leuko::models {

ConvBnRelu::ConvBnRelu(int64_t in_channels, int64_t out_channels, bool pool) : pool_(pool) {
  conv_ = register_module("conv", std::make_shared<nn::Conv2d>(in_channels, out_channels, 3, 1, 1));
  bn_ = register_module("bn", std::make_shared<nn::BatchNorm2d>(out_channels));
}

Tensor ConvBnRelu::forward(const Tensor& x) {
  // relu(bn(conv(x))) as one op: BN and ReLU in one pass on the CPU; on a GPU also the
  // batch statistics gathered while the convolution writes its output.
  const Tensor y = bn_->forward_conv_relu(*conv_, x);
  return pool_ ? max_pool2d(y, 2, 2) : y;
}

WbcNet::WbcNet(int64_t num_classes, int side) {
  LEUKO_CHECK(side >= 32, "wbc_net: inputs of at least 32 px (five 2x2 poolings), got ", side);
  conv1_ = register_module("conv1", std::make_shared<ConvBnRelu>(3, 64, true));
  conv2_ = register_module("conv2", std::make_shared<ConvBnRelu>(64, 64, true));
  res1_ = register_module("res1", std::make_shared<ConvBnRelu>(64, 64, false));
  res2_ = register_module("res2", std::make_shared<ConvBnRelu>(64, 64, false));
  conv3_ = register_module("conv3", std::make_shared<ConvBnRelu>(64, 32, true));
  conv4_ = register_module("conv4", std::make_shared<ConvBnRelu>(32, 16, true));
  res3_ = register_module("res3", std::make_shared<ConvBnRelu>(16, 16, false));
  res4_ = register_module("res4", std::make_shared<ConvBnRelu>(16, 16, false));
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
