// Batch normalization, forward and backward, on [N, C, S] (see batch_norm.h).
//
// Work split: one OpenMP thread per channel (channels are independent); inside a channel
// the N rows of S contiguous values are walked with `omp simd` loops. A channel's passes
// run back to back, so its values are still in cache for the second pass.
// Cost per element: training forward reads x twice (statistics, normalize) and writes y once,
// ~5 flops; backward reads dy and x twice and writes dx once, ~7 flops. Memory bound.
#include "kernels/cpu/batch_norm.h"

#include <algorithm>
#include <cmath>

namespace leuko::cpu {

// Large tensors only: a thread team costs a few microseconds to wake.
static constexpr int64_t kParallelThreshold = 32768;

// y = x * scale + shift over one channel: the normalization and affine folded into one FMA.
static void scale_shift_channel(const float* x, int64_t N, int64_t C, int64_t S, int64_t c,
                                float scale, float shift, float* y) {
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = x + (n * C + c) * S;
    float* yr = y + (n * C + c) * S;
#pragma omp simd
    for (int64_t s = 0; s < S; ++s) yr[s] = xr[s] * scale + shift;
  }
}

void batch_norm_channel_stats(const float* x, int64_t N, int64_t C, int64_t S, int64_t c, float eps,
                              float* mean, float* variance, float* inv_std) {
  double sum = 0.0, sum_sq = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = x + (n * C + c) * S;
#pragma omp simd reduction(+ : sum, sum_sq)
    for (int64_t s = 0; s < S; ++s) {
      const double v = xr[s];
      sum += v;
      sum_sq += v * v;
    }
  }
  const double m = static_cast<double>(N * S);
  const double mu = sum / m;
  const double var = std::max(sum_sq / m - mu * mu, 0.0);
  mean[c] = static_cast<float>(mu);
  variance[c] = static_cast<float>(var);
  inv_std[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
}

void batch_norm_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* weight, const float* bias, float eps, float* y,
                                    float* mean, float* variance, float* inv_std) {
#pragma omp parallel for schedule(static) if (N * C * S > kParallelThreshold)
  for (int64_t c = 0; c < C; ++c) {
    batch_norm_channel_stats(x, N, C, S, c, eps, mean, variance, inv_std);
    const float scale = inv_std[c] * (weight ? weight[c] : 1.0f);
    const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
    scale_shift_channel(x, N, C, S, c, scale, shift, y);
  }
}

void batch_norm_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* mean, const float* variance, const float* weight,
                                    const float* bias, float eps, float* y, float* inv_std) {
#pragma omp parallel for schedule(static) if (N * C * S > kParallelThreshold)
  for (int64_t c = 0; c < C; ++c) {
    const float istd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c]) + eps));
    inv_std[c] = istd;
    const float scale = istd * (weight ? weight[c] : 1.0f);
    const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
    scale_shift_channel(x, N, C, S, c, scale, shift, y);
  }
}

void batch_norm_update_running(const float* batch_mean, const float* batch_variance, int64_t C,
                               int64_t m, float momentum, float* running_mean, float* running_var) {
  const float unbias = static_cast<float>(m) / static_cast<float>(m - 1);
  for (int64_t c = 0; c < C; ++c) {
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * batch_mean[c];
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * batch_variance[c] * unbias;
  }
}

BatchNormInputGrad batch_norm_channel_grads(int64_t c, double sum_g, double sum_g_centered,
                                            double m, const float* inv_std, const float* weight,
                                            bool batch_stats, float* grad_weight,
                                            float* grad_bias) {
  const double istd = inv_std[c];
  if (grad_weight) grad_weight[c] = static_cast<float>(sum_g_centered * istd);
  if (grad_bias) grad_bias[c] = static_cast<float>(sum_g);
  const double k = istd * (weight ? weight[c] : 1.0f);
  if (!batch_stats) return {static_cast<float>(k), 0.0f, 0.0f};
  return {static_cast<float>(k), static_cast<float>(-k * istd * istd * sum_g_centered / m),
          static_cast<float>(-k * sum_g / m)};
}

void batch_norm_backward(const float* grad_y, const float* x, int64_t N, int64_t C, int64_t S,
                         const float* mean, const float* inv_std, const float* weight,
                         bool batch_stats, float* grad_x, float* grad_weight, float* grad_bias) {
  const double m = static_cast<double>(N * S);
#pragma omp parallel for schedule(static) if (N * C * S > kParallelThreshold)
  for (int64_t c = 0; c < C; ++c) {
    // Pass 1: sum(dy) and sum(dy * (x - mean)); the latter times inv_std is sum(dy * xhat).
    const float mu = mean[c];
    double sum_dy = 0.0, sum_dy_centered = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const float* dyr = grad_y + (n * C + c) * S;
      const float* xr = x + (n * C + c) * S;
#pragma omp simd reduction(+ : sum_dy, sum_dy_centered)
      for (int64_t s = 0; s < S; ++s) {
        sum_dy += dyr[s];
        sum_dy_centered += static_cast<double>(dyr[s]) * (xr[s] - mu);
      }
    }
    const BatchNormInputGrad d = batch_norm_channel_grads(
        c, sum_dy, sum_dy_centered, m, inv_std, weight, batch_stats, grad_weight, grad_bias);
    if (!grad_x) continue;

    // Pass 2: grad_x = k * dy + slope * (x - mean) + offset.
    for (int64_t n = 0; n < N; ++n) {
      const float* dyr = grad_y + (n * C + c) * S;
      const float* xr = x + (n * C + c) * S;
      float* dxr = grad_x + (n * C + c) * S;
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) dxr[s] = d.k * dyr[s] + d.slope * (xr[s] - mu) + d.offset;
    }
  }
}

}  // namespace leuko::cpu
