// ConvBnRelu: conv2d -> BatchNorm2d -> ReLU, the block most CNNs are drawn with, as one module
// computed by one op (conv_batch_norm_relu). On the CPU the batch norm and the ReLU run as one
// pass over the convolution's output; on a GPU the batch statistics are also gathered while
// the convolution writes its output (training), or the batch norm is folded into the
// convolution's weights (eval). With a synchronised batch norm (data-parallel training) it
// runs the convolution and then the batch norm's collective statistics, unfused.
//
// Its children are named "conv" and "bn", so its state dict reads conv.weight, conv.bias,
// bn.weight, bn.bias, bn.running_mean, bn.running_var and bn.num_batches_tracked: the keys of
// a PyTorch module holding a Conv2d as `conv` and a BatchNorm2d as `bn`.
#pragma once

#include <memory>

#include "engine/nn/batch_norm.h"
#include "engine/nn/conv2d.h"
#include "engine/nn/module.h"

namespace leuko::nn {

class ConvBnRelu : public Module {
 public:
  // The convolution's arguments (groups 1, dilation 1); the batch norm has PyTorch's defaults.
  ConvBnRelu(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride = 1,
             Size2 padding = 0, bool conv_bias = true);
  Tensor forward(const Tensor& x) override;  // relu(bn(conv(x)))

  Conv2d& conv() { return *conv_; }
  BatchNorm2d& bn() { return *bn_; }

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
};

}  // namespace leuko::nn
