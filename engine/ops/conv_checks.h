// Argument checks shared by the convolutions (conv2d, conv_transpose2d and
// conv_batch_norm_relu: same tensors, same rules); `op` names the op in every message.
#pragma once

#include <string>

#include "engine/ops.h"
#include "kernels/op_params.h"

namespace leuko {

// How an op's messages name its weight, the weight's layout, and which of its dimensions
// holds the input's channels (1 in conv2d's [out, in, kh, kw], 0 in conv_transpose2d's).
struct ConvWeightLayout {
  const char* name;
  const char* dims;
  int64_t in_channels_dim;
};

// x 4-D float32 [N, C, H, W]; weight 4-D float32 on x's device, with C in its
// in_channels_dim; stride and dilation positive, padding >= 0.
void check_conv_arguments(const char* op, const Tensor& x, const Tensor& weight,
                          const ConvWeightLayout& layout, Size2 stride, Size2 padding,
                          Size2 dilation);

// bias undefined (none), or [out_channels] float32 on x's device.
void check_conv_bias(const char* op, const Tensor& x, const Tensor& bias, int64_t out_channels);

// The geometry of a conv2d of an input [N, C, H, W] by a weight [out, C, kh, kw], output
// size included; fails when the dilated kernel is larger than the padded input.
ConvGeometry conv2d_geometry(const char* op, const Shape& input, const Shape& weight, Size2 stride,
                             Size2 padding, Size2 dilation);

// "HxW": how the messages write a pair.
std::string pair_text(Size2 s);

}  // namespace leuko
