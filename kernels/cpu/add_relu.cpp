// Fused add + ReLU (see add_relu.h).
//
// Why fused: unfused, a + b is written to memory and read back by the ReLU, and the ReLU's
// backward needs that sum (or its own output) kept. Fused, the forward reads a and b and
// writes y once, and the backward takes its mask from y.
// Work split: one vectorized pass, split into equal contiguous chunks over the OpenMP threads
// above kParallelMin elements. Cost per element: forward reads 8 bytes and writes 4 (2 flops),
// backward reads 8 and writes 4 (one compare-select): bound by memory bandwidth.
#include "kernels/cpu/add_relu.h"

#include "kernels/relu_rule.h"

namespace leuko::cpu {

// Below this size the cost of waking a second thread exceeds the work.
constexpr int64_t kParallelMin = 32768;

void add_relu_forward(const float* a, const float* b, int64_t n, float* y) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    const float sum = a[i] + b[i];
    y[i] = relu_of(sum);
  }
}

void add_relu_backward(const float* grad_y, const float* y, int64_t n, float* grad_ab) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) grad_ab[i] = y[i] > 0.0f ? grad_y[i] : 0.0f;
}

}  // namespace leuko::cpu
