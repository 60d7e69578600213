// Conv2d, as torch.nn.Conv2d (groups = 1, zero padding): parameters "weight"
// [out_channels, in_channels, kh, kw] and, unless bias = false, "bias" [out_channels], both
// initialized as PyTorch does, U(+-1/sqrt(fan_in)) with fan_in = in_channels * kh * kw.
#pragma once

#include "engine/nn/module.h"
#include "engine/ops.h"

namespace leuko::nn {

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride = 1,
         Size2 padding = 0, Size2 dilation = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  Size2 kernel() const { return kernel_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  Size2 dilation() const { return dilation_; }

  Tensor weight, bias;  // bias undefined when built with bias = false

 private:
  int64_t in_channels_, out_channels_;
  Size2 kernel_, stride_, padding_, dilation_;
};

}  // namespace leuko::nn
