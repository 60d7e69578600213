// One RMSprop update of a parameter tensor, with torch.optim.RMSprop's semantics: the
// gradient is divided by the root of a running mean of its square (eps added outside the
// root), optionally centered (the running mean of the gradient subtracted first) and
// optionally with a momentum buffer.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// rmsprop.cpp, and leuko::cpu::reference, the readable reference in rmsprop_reference.cpp:
// torch.optim.RMSprop's algorithm one element at a time, in double; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/op_params.h"

LEUKO_CPU_BACKENDS(
    // square_avg = alpha square_avg + (1 - alpha) g^2;
    // centered:   grad_avg = alpha grad_avg + (1 - alpha) g,  avg = sqrt(square_avg - grad_avg^2) +
    // eps otherwise:  avg = sqrt(square_avg) + eps; momentum:   buf = momentum buf + g / avg, param
    // -= lr buf;  otherwise param -= lr g / avg. `grad_avg` is null when not centered,
    // `momentum_buffer` null without momentum.
    void rmsprop_step(float* param, const float* grad, float* square_avg, float* grad_avg,
                      float* momentum_buffer, int64_t n, const RmspropHyperparameters& h);)
