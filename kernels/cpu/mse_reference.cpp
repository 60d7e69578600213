// loss = sum_i (p_i - t_i)^2 / n;  d loss / d p_i = 2 (p_i - t_i) / n = -d loss / d t_i.
#include "kernels/cpu/mse.h"

namespace leuko::cpu::reference {

float mse_forward(const float* prediction, const float* target, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = double{prediction[i]} - target[i];
    sum += d * d;
  }
  return static_cast<float>(sum / n);
}

void mse_backward(const float* prediction, const float* target, int64_t n, float grad_loss,
                  float* grad_prediction, float* grad_target) {
  for (int64_t i = 0; i < n; ++i) {
    const double g = 2.0 * (double{prediction[i]} - target[i]) / n * grad_loss;
    if (grad_prediction) grad_prediction[i] = static_cast<float>(g);
    if (grad_target) grad_target[i] = static_cast<float>(-g);
  }
}

}  // namespace leuko::cpu::reference
