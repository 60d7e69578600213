// The p-norm's sum sum_i |x_i|^p, the infinity norm max_i |x_i|, scaling and clamping.
#include "kernels/cpu/clip_grad.h"

#include <cmath>

namespace leuko::cpu::reference {

double sum_abs_pow(const float* x, int64_t n, double p) {
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += std::pow(std::fabs(double{x[i]}), p);
  return total;
}

// A NaN anywhere makes the norm NaN, so a broken gradient is seen, not clipped away.
float max_abs(const float* x, int64_t n) {
  float largest = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) return NAN;
    if (std::fabs(x[i]) > largest) largest = std::fabs(x[i]);
  }
  return largest;
}

void scale_inplace(float* x, int64_t n, float factor) {
  for (int64_t i = 0; i < n; ++i) x[i] *= factor;
}

// x = min(max(x, -limit), limit); a NaN fails both comparisons and stays NaN.
void clamp_inplace(float* x, int64_t n, float limit) {
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] < -limit) x[i] = -limit;
    if (x[i] > limit) x[i] = limit;
  }
}

}  // namespace leuko::cpu::reference
