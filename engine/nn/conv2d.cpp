#include "engine/nn/conv2d.h"

#include "engine/error.h"
#include "engine/init.h"

namespace leuko::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride, Size2 padding,
               Size2 dilation, bool bias)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_(kernel),
      stride_(stride),
      padding_(padding),
      dilation_(dilation) {
  LEUKO_CHECK(in_channels > 0 && out_channels > 0 && kernel.h > 0 && kernel.w > 0,
              "Conv2d: channels and kernel size must be positive, got in ", in_channels, ", out ",
              out_channels, ", kernel ", kernel.h, "x", kernel.w);
  weight = register_parameter("weight", empty({out_channels, in_channels, kernel.h, kernel.w}));
  if (bias) this->bias = register_parameter("bias", empty({out_channels}));
  init::pytorch_default_(weight, this->bias, in_channels * kernel.h * kernel.w);
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, stride_, padding_, dilation_);
}

}  // namespace leuko::nn
