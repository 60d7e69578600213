// y = max(0, batch_norm(x) + residual), as the three steps it fuses.
#include "kernels/cpu/batch_norm_relu.h"

#include <vector>

#include "kernels/cpu/batch_norm.h"
#include "kernels/relu_rule.h"

namespace leuko::cpu::reference {

// y = max(0, y + residual) in place (residual may be null); a NaN stays NaN.
static void add_and_rectify(const float* residual, int64_t size, float* y) {
  for (int64_t i = 0; i < size; ++i) {
    const float v = y[i] + (residual ? residual[i] : 0.0f);
    y[i] = relu_of(v);
  }
}

void batch_norm_relu_forward_batch_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* y, float* mean,
                                         float* variance, float* inv_std) {
  batch_norm_forward_batch_stats(x, N, C, S, weight, bias, eps, y, mean, variance, inv_std);
  add_and_rectify(residual, N * C * S, y);
}

void batch_norm_relu_forward_fixed_stats(const float* x, int64_t N, int64_t C, int64_t S,
                                         const float* mean, const float* variance,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* y,
                                         float* inv_std) {
  batch_norm_forward_fixed_stats(x, N, C, S, mean, variance, weight, bias, eps, y, inv_std);
  add_and_rectify(residual, N * C * S, y);
}

// g = grad_y where the ReLU passed (y > 0, or, without y, where batch norm's output of x is
// > 0); g is the residual's gradient, and batch norm's backward of g gives the rest.
void batch_norm_relu_backward(const float* grad_y, const float* x, const float* y, int64_t N,
                              int64_t C, int64_t S, const float* mean, const float* inv_std,
                              const float* weight, const float* bias, bool batch_stats,
                              float* grad_x, float* grad_weight, float* grad_bias,
                              float* grad_residual) {
  std::vector<float> g(N * C * S);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        const double pre_relu =
            y ? double{y[i]}
              : (double{x[i]} - mean[c]) * inv_std[c] * (weight ? weight[c] : 1.0f) +
                    (bias ? bias[c] : 0.0f);
        g[i] = pre_relu > 0.0 ? grad_y[i] : 0.0f;
        if (grad_residual) grad_residual[i] = g[i];
      }
  batch_norm_backward(g.data(), x, N, C, S, mean, inv_std, weight, batch_stats, grad_x, grad_weight,
                      grad_bias);
}

}  // namespace leuko::cpu::reference
