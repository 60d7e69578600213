// Training-mode batch normalization + affine + ReLU (+ an optional residual add) in one pass,
// forward and backward, on [N, C, S] contiguous device memory (S = H*W), given the
// per-channel mean and inv_std already gathered (e.g. while a convolution wrote x):
//   y = max(0, (x - mean[c]) * inv_std[c] * weight[c] + bias[c] + residual)
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // weight, bias may be null (1 and 0); residual may be null (nothing added).
    void bn_relu_forward(const float* x, int64_t N, int64_t C, int64_t S, const float* mean,
                         const float* inv_std, const float* weight, const float* bias,
                         const float* residual, float* y);
    // From grad_y and the forward's output y (the ReLU passed where y > 0): g = dy * (y > 0),
    //   grad_bias = sum(g), grad_weight = sum(g * xhat)   (per channel, always written),
    //   grad_residual = g                                 (when not null),
    //   grad_x = weight * inv_std / m * (m * g - sum(g) - xhat * sum(g * xhat))
    // (mean and inv_std are the batch's: their own gradients are folded into grad_x).
    // weight may be null (affine off); grad_x and grad_residual may be null (not wanted).
    void bn_relu_backward(const float* grad_y, const float* x, const float* y, int64_t N, int64_t C,
                          int64_t S, const float* mean, const float* inv_std, const float* weight,
                          float* grad_x, float* grad_weight, float* grad_bias,
                          float* grad_residual);)
