// The base WBC classifier of Study A (spec section 2.2): a ResNet-9-like network with
// "multi-skip" residual sums, 175,533 parameters, input 3x256x256, 5 logits.
//
//   x -> conv1 -> conv2 = a                      CBRP: conv3x3 -> BN -> ReLU -> MaxPool 2
//        b = res1(a) + a                         CBR:  conv3x3 -> BN -> ReLU
//        c = a + res2(b) + b
//        conv3 -> conv4 = d
//        e = res3(d) + d
//        f = d + res4(e) + e
//        head: conv3x3 16->8 -> ReLU -> MaxPool 2 -> flatten -> 64 -> 8 -> 5
#pragma once

#include <memory>

#include "engine/nn/conv2d.h"
#include "engine/nn/conv_bn_relu.h"
#include "engine/nn/linear.h"
#include "engine/nn/module.h"

namespace leuko::models {

// CBRP: a CBR block (nn::ConvBnRelu, conv 3x3/1/1 with bias) followed by MaxPool 2x2/2. A
// kind of CBR block, so its weights keep the CBR names (conv1.conv.weight, conv1.bn.bias, ...).
class ConvBnReluPool : public nn::ConvBnRelu {
 public:
  ConvBnReluPool(int64_t in_channels, int64_t out_channels);
  Tensor forward(const Tensor& x) override;
};

class WbcNet : public nn::Module {
 public:
  // `side`: the square input it is built for (the study's is 256). Five 2x2 poolings leave
  // an 8-channel (side/32)^2 map, so fc1 has 8 (side/32)^2 inputs (512 at 256 px); at least 32.
  explicit WbcNet(int64_t num_classes = 5, int side = 256);
  Tensor forward(const Tensor& x) override;  // [N,3,side,side] -> [N,num_classes] logits

 private:
  std::shared_ptr<ConvBnReluPool> conv1_, conv2_, conv3_, conv4_;
  std::shared_ptr<nn::ConvBnRelu> res1_, res2_, res3_, res4_;
  std::shared_ptr<nn::Conv2d> head_conv_;
  std::shared_ptr<nn::Linear> fc1_, fc2_, fc3_;
};

}  // namespace leuko::models
