// conv -> batch norm -> ReLU on the device, fused into the project's implicit-GEMM
// convolution (conv_batch_norm_relu.cu): the inference fold (forward and backward), the
// convolution with a ReLU epilogue, and the training forward that gathers the batch
// statistics while it writes the convolution's output. Tensors are contiguous NCHW; weight
// is [out_channels, channels, kh, kw]; the sizes are one ConvGeometry (kernels/op_params.h).
// The op (engine/ops/conv_batch_norm_relu.cpp) runs the rest with the batch-norm kernels.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // y = max(conv(x, weight) + bias, 0), the ReLU in the convolution's epilogue (bias may be
    // null): the inference path's convolution with the folded weights.
    void conv2d_relu_forward(const float* x, const float* weight, const float* bias, float* y,
                             const ConvGeometry& g);
    // Inference conv -> batch norm (running statistics) -> ReLU in one convolution pass: the
    // normalization is folded into a scaled copy of the weights and a shifted bias
    //   scale = bn_weight / sqrt(running_var + eps)
    //   w' = weight * scale (per output channel),  b' = (bias - running_mean) * scale + bn_bias
    // and bias + ReLU run in the convolution's epilogue. bias may be null.
    void conv2d_bn_relu_inference(const float* x, const float* weight, const float* bias,
                                  const float* bn_weight, const float* bn_bias,
                                  const float* running_mean, const float* running_var, float eps,
                                  float* y, const ConvGeometry& g);
    // The fold on its own, for a caller that keeps the folded weights (the eval-mode backward
    // needs them): folded_weight [O, C, kh, kw] and folded_bias [O] as above. bias, bn_weight
    // and bn_bias may be null (0, 1 and 0).
    void fold_batch_norm(const float* weight, const float* bias, const float* bn_weight,
                         const float* bn_bias, const float* running_mean, const float* running_var,
                         float eps, float* folded_weight, float* folded_bias,
                         const ConvGeometry& g);
    // The fold's backward: from the gradients of the folded weight and bias, with
    // scale = bn_weight / sqrt(running_var + eps),
    //   grad_weight = grad_folded_weight * scale         grad_bias = grad_folded_bias * scale
    //   grad_bn_bias = grad_folded_bias
    //   grad_bn_weight = (sum_k grad_folded_weight[o, k] * weight[o, k]
    //                     + grad_folded_bias[o] * (bias[o] - running_mean[o])) / sqrt(var + eps)
    // Every output may be null (not wanted); bias and bn_weight may be null (0 and 1).
    void fold_batch_norm_backward(const float* grad_folded_weight, const float* grad_folded_bias,
                                  const float* weight, const float* bias, const float* bn_weight,
                                  const float* running_mean, const float* running_var, float eps,
                                  float* grad_weight, float* grad_bias, float* grad_bn_weight,
                                  float* grad_bn_bias, const ConvGeometry& g);
    // Training conv -> batch norm, first half: y = conv(x, weight) + bias (bias may be null, no
    // ReLU) and, per output channel, the batch mean, biased variance and
    // inv_std = 1 / sqrt(variance + eps) of the values written, summed in double in the
    // convolution's epilogue instead of a second pass over y. mean, variance, inv_std are [O].
    void conv2d_forward_batch_stats(const float* x, const float* weight, const float* bias,
                                    float eps, float* y, float* mean, float* variance,
                                    float* inv_std, const ConvGeometry& g);)
