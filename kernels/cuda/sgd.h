// One SGD update of a parameter tensor on the GPU, with torch.optim.SGD's semantics (coupled
// L2 weight decay, momentum with dampening, Nesterov): the CPU kernel's formula and
// hyperparameters (kernels/op_params.h), so both backends take the same scalars.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // param -= lr * d, as cpu::sgd_step; all pointers on the device, `momentum_buffer` null
    // only when momentum == 0.
    void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t n,
                  const SgdHyperparameters& h, bool first_step);)
