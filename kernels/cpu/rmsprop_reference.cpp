// torch.optim.RMSprop, per element:
//   g = grad + weight_decay * param
//   square_avg = alpha square_avg + (1 - alpha) g^2
//   centered:  grad_avg = alpha grad_avg + (1 - alpha) g,  avg = sqrt(square_avg - grad_avg^2) +
//   eps otherwise: avg = sqrt(square_avg) + eps momentum:  buf = momentum buf + g / avg,  param -=
//   lr buf;   otherwise param -= lr g / avg
#include "kernels/cpu/rmsprop.h"

#include <cmath>

namespace leuko::cpu::reference {

void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                  float* momentum_buffer, int64_t n, const RmspropHyperparameters& h) {
  for (int64_t i = 0; i < n; ++i) {
    const double g = grad[i] + double{h.weight_decay} * param[i];
    const double square = h.alpha * double{square_avg[i]} + h.one_minus_alpha * g * g;
    square_avg[i] = static_cast<float>(square);
    double variance = square;
    if (grad_avg) {
      const double mean = h.alpha * double{grad_avg[i]} + h.one_minus_alpha * g;
      grad_avg[i] = static_cast<float>(mean);
      variance = square - mean * mean;
    }
    const double avg = std::sqrt(variance) + h.eps;
    if (momentum_buffer) {
      const double buf = h.momentum * double{momentum_buffer[i]} + g / avg;
      momentum_buffer[i] = static_cast<float>(buf);
      param[i] = static_cast<float>(param[i] - h.lr * buf);
    } else {
      param[i] = static_cast<float>(param[i] - h.lr * g / avg);
    }
  }
}

}  // namespace leuko::cpu::reference
