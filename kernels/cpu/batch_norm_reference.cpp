// Batch normalization over [N, C, S], channel by channel (m = N * S values each):
//   mean = sum(x) / m,  variance = sum((x - mean)^2) / m (biased),
//   inv_std = 1 / sqrt(variance + eps),  xhat = (x - mean) * inv_std,
//   y = weight * xhat + bias.
#include "kernels/cpu/batch_norm.h"

#include <cmath>

namespace leuko::cpu::reference {

static int64_t at(int64_t n, int64_t c, int64_t s, int64_t C, int64_t S) {
  return (n * C + c) * S + s;
}

static void normalize(const float* x, int64_t N, int64_t C, int64_t S, const float* mean,
                      const float* inv_std, const float* weight, const float* bias, float* y) {
  for (int64_t c = 0; c < C; ++c)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double xhat = (double{x[at(n, c, s, C, S)]} - mean[c]) * inv_std[c];
        y[at(n, c, s, C, S)] =
            static_cast<float>(xhat * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f));
      }
}

void batch_norm_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* weight, const float* bias, float eps, float* y,
                                    float* mean, float* variance, float* inv_std) {
  const double m = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) sum += x[at(n, c, s, C, S)];
    const double mu = sum / m;
    double squares = 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double d = x[at(n, c, s, C, S)] - mu;
        squares += d * d;
      }
    mean[c] = static_cast<float>(mu);
    variance[c] = static_cast<float>(squares / m);
    inv_std[c] = static_cast<float>(1.0 / std::sqrt(squares / m + eps));
  }
  normalize(x, N, C, S, mean, inv_std, weight, bias, y);
}

void batch_norm_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                    const float* mean, const float* variance, const float* weight,
                                    const float* bias, float eps, float* y, float* inv_std) {
  for (int64_t c = 0; c < C; ++c)
    inv_std[c] = static_cast<float>(1.0 / std::sqrt(variance[c] + eps));
  normalize(x, N, C, S, mean, inv_std, weight, bias, y);
}

// running = (1 - momentum) running + momentum batch, the variance made unbiased by m / (m - 1).
void batch_norm_update_running(const float* batch_mean, const float* batch_variance, int64_t C,
                               int64_t m, float momentum, float* running_mean, float* running_var) {
  for (int64_t c = 0; c < C; ++c) {
    const double unbiased = double{batch_variance[c]} * m / (m - 1);
    running_mean[c] =
        static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * batch_mean[c]);
    running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] + momentum * unbiased);
  }
}

// Per channel, with d(.) the gradient of the loss:
//   d weight = sum(dy * xhat),  d bias = sum(dy),  dxhat = dy * weight;
// fixed statistics: dx = dxhat * inv_std. Batch statistics, where mean and variance depend
// on x too:
//   d variance = sum(dxhat * (x - mean)) * -inv_std^3 / 2,
//   d mean     = -inv_std * sum(dxhat) - 2 d variance * sum(x - mean) / m,
//   dx         = dxhat * inv_std + d variance * 2 (x - mean) / m + d mean / m.
void batch_norm_backward(const float* grad_y, const float* x, int64_t N, int64_t C, int64_t S,
                         const float* mean, const float* inv_std, const float* weight,
                         bool batch_stats, float* grad_x, float* grad_weight, float* grad_bias) {
  const double m = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    const double mu = mean[c], istd = inv_std[c], w = weight ? weight[c] : 1.0f;
    double sum_dy = 0.0, sum_dy_xhat = 0.0, sum_dxhat_centered = 0.0, sum_centered = 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double dy = grad_y[at(n, c, s, C, S)], centered = x[at(n, c, s, C, S)] - mu;
        sum_dy += dy;
        sum_dy_xhat += dy * centered * istd;
        sum_dxhat_centered += dy * w * centered;
        sum_centered += centered;
      }
    if (grad_weight) grad_weight[c] = static_cast<float>(sum_dy_xhat);
    if (grad_bias) grad_bias[c] = static_cast<float>(sum_dy);
    if (!grad_x) continue;
    const double d_variance = batch_stats ? sum_dxhat_centered * -0.5 * istd * istd * istd : 0.0;
    const double d_mean =
        batch_stats ? -istd * w * sum_dy - 2.0 * d_variance * sum_centered / m : 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double dxhat = grad_y[at(n, c, s, C, S)] * w;
        const double centered = x[at(n, c, s, C, S)] - mu;
        grad_x[at(n, c, s, C, S)] =
            static_cast<float>(dxhat * istd + d_variance * 2.0 * centered / m + d_mean / m);
      }
  }
}

}  // namespace leuko::cpu::reference
