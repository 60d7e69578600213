// The project's implicit-GEMM convolution on the device (conv2d.cu): forward, input
// gradient and weight gradient of a 2-D cross-correlation (PyTorch's conv2d) with stride,
// padding and dilation. The fused conv + batch-norm + ReLU pieces built on the same GEMM are
// in conv_batch_norm_relu.h.
// Tensors are contiguous NCHW; weight is [out_channels, channels, kh, kw]; the sizes are one
// ConvGeometry (kernels/op_params.h), as for the CPU kernels.
// conv_transpose2d runs on the same three launchers with their roles swapped.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // y = conv(x, weight) + bias (bias may be null).
    void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                        const ConvGeometry& g);
    // grad_x = the adjoint of the convolution applied to grad_y (overwrites grad_x), plus bias
    // [channels] where not null: conv_transpose2d's forward is this call with its bias.
    void conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                               float* grad_x, const ConvGeometry& g);
    // grad_weight [out_channels, channels, kh, kw] summed over the batch (overwrites it).
    void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                const ConvGeometry& g);)
