// y = max(a + b, 0), a NaN sum staying NaN; d y / d a = d y / d b = 1 where the sum is
// positive (that is, y > 0).
#include "kernels/cpu/add_relu.h"

#include "kernels/relu_rule.h"

namespace leuko::cpu::reference {

void add_relu_forward(const float* a, const float* b, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float sum = a[i] + b[i];
    y[i] = relu_of(sum);
  }
}

void add_relu_backward(const float* grad_y, const float* y, int64_t n, float* grad_ab) {
  for (int64_t i = 0; i < n; ++i) grad_ab[i] = y[i] > 0.0f ? grad_y[i] : 0.0f;
}

}  // namespace leuko::cpu::reference
