// Inverted dropout: u_i = (top 24 bits of dropout_hash(seed, i)) / 2^24 is uniform in [0, 1);
// y_i = x_i / (1 - p) if u_i >= p, else 0. The backward passes grad_y through the same mask.
#include "kernels/cpu/dropout.h"

namespace leuko::cpu::reference {

static void apply_mask(const float* in, int64_t n, float p, uint64_t seed, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(dropout_hash(seed, i) >> 40) / 16777216.0;
    out[i] = u >= p ? static_cast<float>(in[i] / (1.0 - p)) : 0.0f;
  }
}

void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y) {
  apply_mask(x, n, p, seed, y);
}

void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x) {
  apply_mask(grad_y, n, p, seed, grad_x);
}

}  // namespace leuko::cpu::reference
