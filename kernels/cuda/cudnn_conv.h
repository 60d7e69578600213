// cuDNN's convolutions behind the same ConvGeometry (kernels/op_params.h) as the project's
// implicit-GEMM kernels (kernels/cuda/conv2d.h), for the real GPU backend only: these exist
// in leuko::cuda (the nvcc build), not in the emulated backend. The engine uses them on
// Device::cuda unless the project's kernels are selected (engine/cuda_options.h).
#pragma once

#include "kernels/cuda/conv2d.h"

namespace leuko::cuda {

// False for the few grids cuDNN cannot describe: a conv_transpose2d output enlarged by an
// output_padding that the forward convolution's size formula does not give back.
bool cudnn_conv2d_supports(const ConvGeometry& g);
// y = conv(x, weight) + bias (bias may be null).
void cudnn_conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                          const ConvGeometry& g);
// grad_x = conv's input gradient of grad_y, + bias [channels] where not null.
void cudnn_conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                                 float* grad_x, const ConvGeometry& g);
// grad_weight = conv's weight gradient, summed over the batch (overwrites it).
void cudnn_conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                  const ConvGeometry& g);

}  // namespace leuko::cuda
