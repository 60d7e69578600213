// Fused batch normalization + ReLU, forward and backward, on [N, C, S] (S = H*W), all arrays
// contiguous: y = max(0, (x - mean[c]) * inv_std[c] * weight[c] + bias[c]).
//
// Why fused: BN's output is only ever read by the ReLU, so the unfused pair writes and keeps
// one more activation-sized tensor per layer and makes one more pass over memory each way.
// The backward needs no saved output: whether the ReLU passed an element is recomputed from x
// with the same per-channel scale and shift the forward used.
#pragma once

#include <cstdint>

namespace leuko::cpu {

// Training forward: per-channel batch mean and biased variance (summed in double), inv_std =
// 1 / sqrt(variance + eps), then the normalized, affine, rectified output. weight/bias may
// be null (1 and 0). mean, variance and inv_std are [C] outputs.
void batch_norm_relu_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* weight, const float* bias, float eps,
                                         float* y, float* mean, float* variance, float* inv_std);

// Eval forward with given statistics (the running buffers); inv_std [C] is an output.
void batch_norm_relu_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* mean, const float* variance,
                                         const float* weight, const float* bias, float eps,
                                         float* y, float* inv_std);

// Gradients from grad_y: g = grad_y where the forward's pre-ReLU value was > 0, else 0; then
// batch norm's backward of g (closed form with batch statistics, a plain scale with fixed
// ones). grad_x, grad_weight, grad_bias may each be null (not wanted).
void batch_norm_relu_backward(const float* grad_y, const float* x, int64_t N, int64_t C,
                              int64_t S, const float* mean, const float* inv_std,
                              const float* weight, const float* bias, bool batch_stats,
                              float* grad_x, float* grad_weight, float* grad_bias);

}  // namespace leuko::cpu
