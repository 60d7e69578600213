// Batch normalization on the GPU, forward and backward, on [N, C, S] (S = H*W for images,
// 1 for features), all arrays contiguous device memory. The same functions and meanings as
// kernels/cpu/batch_norm.h, so the op dispatches to either with the same arguments.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // Training forward: per channel the batch mean and biased variance, inv_std =
    // 1 / sqrt(variance + eps), y = (x - mean) * inv_std * weight + bias. weight and bias may
    // be null (1 and 0); mean, variance, inv_std are [C] outputs.
    void batch_norm_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                        const float* weight, const float* bias, float eps, float* y,
                                        float* mean, float* variance, float* inv_std);
    // Eval forward with given statistics; inv_std [C] is an output, kept for the backward.
    void batch_norm_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                        const float* mean, const float* variance,
                                        const float* weight, const float* bias, float eps, float* y,
                                        float* inv_std);
    // running = (1 - momentum) * running + momentum * batch, the variance made unbiased
    // (times m / (m - 1)) first, in place.
    void batch_norm_update_running(const float* batch_mean, const float* batch_variance, int64_t C,
                                   int64_t m, float momentum, float* running_mean,
                                   float* running_var);
    // grad_weight = sum(dy * xhat), grad_bias = sum(dy), and grad_x in closed form (batch
    // statistics) or as weight * inv_std * dy (fixed ones). Any output may be null.
    void batch_norm_backward(const float* grad_y, const float* x, int64_t N, int64_t C, int64_t S,
                             const float* mean, const float* inv_std, const float* weight,
                             bool batch_stats, float* grad_x, float* grad_weight,
                             float* grad_bias);)
