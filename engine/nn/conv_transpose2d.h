// ConvTranspose2d, as torch.nn.ConvTranspose2d (groups = 1): parameters "weight"
// [in_channels, out_channels, kh, kw] and, unless bias = false, "bias" [out_channels].
// PyTorch initializes both U(+-1/sqrt(fan_in)) with fan_in read off the weight's dim 1 as
// for any weight, which for this layout is out_channels * kh * kw.
#pragma once

#include "engine/nn/module.h"
#include "engine/ops.h"

namespace leuko::nn {

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride = 1,
                  Size2 padding = 0, Size2 output_padding = 0, Size2 dilation = 1,
                  bool bias = true);
  Tensor forward(const Tensor& x) override;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }

  Tensor weight, bias;  // bias undefined when built with bias = false

 private:
  int64_t in_channels_, out_channels_;
  Size2 kernel_, stride_, padding_, output_padding_, dilation_;
};

}  // namespace leuko::nn
