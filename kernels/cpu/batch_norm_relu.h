// Fused batch normalization + ReLU, with an optional residual added before the ReLU (a
// residual block's end), forward and backward, on [N, C, S] (S = H*W), all arrays contiguous:
//   y = max(0, (x - mean[c]) * inv_std[c] * weight[c] + bias[c] + residual).
//
// Why fused: BN's output is only ever read by the ReLU (or the add), so the unfused chain
// writes and keeps one or two more activation-sized tensors per layer and makes one or two
// more passes over memory each way. Without a residual the backward needs no saved output:
// whether the ReLU passed an element is recomputed from x with the same per-channel scale
// and shift the forward used. With a residual the mask is read from the output y instead
// (x alone no longer decides it), and the residual's gradient, g = grad_y * (y > 0), is
// written in the same pass that sums g for batch norm.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// batch_norm_relu.cpp, and leuko::cpu::reference, the readable reference in
// batch_norm_relu_reference.cpp: written unfused: batch norm's reference, the residual added, then
// the ReLU, and backward the other way round; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // Training forward: per-channel batch mean and biased variance (summed in double), inv_std =
    // 1 / sqrt(variance + eps), then the normalized, affine, residual-added, rectified output.
    // weight/bias may be null (1 and 0), residual may be null (nothing added). mean, variance
    // and inv_std are [C] outputs.
    void batch_norm_relu_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                             const float* weight, const float* bias,
                                             const float* residual, float eps, float* y,
                                             float* mean, float* variance, float* inv_std);

    // Eval forward with given statistics (the running buffers); inv_std [C] is an output.
    void batch_norm_relu_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                             const float* mean, const float* variance,
                                             const float* weight, const float* bias,
                                             const float* residual, float eps, float* y,
                                             float* inv_std);

    // Gradients from grad_y: g = grad_y where the forward's pre-ReLU value was > 0, else 0; then
    // batch norm's backward of g (closed form with batch statistics, a plain scale with fixed
    // ones). The mask comes from y (the forward's output) when y is given, which a forward with
    // a residual needs; with y null it is recomputed from x (no residual). grad_residual (= g)
    // may be given only together with y. grad_x, grad_weight, grad_bias, grad_residual may each
    // be null (not wanted).
    void batch_norm_relu_backward(const float* grad_y, const float* x, const float* y, int64_t N,
                                  int64_t C, int64_t S, const float* mean, const float* inv_std,
                                  const float* weight, const float* bias, bool batch_stats,
                                  float* grad_x, float* grad_weight, float* grad_bias,
                                  float* grad_residual);)
