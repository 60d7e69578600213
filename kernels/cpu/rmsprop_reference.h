// The readable reference of the RMSprop update (rmsprop.h): the same kernel, name and
// signature, torch.optim.RMSprop's algorithm one element at a time, in double; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                  float* momentum_buffer, int64_t n, const RmspropHyperparameters& h);

}  // namespace leuko::cpu::reference
