// Adam (Kingma and Ba, 2015) as torch.optim.Adam / AdamW run it, per element:
//   param = param * (1 - lr * weight_decay)                        (AdamW's decoupled decay)
//   g = grad + l2_weight_decay * param                             (Adam's coupled L2)
//   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
//   param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// with the step's scalars lr / (1 - beta1^t) and sqrt(1 - beta2^t) given in `h`.
#include "kernels/cpu/adam.h"

#include <cmath>

namespace leuko::cpu::reference {

void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
               const AdamHyperparameters& h) {
  for (int64_t i = 0; i < n; ++i) {
    const double p = double{param[i]} * h.decay_factor;
    const double g = grad[i] + h.l2_weight_decay * p;
    const double m = h.beta1 * double{exp_avg[i]} + h.one_minus_beta1 * g;
    const double v = h.beta2 * double{exp_avg_sq[i]} + h.one_minus_beta2 * g * g;
    exp_avg[i] = static_cast<float>(m);
    exp_avg_sq[i] = static_cast<float>(v);
    param[i] =
        static_cast<float>(p - h.step_size * m / (std::sqrt(v) / h.bias_correction2_sqrt + h.eps));
  }
}

}  // namespace leuko::cpu::reference
