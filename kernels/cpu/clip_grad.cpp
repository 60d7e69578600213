// Gradient clipping loops. Each is one pass over a gradient buffer (4 bytes read, and for the
// in-place ones 4 written, per element; 1-3 flops), split evenly over the cores and
// vectorized within each; the norms reduce per core in double, so millions of squares keep
// their precision.
#include "kernels/cpu/clip_grad.h"

#include <cmath>

namespace leuko::cpu {

static constexpr int64_t kParallelThreshold = 1 << 15;

double sum_abs_pow(const float* x, int64_t n, double p) {
  double total = 0.0;
  if (p == 2.0) {
#pragma omp parallel for simd schedule(static) reduction(+ : total) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) total += static_cast<double>(x[i]) * x[i];
  } else if (p == 1.0) {
#pragma omp parallel for simd schedule(static) reduction(+ : total) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) total += std::fabs(static_cast<double>(x[i]));
  } else {
#pragma omp parallel for schedule(static) reduction(+ : total) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) total += std::pow(std::fabs(static_cast<double>(x[i])), p);
  }
  return total;
}

float max_abs(const float* x, int64_t n) {
  float largest = 0.0f;
  bool saw_nan = false;
#pragma omp parallel for schedule(static) reduction(max        \
                                                    : largest) \
    reduction(||                                               \
              : saw_nan) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    largest = std::fmax(largest, std::fabs(x[i]));
    saw_nan = saw_nan || std::isnan(x[i]);
  }
  return saw_nan ? NAN : largest;  // fmax skips NaN, but a NaN gradient must show in the norm
}

void scale_inplace(float* x, int64_t n, float factor) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) x[i] *= factor;
}

void clamp_inplace(float* x, int64_t n, float limit) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] < -limit ? -limit : (x[i] > limit ? limit : x[i]);
}

}  // namespace leuko::cpu
