// Batch normalization kernels. The input is seen as [N, C, S]: S = H*W for images
// [N, C, H, W], S = 1 for features [N, C]. Every channel c is normalized with one mean and
// one inverse standard deviation over its m = N*S values. All arrays are contiguous.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// batch_norm.cpp, and leuko::cpu::reference, the readable reference in batch_norm_reference.cpp: as
// the definition's loops with sums in double: the two-pass mean and variance, and the backward by
// the chain rule one step at a time (Ioffe and Szegedy, 2015), where the fast kernel uses the
// closed form; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // Training forward: per channel, the batch mean and biased variance (divide by m, summed in
    // double), inv_std = 1 / sqrt(variance + eps), then
    //   y = (x - mean[c]) * inv_std[c] * weight[c] + bias[c].
    // weight and bias may be null (affine off: 1 and 0). mean, variance, inv_std are [C] outputs.
    void batch_norm_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                        const float* weight, const float* bias, float eps, float* y,
                                        float* mean, float* variance, float* inv_std);

    // Eval forward: the same normalization with given statistics (the running buffers);
    // inv_std [C] is an output, kept for the backward.
    void batch_norm_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                        const float* mean, const float* variance,
                                        const float* weight, const float* bias, float eps, float* y,
                                        float* inv_std);

    // running = (1 - momentum) * running + momentum * batch, in place, with the batch variance
    // made unbiased (times m / (m - 1)) first, as PyTorch does.
    void batch_norm_update_running(const float* batch_mean, const float* batch_variance, int64_t C,
                                   int64_t m, float momentum, float* running_mean,
                                   float* running_var);

    // Gradients from grad_y, with xhat = (x - mean) * inv_std. With batch statistics
    // (`batch_stats`) mean and inv_std are functions of x, and grad_x takes the closed form
    //   grad_x = weight * inv_std / m * (m * dy - sum(dy) - xhat * sum(dy * xhat));
    // with fixed statistics grad_x = weight * inv_std * dy. In both cases
    // grad_weight = sum(dy * xhat) and grad_bias = sum(dy). Any of grad_x, grad_weight,
    // grad_bias may be null (not wanted); weight may be null (affine off).
    void batch_norm_backward(const float* grad_y, const float* x, int64_t N, int64_t C, int64_t S,
                             const float* mean, const float* inv_std, const float* weight,
                             bool batch_stats, float* grad_x, float* grad_weight,
                             float* grad_bias);)

namespace leuko::cpu {

// How batch_norm_forward_batch_stats (and batch_norm_relu's) find channel c's statistics:
// its mean and biased variance over the m = N*S values, from their sum and sum of squares in
// double (E[x^2] - E[x]^2 then loses nothing that float32 data can show, even when the mean
// is large against the spread), written to mean[c], variance[c] and inv_std[c] =
// 1 / sqrt(variance + eps).
void batch_norm_channel_stats(const float* x, int64_t N, int64_t C, int64_t S, int64_t c, float eps,
                              float* mean, float* variance, float* inv_std);

// How batch_norm_backward (and batch_norm_relu_backward) finish channel c, from the sums
// sum_g = sum(g) and sum_g_centered = sum(g * (x - mean)) over its m values of the gradient g
// that reaches the normalized value: grad_weight[c] = sum_g_centered * inv_std and
// grad_bias[c] = sum_g (each written when not null), and the coefficients of
//   grad_x = k * g + slope * (x - mean) + offset,   k = weight * inv_std,
// with batch statistics slope = -k * inv_std^2 * sum_g_centered / m and offset = -k * sum_g / m
// (the closed form in batch_norm_backward's comment, expanded); with fixed statistics both 0.
struct BatchNormInputGrad {
  float k, slope, offset;
};
BatchNormInputGrad batch_norm_channel_grads(int64_t c, double sum_g, double sum_g_centered,
                                            double m, const float* inv_std, const float* weight,
                                            bool batch_stats, float* grad_weight, float* grad_bias);

}  // namespace leuko::cpu
