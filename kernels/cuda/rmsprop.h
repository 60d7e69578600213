// One RMSprop update of a parameter tensor on the GPU, with torch.optim.RMSprop's semantics
// (optionally centered, optionally with momentum): the CPU kernel's formula and
// hyperparameters (kernels/op_params.h).
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // As cpu::rmsprop_step; all pointers on the device, `grad_avg` null when not centered,
    // `momentum_buffer` null without momentum.
    void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                      float* momentum_buffer, int64_t n, const RmspropHyperparameters& h);)
