// One SGD update of a parameter tensor, with torch.optim.SGD's semantics: coupled L2 weight
// decay, heavy-ball momentum with dampening, and Nesterov momentum.
#pragma once

#include <cstdint>

namespace leuko::cpu {

// The caller computes derived scalars such as 1 - dampening in double, as PyTorch does, so
// they are rounded to float once.
struct SgdHyperparameters {
  float lr;
  float momentum;        // 0: plain SGD, no buffer
  float one_minus_dampening;
  float weight_decay;
  bool nesterov;
};

// param -= lr * d, where d = grad + weight_decay * param, passed through the momentum buffer
// when momentum != 0. `momentum_buffer` may be null only when momentum == 0. On the buffer's
// first step (`first_step`) it is set to d itself, undamped, as PyTorch does when it creates it.
void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t n,
              const SgdHyperparameters& h, bool first_step);

}  // namespace leuko::cpu
