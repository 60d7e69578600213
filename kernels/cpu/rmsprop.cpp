// RMSprop, fused: one pass reads param, grad and the (up to three) state tensors once and
// writes them once. Elements are independent: split evenly over the cores, vectorized within
// each; the options are template parameters so that each variant is a branch-free loop.
// Cost per element: ~10-14 flops incl. one sqrt and one division, 20-36 bytes moved
// (memory bound).
// The loop vectorizes only under -fno-math-errno: otherwise GCC keeps a per-element branch to
// libm's sqrtf (to set errno for negative inputs), and the scalar loop is ~3-4x slower.
#include "kernels/cpu/rmsprop.h"

#include <cmath>

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 1 << 15;

template <bool kCentered, bool kMomentum>
static void rmsprop_loop(float* param, const float* grad, float* square_avg, float* grad_avg,
                         float* momentum_buffer, int64_t n, const RmspropHyperparameters& h) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + h.weight_decay * param[i];
    const float sq = h.alpha * square_avg[i] + h.one_minus_alpha * g * g;
    square_avg[i] = sq;
    float variance = sq;
    if constexpr (kCentered) {
      const float mean = h.alpha * grad_avg[i] + h.one_minus_alpha * g;
      grad_avg[i] = mean;
      variance = sq - mean * mean;
    }
    const float avg = std::sqrt(variance) + h.eps;
    if constexpr (kMomentum) {
      const float b = h.momentum * momentum_buffer[i] + g / avg;
      momentum_buffer[i] = b;
      param[i] -= h.lr * b;
    } else {
      param[i] -= h.lr * (g / avg);
    }
  }
}

void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                  float* momentum_buffer, int64_t n, const RmspropHyperparameters& h) {
  const bool centered = grad_avg != nullptr, momentum = momentum_buffer != nullptr;
  if (centered && momentum) {
    rmsprop_loop<true, true>(param, grad, square_avg, grad_avg, momentum_buffer, n, h);
  } else if (centered) {
    rmsprop_loop<true, false>(param, grad, square_avg, grad_avg, nullptr, n, h);
  } else if (momentum) {
    rmsprop_loop<false, true>(param, grad, square_avg, nullptr, momentum_buffer, n, h);
  } else {
    rmsprop_loop<false, false>(param, grad, square_avg, nullptr, nullptr, n, h);
  }
}

}  // namespace leuko::cpu
