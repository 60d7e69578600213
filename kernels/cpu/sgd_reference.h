// The readable reference of the SGD update (sgd.h): the same kernel, name and signature,
// torch.optim.SGD's algorithm one element at a time, in double; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t n,
              const SgdHyperparameters& h, bool first_step);

}  // namespace leuko::cpu::reference
