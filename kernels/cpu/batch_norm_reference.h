// The readable reference of batch normalization (batch_norm.h): the same kernels, names and
// signatures, as the definition's loops with sums in double: the two-pass mean and variance,
// and the backward by the chain rule one step at a time (Ioffe and Szegedy, 2015), where the
// fast kernel uses the closed form; no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void batch_norm_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* weight, const float* bias, float eps, float* y,
                                    float* mean, float* variance, float* inv_std);
void batch_norm_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* mean, const float* variance, const float* weight,
                                    const float* bias, float eps, float* y, float* inv_std);
void batch_norm_update_running(const float* batch_mean, const float* batch_variance, int64_t C,
                               int64_t m, float momentum, float* running_mean, float* running_var);
void batch_norm_backward(const float* grad_y, const float* x, int64_t N, int64_t C, int64_t S,
                         const float* mean, const float* inv_std, const float* weight,
                         bool batch_stats, float* grad_x, float* grad_weight, float* grad_bias);

}  // namespace leuko::cpu::reference
