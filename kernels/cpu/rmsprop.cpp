// RMSprop, fused: one pass reads param, grad and the (up to three) state tensors once and
// writes them once. Elements are independent: split evenly over the cores, vectorized within
// each. Cost per element: ~10-14 flops incl. one sqrt and one division, 16-32 bytes moved
// (memory bound).
#include "kernels/cpu/rmsprop.h"

#include <cmath>

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 1 << 15;

void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                  float* momentum_buffer, int64_t n, const RmspropHyperparameters& h) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + h.weight_decay * param[i];
    const float sq = h.alpha * square_avg[i] + h.one_minus_alpha * g * g;
    square_avg[i] = sq;
    float variance = sq;
    if (grad_avg != nullptr) {
      const float mean = h.alpha * grad_avg[i] + h.one_minus_alpha * g;
      grad_avg[i] = mean;
      variance = sq - mean * mean;
    }
    const float avg = std::sqrt(variance) + h.eps;
    if (momentum_buffer != nullptr) {
      const float b = h.momentum * momentum_buffer[i] + g / avg;
      momentum_buffer[i] = b;
      param[i] -= h.lr * b;
    } else {
      param[i] -= h.lr * (g / avg);
    }
  }
}

}  // namespace leuko::cpu
