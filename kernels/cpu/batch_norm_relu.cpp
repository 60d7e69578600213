// Fused batch normalization + ReLU, with an optional residual (see batch_norm_relu.h).
//
// Work split: one OpenMP thread per channel; inside a channel the N rows of S contiguous
// values are walked by `omp simd` loops, the channel's passes back to back so its values are
// still in cache for the second one.
// Cost per element: training forward reads x twice (and the residual once) and writes y once
// (~6 flops); backward reads grad_y and x twice (and y twice with a residual) and writes
// grad_x once (and grad_residual once) (~9 flops). Against batch_norm followed by relu that
// is one activation-sized write and two reads fewer each way, and one tensor less kept for
// the backward; against batch_norm, add and relu, two writes and four reads fewer.
#include "kernels/cpu/batch_norm_relu.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/batch_norm.h"
#include "kernels/relu_rule.h"

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 32768;  // a thread team costs microseconds to wake

// The per-channel affine map both directions use: pre-ReLU value = x * scale + shift. One
// function, so the backward's recomputed ReLU mask matches the forward bit for bit.
struct ChannelMap {
  float scale, shift;
};
static ChannelMap channel_map(float mean, float inv_std, const float* weight, const float* bias,
                              int64_t c) {
  const float scale = inv_std * (weight ? weight[c] : 1.0f);
  return {scale, (bias ? bias[c] : 0.0f) - mean * scale};
}

// y = max(0, x * scale + shift (+ residual)) over channel c. The residual test sits outside
// the row loops, so each loop stays one straight vectorized pass.
static void rectify_channel(const float* x, const float* residual, int64_t N, int64_t C, int64_t S,
                            int64_t c, ChannelMap map, float* y) {
  for (int64_t n = 0; n < N; ++n) {
    const int64_t row = (n * C + c) * S;
    const float* xr = x + row;
    float* yr = y + row;
    if (residual) {
      const float* rr = residual + row;
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) {
        const float v = xr[s] * map.scale + map.shift + rr[s];
        yr[s] = relu_of(v);
      }
    } else {
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) {
        const float v = xr[s] * map.scale + map.shift;
        yr[s] = relu_of(v);
      }
    }
  }
}

void batch_norm_relu_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* y, float* mean,
                                         float* variance, float* inv_std) {
#pragma omp parallel for schedule(static) if (N * C * S > kParallelThreshold)
  for (int64_t c = 0; c < C; ++c) {
    batch_norm_channel_stats(x, N, C, S, c, eps, mean, variance, inv_std);
    rectify_channel(x, residual, N, C, S, c, channel_map(mean[c], inv_std[c], weight, bias, c), y);
  }
}

void batch_norm_relu_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* mean, const float* variance,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* y,
                                         float* inv_std) {
#pragma omp parallel for schedule(static) if (N * C * S > kParallelThreshold)
  for (int64_t c = 0; c < C; ++c) {
    inv_std[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c]) + eps));
    rectify_channel(x, residual, N, C, S, c, channel_map(mean[c], inv_std[c], weight, bias, c), y);
  }
}

// Where the backward learns which elements the ReLU passed: recomputed from the input x
// (no residual: the cheaper way, nothing saved) or read from the output y (with a residual).
enum class MaskFrom { input, output };

// The gradient that reaches the pre-ReLU sum at row offset s: grad_y where the ReLU passed.
template <MaskFrom kFrom>
static inline float passed_gradient(const float* dyr, const float* xr, const float* yr, int64_t s,
                                    ChannelMap map) {
  if constexpr (kFrom == MaskFrom::output) {
    return yr[s] > 0.0f ? dyr[s] : 0.0f;
  } else {
    return xr[s] * map.scale + map.shift > 0.0f ? dyr[s] : 0.0f;
  }
}

// Pass 1 over one row of a channel: the row's sum(g) and sum(g * (x - mean)); with kStore, g
// itself is written to gr (the residual's gradient). A row is summed in float SIMD lanes
// (many short partial sums, so little rounding growth), the caller adds the rows in double:
// GCC leaves a masked double reduction scalar, 3x slower than this.
struct RowSums {
  float g, g_centered;
};
template <MaskFrom kFrom, bool kStore>
static RowSums row_sums(const float* dyr, const float* xr, const float* yr, int64_t S, float mu,
                        ChannelMap map, float* gr) {
  float row_g = 0.0f, row_g_centered = 0.0f;
#pragma omp simd reduction(+ : row_g, row_g_centered)
  for (int64_t s = 0; s < S; ++s) {
    const float g = passed_gradient<kFrom>(dyr, xr, yr, s, map);
    if constexpr (kStore) gr[s] = g;
    row_g += g;
    row_g_centered += g * (xr[s] - mu);
  }
  return {row_g, row_g_centered};
}

template <MaskFrom kFrom>
static void backward_channel(const float* grad_y, const float* x, const float* y, int64_t N,
                             int64_t C, int64_t S, int64_t c, const float* mean,
                             const float* inv_std, const float* weight, const float* bias,
                             bool batch_stats, float* grad_x, float* grad_weight, float* grad_bias,
                             float* grad_residual) {
  const double m = static_cast<double>(N * S);
  const float mu = mean[c];
  const ChannelMap map = channel_map(mu, inv_std[c], weight, bias, c);
  // Pass 1: with g = grad_y masked by the ReLU, sum(g) and sum(g * (x - mean)), and
  // grad_residual = g on the way.
  double sum_g = 0.0, sum_g_centered = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t row = (n * C + c) * S;
    const float* yr = kFrom == MaskFrom::output ? y + row : nullptr;
    const RowSums r =
        grad_residual
            ? row_sums<kFrom, true>(grad_y + row, x + row, yr, S, mu, map, grad_residual + row)
            : row_sums<kFrom, false>(grad_y + row, x + row, yr, S, mu, map, nullptr);
    sum_g += r.g;
    sum_g_centered += r.g_centered;
  }
  const BatchNormInputGrad d = batch_norm_channel_grads(
      c, sum_g, sum_g_centered, m, inv_std, weight, batch_stats, grad_weight, grad_bias);
  if (!grad_x) return;

  // Pass 2: grad_x = k * g + slope * (x - mean) + offset (batch norm's closed form).
  for (int64_t n = 0; n < N; ++n) {
    const int64_t row = (n * C + c) * S;
    const float* dyr = grad_y + row;
    const float* xr = x + row;
    const float* yr = kFrom == MaskFrom::output ? y + row : nullptr;
    float* dxr = grad_x + row;
#pragma omp simd
    for (int64_t s = 0; s < S; ++s) {
      const float g = passed_gradient<kFrom>(dyr, xr, yr, s, map);
      dxr[s] = d.k * g + d.slope * (xr[s] - mu) + d.offset;
    }
  }
}

void batch_norm_relu_backward(const float* grad_y, const float* x, const float* y, int64_t N,
                              int64_t C, int64_t S, const float* mean, const float* inv_std,
                              const float* weight, const float* bias, bool batch_stats,
                              float* grad_x, float* grad_weight, float* grad_bias,
                              float* grad_residual) {
#pragma omp parallel for schedule(static) if (N * C * S > kParallelThreshold)
  for (int64_t c = 0; c < C; ++c) {
    if (y) {
      backward_channel<MaskFrom::output>(grad_y, x, y, N, C, S, c, mean, inv_std, weight, bias,
                                         batch_stats, grad_x, grad_weight, grad_bias,
                                         grad_residual);
    } else {
      backward_channel<MaskFrom::input>(grad_y, x, nullptr, N, C, S, c, mean, inv_std, weight, bias,
                                        batch_stats, grad_x, grad_weight, grad_bias, nullptr);
    }
  }
}

}  // namespace leuko::cpu
