// torch.optim.SGD, per element:
//   d = grad + weight_decay * param
//   with momentum: buf = d on the first step, else momentum * buf + (1 - dampening) * d;
//                  d = d + momentum * buf (Nesterov) or buf
//   param = param - lr * d
#include "kernels/cpu/sgd.h"

namespace leuko::cpu::reference {

void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t n,
              const SgdHyperparameters& h, bool first_step) {
  for (int64_t i = 0; i < n; ++i) {
    double d = double{grad[i]} + double{h.weight_decay} * param[i];
    if (momentum_buffer) {
      const double buf =
          first_step ? d : double{h.momentum} * momentum_buffer[i] + h.one_minus_dampening * d;
      momentum_buffer[i] = static_cast<float>(buf);
      d = h.nesterov ? d + h.momentum * buf : buf;
    }
    param[i] = static_cast<float>(param[i] - h.lr * d);
  }
}

}  // namespace leuko::cpu::reference
