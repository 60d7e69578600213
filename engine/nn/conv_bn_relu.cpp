#include "engine/nn/conv_bn_relu.h"

#include "engine/ops.h"

namespace leuko::nn {

ConvBnRelu::ConvBnRelu(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride,
                       Size2 padding, bool conv_bias) {
  conv_ =
      register_module("conv", std::make_shared<Conv2d>(in_channels, out_channels, kernel, stride,
                                                       padding, /*dilation=*/1, conv_bias));
  bn_ = register_module("bn", std::make_shared<BatchNorm2d>(out_channels));
}

Tensor ConvBnRelu::forward(const Tensor& x) {
  const bool training = bn_->is_training();
  if (training && bn_->synchronised()) return bn_->forward_relu(conv_->forward(x));
  Tensor y = conv_batch_norm_relu(x, conv_->weight, conv_->bias, bn_->weight, bn_->bias,
                                  bn_->running_mean, bn_->running_var, conv_->stride(),
                                  conv_->padding(), training, bn_->momentum(), bn_->eps());
  if (training) bn_->count_batch();  // after: a failed call counts nothing
  return y;
}

}  // namespace leuko::nn
