// The readable reference of fused batch norm + ReLU (batch_norm_relu.h): the same kernels,
// names and signatures, written unfused: batch norm's reference, the residual added, then the
// ReLU, and backward the other way round; no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void batch_norm_relu_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* y, float* mean,
                                         float* variance, float* inv_std);
void batch_norm_relu_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* mean, const float* variance,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* y,
                                         float* inv_std);
void batch_norm_relu_backward(const float* grad_y, const float* x, const float* y, int64_t N,
                              int64_t C, int64_t S, const float* mean, const float* inv_std,
                              const float* weight, const float* bias, bool batch_stats,
                              float* grad_x, float* grad_weight, float* grad_bias,
                              float* grad_residual);

}  // namespace leuko::cpu::reference
